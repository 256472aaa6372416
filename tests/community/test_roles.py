"""What each role may open: anonymous, teacher, facilitator (of their own group),
moderator, editor and administrator, over the main views. The rules live in
community/permissions.py; views and consumers ask it."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ROLES = ("anonymous", "teacher", "facilitator", "moderator", "editor", "administrator")
OK, LOGIN, FORBIDDEN, HIDDEN, NO_ADMIN = "200", "login", "403", "404", "admin-login"

# view → what each role gets, in the order of ROLES
MATRIX = {
    "/": (OK, OK, OK, OK, OK, OK),
    "/kurs/fra-heltall-til-brok/": (OK, OK, OK, OK, OK, OK),
    "/idebank/": (OK, OK, OK, OK, OK, OK),
    "/idebank/del/": (LOGIN, OK, OK, OK, OK, OK),
    "/profil/": (LOGIN, OK, OK, OK, OK, OK),
    "/groups/{closed}/": (LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
    "/groups/{open}/": (LOGIN, OK, OK, OK, OK, OK),
    "/api/rooms/{closed}/messages?after=0": ("401", FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/forum/moderering/": (LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, OK),
    "/admin/": (NO_ADMIN, NO_ADMIN, NO_ADMIN, NO_ADMIN, OK, OK),
    # Writing an idea page in the Wagtail admin: editors and administrators.
    "/admin/pages/add/ideabank/ideapage/{idea_bank}/": (NO_ADMIN, NO_ADMIN, NO_ADMIN, NO_ADMIN, OK, OK),
    # Groups and their permissions: administrators only.
    "/django-admin/auth/group/": (NO_ADMIN, NO_ADMIN, NO_ADMIN, FORBIDDEN, FORBIDDEN, OK),
}


@pytest.fixture
def people(site_tree, make_user):
    from django.contrib.auth import get_user_model

    from community import services
    from community.models import Profile, Role

    User = get_user_model()
    facilitator = make_user("fasilitator")
    closed = services.create_group(facilitator, name="Lukket gruppe", is_open=False)
    opened = services.create_group(facilitator, name="Åpen gruppe", is_open=True)
    admin = User.objects.create_superuser("sjef", "sjef@example.org", "pass-for-tests-123")
    Profile.objects.create(user=admin, role=Role.ADMINISTRATOR)
    users = {"anonymous": None, "teacher": make_user("lærer"), "facilitator": facilitator,
             "moderator": User.objects.get(username="moderator"), "editor": User.objects.get(username="redaktor"),
             "administrator": admin}
    from ideabank.models import IdeaBankIndexPage

    return users, {"closed": closed.pk, "open": opened.pk, "idea_bank": IdeaBankIndexPage.objects.get().pk}


def outcome(response) -> str:
    if response.status_code == 302:
        target = response["Location"]
        if "/accounts/login/" in target:
            return LOGIN
        if "/admin/login/" in target or "/django-admin/login/" in target:
            return NO_ADMIN
        return f"302 {target}"
    return str(response.status_code)


@pytest.mark.parametrize("path", list(MATRIX))
def test_each_role_gets_what_the_permission_rules_say(people, path):
    users, groups = people
    url = path.format(**groups)
    got = {}
    for role, user in users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        got[role] = outcome(client.get(url))
    expected = dict(zip(ROLES, MATRIX[path], strict=True))
    assert got == expected
