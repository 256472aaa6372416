from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_noop


def staffroom(request: HttpRequest) -> dict:
    return {
        "NAV_ITEMS": [
            # Marked here, translated where shown ({% translate label %} in base.html).
            (gettext_noop("Kurs"), "/kurs/"),
            (gettext_noop("Idébank"), "/idebank/"),
            (gettext_noop("Forum"), "/forum/"),
            (gettext_noop("Grupper"), "/groups/"),
            (gettext_noop("Søk"), "/search/"),
        ],
        "FEIDE_ENABLED": bool(settings.FEIDE_CLIENT_ID and settings.FEIDE_ISSUER),
        "UNREAD_NOTIFICATIONS": _unread(request),
    }


def _unread(request) -> int:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return user.notifications.filter(read_at__isnull=True).count()
