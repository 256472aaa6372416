"""Shared caches for Wagtail pages: whole pages for anonymous visitors, and below
that the parts of a page that are the same for every viewer.

Most visitors drop in without signing in; their course, module and idea pages are
the same for everyone. `PageCacheMiddleware` stores what a `CacheablePage` rendered
for a visitor without a session and serves it to the next such visitor without
routing, queries or template rendering.

Signed-in teachers get their own page (their progress is on it), and so does every
visitor when the page cache is off. For them the same middleware reads, in the one
cache round trip it makes anyway, the site for the request's host (Wagtail queries
it on every request) and the live page found at the path before (`cached_route`,
used by the home page's routing); `shared_fragments` keeps HTML that does not
depend on the viewer, such as a module's rendered blocks. This is the render cache
(STAFFROOM_RENDER_CACHE, on by default).

Invariants:
- only GET, no query string, no session or messages cookie, anonymous user,
  a 200 HTML answer from `CacheablePage.serve` that set no cookie;
- the CSRF token in cached forms (the language switcher) is replaced by the
  current visitor's on every hit;
- one generation number, bumped by every publish, unpublish, move, delete and
  snippet change, is part of each entry: a change empties the cache for every
  daphne process at once (the cache is Redis outside the embedded default).
  Counts beside the content (a module's discussion size) may be up to
  STAFFROOM_PAGE_CACHE_SECONDS old in the page cache; the render cache keeps none.
- the generation is read before the request touches the database, and bumped
  again once the change has committed: a request that read the first bump before
  the commit may have stored what it saw under it, the second bump retires that.
- previews never read or write the render cache.
- Redis being down never fails a page or a publish: pages render without the
  caches (staffroom.cache turns reads into misses), and a bump that could not be
  made is made by the next request in this process that reads the cache (entries
  expire after RENDER_CACHE_SECONDS anyway).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from redis.exceptions import RedisError

GENERATION_KEY = "pagecache:generation"
# Fragments, sites and routes are only valid for their generation, which every change
# retires; the timeout returns memory for pages nobody opens any more, and bounds how
# long a bump postponed by a Redis outage and lost with its process leaves them stale.
RENDER_CACHE_SECONDS = 3600
_TOKEN_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_PLACEHOLDER = rb"\1@@csrf@@\2"
log = logging.getLogger(__name__)
# A generation bump that failed (Redis unreachable), made again before this process
# next reads the cache.
_bump_pending = False


def _get_many(keys: list[str]) -> dict:
    """The cache's answer (empty while Redis does not answer: staffroom.cache), after
    making a bump this process could not make before."""
    global _bump_pending
    if _bump_pending:
        _bump_pending = False
        _bump()
    return cache.get_many(keys)


def _enabled() -> bool:
    return settings.STAFFROOM_PAGE_CACHE_SECONDS > 0


def _serves_pages(request) -> bool:
    # Only paths Wagtail serves can hold a page: app views (forum, search, groups)
    # skip the cache lookup instead of paying a Redis round trip for nothing.
    try:
        return resolve(request.path_info).url_name == "wagtail_serve"
    except Resolver404:
        return False


def _eligible(request) -> bool:
    if not _enabled() or request.method != "GET" or request.META.get("QUERY_STRING"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _key(request) -> str:
    return f"pagecache:page:{getattr(request, 'LANGUAGE_CODE', '')}:{request.get_host()}:{request.path}"


def _site_key(request) -> str:
    return f"pagecache:site:{split_domain_port(request._get_raw_host())[0]}:{request.get_port()}"


def _route_key(request) -> str:
    return f"pagecache:route:{request.get_host()}:{request.path_info}"


def _incr() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def _bump() -> None:
    global _bump_pending
    try:
        _incr()
    except RedisError as exc:  # the change itself must not fail
        _bump_pending = True
        log.warning("page cache unavailable, generation bump postponed: %s", exc)


def bump_generation(**_kwargs) -> None:
    """Forget every cached page, site and fragment (a new generation no entry
    matches): now, so the change's own transaction sees it, and after the commit."""
    _bump()
    transaction.on_commit(_bump)


def _generation(request: HttpRequest) -> int | None:
    """The generation this request may use the render cache with, or None."""
    if getattr(request, "is_preview", False):
        return None
    return getattr(request, "_staffroom_generation", None)


def shared_fragments(request: HttpRequest, renderers: dict[str, Callable[[], str]]) -> dict[str, SafeString]:
    """Each renderer's HTML, reused for every viewer of live pages until the next
    generation, fetched in one round trip. A name must identify everything its HTML
    depends on except the language; a renderer must not depend on the viewer."""
    generation = _generation(request)
    if generation is None:
        return {name: mark_safe(render()) for name, render in renderers.items()}
    keys = {name: f"pagecache:fragment:{get_language()}:{name}" for name in renderers}
    found = _get_many(list(keys.values()))
    out, missing = {}, {}
    for name, render in renderers.items():
        entry = found.get(keys[name])
        if entry is not None and entry[0] == generation:
            out[name] = mark_safe(entry[1])
        else:
            html = str(render())
            out[name] = mark_safe(html)
            missing[keys[name]] = (generation, html)
    if missing:
        cache.set_many(missing, RENDER_CACHE_SECONDS)
    return out


def cached_route(request: HttpRequest):
    """The live page at this path, with its view restrictions, as a request in this
    generation found it (every save of a page starts a new generation), or None."""
    entry = getattr(request, "_staffroom_route", None)
    if entry is None or entry[0] != _generation(request):
        return None
    page, restrictions = entry[1]
    page._staffroom_view_restrictions = restrictions
    return page


def remember_route(request: HttpRequest, page) -> None:
    """Store the page found at this path for the next request to it; give the page
    its view restrictions so Wagtail's check does not query them again."""
    if _generation(request) is None or not page.live:
        return
    restrictions = list(page.get_view_restrictions())
    cache.set(_route_key(request), (request._staffroom_generation, (page, restrictions)), RENDER_CACHE_SECONDS)
    page._staffroom_view_restrictions = restrictions


def mark_cacheable(request) -> None:
    request._staffroom_page_cacheable = True


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _serves_pages(request):
            return self.get_response(request)
        page_key = _key(request) if _eligible(request) else None
        render_cache = settings.STAFFROOM_RENDER_CACHE
        if page_key is None and not render_cache:
            return self.get_response(request)
        site_key, route_key = _site_key(request), _route_key(request)
        found = _get_many([GENERATION_KEY, site_key, route_key, *([page_key] if page_key else [])])
        generation = found.get(GENERATION_KEY, 0)
        entry = found.get(page_key) if page_key else None
        if entry is not None and entry[0] == generation:
            return self._hit(request, entry[1], entry[2])
        if render_cache:
            request._staffroom_generation = generation
            request._staffroom_route = found.get(route_key)
            self._use_site(request, site_key, found.get(site_key), generation)
        response = self.get_response(request)
        if page_key and self._storable(request, response):
            body = _TOKEN_INPUT.sub(_PLACEHOLDER, response.content)
            cache.set(page_key, (generation, response["Content-Type"], body), settings.STAFFROOM_PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

    def _use_site(self, request, key: str, entry, generation: int) -> None:
        """Give Wagtail the request's site (with its root page as the home page
        itself) from the cache, or find it and store it for the next request."""
        if entry is not None and entry[0] == generation:
            request._wagtail_site = entry[1]
            return
        from wagtail.models import Site

        site = Site.find_for_request(request)
        if site is not None:
            site.root_page = site.root_page.specific
            cache.set(key, (generation, site), RENDER_CACHE_SECONDS)

    def _storable(self, request, response) -> bool:
        return (
            getattr(request, "_staffroom_page_cacheable", False)
            and not getattr(request, "is_preview", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and response.get("Content-Type", "").startswith("text/html")
            and not request.user.is_authenticated
        )

    def _hit(self, request, content_type: str, body: bytes) -> HttpResponse:
        if b"@@csrf@@" in body:
            body = body.replace(b"@@csrf@@", get_token(request).encode())
        response = HttpResponse(body, content_type=content_type)
        response["X-Page-Cache"] = "hit"
        return response


class CacheablePage:
    """Mixin for page types whose anonymous rendering is the same for everyone."""

    def get_view_restrictions(self):
        # Set by remember_route, or by the home page's routing from a cached route.
        restrictions = getattr(self, "_staffroom_view_restrictions", None)
        return restrictions if restrictions is not None else super().get_view_restrictions()

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        mark_cacheable(request)
        return response
