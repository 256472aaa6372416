"""A shared cache of public pages for anonymous visitors.

Most visitors drop in without signing in; their course, module and idea pages are
the same for everyone. `PageCacheMiddleware` stores what a `CacheablePage` rendered
for a visitor without a session and serves it to the next such visitor without
routing, queries or template rendering.

Invariants:
- only GET, no query string, no session or messages cookie, anonymous user,
  a 200 HTML answer from `CacheablePage.serve` that set no cookie;
- the CSRF token in cached forms (the language switcher) is replaced by the
  current visitor's on every hit;
- one generation number, bumped by every publish, unpublish, move, delete and
  snippet change, is part of each entry: a change empties the cache for every
  daphne process at once (the cache is Redis outside the embedded default).
  Counts beside the content (a module's discussion size) may be up to
  STAFFROOM_PAGE_CACHE_SECONDS old.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve

GENERATION_KEY = "pagecache:generation"
_TOKEN_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_PLACEHOLDER = rb"\1@@csrf@@\2"


def _enabled() -> bool:
    return settings.STAFFROOM_PAGE_CACHE_SECONDS > 0


def _eligible(request) -> bool:
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    # Only paths Wagtail serves can hold a page: app views (forum, search, groups)
    # skip the cache lookup instead of paying a Redis round trip for nothing.
    try:
        return resolve(request.path_info).url_name == "wagtail_serve"
    except Resolver404:
        return False


def _key(request) -> str:
    return f"pagecache:page:{getattr(request, 'LANGUAGE_CODE', '')}:{request.get_host()}:{request.path}"


def bump_generation(**_kwargs) -> None:
    """Forget every cached page (a new generation no entry matches)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def mark_cacheable(request) -> None:
    request._staffroom_page_cacheable = True


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _enabled() or not _eligible(request):
            return self.get_response(request)
        key = _key(request)
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY, 0)
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            return self._hit(request, entry[1], entry[2])
        response = self.get_response(request)
        if self._storable(request, response):
            body = _TOKEN_INPUT.sub(_PLACEHOLDER, response.content)
            cache.set(key, (generation, response["Content-Type"], body), settings.STAFFROOM_PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

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

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        mark_cacheable(request)
        return response
