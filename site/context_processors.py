from django.conf import settings
from django.http import HttpRequest


def staffroom(request: HttpRequest) -> dict:
    return {
        "NAV_ITEMS": [
            ("Kurs", "/kurs/"),
            ("Idébank", "/idebank/"),
            ("Forum", "/forum/"),
            ("Grupper", "/groups/"),
            ("Søk", "/search/"),
        ],
        "FEIDE_ENABLED": bool(settings.FEIDE_CLIENT_ID and settings.FEIDE_ISSUER),
        "UNREAD_NOTIFICATIONS": _unread(request),
    }


def _unread(request) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return user.notifications.filter(read_at__isnull=True).count()
