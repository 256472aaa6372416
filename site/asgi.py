"""ASGI entry point: daphne serves HTTP and WebSocket from one process."""

import logging
import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffroom.settings.dev")

# Django must be set up before routing imports models.
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.utils import translation  # noqa: E402

sys.setswitchinterval(settings.STAFFROOM_GIL_SWITCH_INTERVAL)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from forums.routing import websocket_urlpatterns as forum_ws  # noqa: E402
from live.routing import websocket_urlpatterns as live_ws  # noqa: E402

log = logging.getLogger("staffroom.websocket")


class LogOriginRefusals:
    """AllowedHostsOriginValidator refuses silently; this wrapper logs each refusal."""

    def __init__(self, validator):
        self.validator = validator

    async def __call__(self, scope, receive, send):
        from urllib.parse import urlparse

        raw = dict(scope.get("headers", [])).get(b"origin")
        parsed = urlparse(raw.decode("latin1")) if raw else None
        if not self.validator.valid_origin(parsed):
            log.warning("websocket refused: origin %r for %s", raw, scope.get("path"))
        return await self.validator(scope, receive, send)


class SocketLanguage:
    """Error events and notices on a socket speak the language the member chose for pages.

    The choice is the language cookie (set by /i18n/setlang/); the override lasts the
    socket's life, and database threads inherit it with the task's context.
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        chosen = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(chosen)
        except LookupError:
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            return await self.inner(scope, receive, send)


def websocket_app():
    return LogOriginRefusals(AllowedHostsOriginValidator(
        AuthMiddlewareStack(SocketLanguage(URLRouter(live_ws + forum_ws)))))


application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_app()})
