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
    }
