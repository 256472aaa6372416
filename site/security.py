"""A content security policy for the public site (Django 5.2 has none built in).

Our own pages load scripts, styles and media only from this origin, frame only
the allow-listed video hosts, and never inline code, so injected markup that got
past sanitising still cannot run. The Wagtail admin and the API docs bring their
own inline scripts and are left to their own headers."""

from __future__ import annotations

from django.conf import settings

_EXEMPT = ("/admin/", "/django-admin/", "/api/docs")


def policy() -> str:
    from staffroom.models import ALLOWED_VIDEO_HOSTS

    frames = " ".join(f"https://{host}" for host in ALLOWED_VIDEO_HOSTS)
    # Signing in with FEIDE posts to our own login view, which redirects to FEIDE:
    # browsers hold that redirect to `form-action` too.
    forms = " ".join(["'self'", *_origin(getattr(settings, "FEIDE_ISSUER", ""))])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        f"frame-src {frames}",
        "object-src 'none'",
        "base-uri 'self'",
        f"form-action {forms}",
        "frame-ancestors 'none'",
    ])


def _origin(url: str) -> list[str]:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme in ("http", "https") and parts.netloc else []


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = policy()

    def __call__(self, request):
        response = self.get_response(request)
        if settings.STAFFROOM_CSP and not request.path.startswith(_EXEMPT):
            response.setdefault("Content-Security-Policy", self.header)
        return response
