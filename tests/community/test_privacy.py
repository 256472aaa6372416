"""A member's own data: download it, or delete the account and leave only what
others need to follow the conversations."""

import json

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def member_with_history(site_tree, make_user):
    from community import services as cs
    from forums import services as fs
    from forums.models import Category
    from live import services as ls

    lise, per = make_user("lise", display_name="Lise Lærer"), make_user("per")
    lise.profile.school, lise.profile.bio = "Bakketun skole", "Jeg underviser 6. trinn."
    lise.profile.save()
    category = Category.objects.create(name="Generelt", slug="generelt-p")
    thread = fs.create_thread(per, category, "Hva gjør dere med brøk?", "Jeg starter med pizza.")
    post = fs.reply(lise, thread, "Vi bruker tallinje på golvet.")
    fs.reply(per, thread, "Takk, Lise!")
    group = cs.create_group(per, name="Brøkgjengen")
    cs.add_member(group, lise)
    ls.send_message(lise, group.pk, "m1", "Vi ses på torsdag.")
    return {"lise": lise, "per": per, "thread": thread, "post": post, "group": group}


def test_a_member_downloads_their_own_data_and_nobody_elses(member_with_history):
    lise = member_with_history["lise"]
    client = Client()
    client.force_login(lise)
    response = client.get("/profil/eksport/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["school"] == "Bakketun skole"
    assert [p["body"] for p in data["posts"]] == ["Vi bruker tallinje på golvet."]
    assert [m["body"] for m in data["messages"]] == ["Vi ses på torsdag."]
    assert data["groups"][0]["group"] == "Brøkgjengen"
    assert "Takk, Lise!" not in response.content.decode()
    assert Client().get("/profil/eksport/").status_code == 302  # anonymous: to the sign-in page


def test_deleting_the_account_keeps_posts_readable_as_deleted_member(member_with_history):
    from community.models import Membership, User

    lise, thread = member_with_history["lise"], member_with_history["thread"]
    client = Client()
    client.force_login(lise)
    refused = client.post("/profil/slett/", {"confirm": "kanskje"})
    assert refused.status_code == 400 and "Skriv SLETT" in refused.content.decode()
    assert User.objects.get(pk=lise.pk).is_active
    assert client.post("/profil/slett/", {"confirm": "SLETT"}).status_code == 302
    gone = User.objects.get(pk=lise.pk)
    assert gone.is_deleted and not gone.is_active and gone.email == "" and not gone.has_usable_password()
    assert gone.profile.school == "" and gone.profile.bio == ""
    assert not Membership.objects.filter(user=gone).exists()
    page = Client().get(thread.get_absolute_url()).content.decode()
    assert "Vi bruker tallinje på golvet." in page and "slettet medlem" in page
    assert "Lise Lærer" not in page
    assert not Client().login(username="lise", password="pass-for-tests-123")
    assert client.get("/profil/").status_code == 302  # the old session is signed out


def test_deleting_needs_a_csrf_token(member_with_history):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_with_history["lise"])
    assert client.post("/profil/slett/", {"confirm": "SLETT"}).status_code == 403


def test_a_members_profile_is_for_signed_in_members_only_and_gone_after_deletion(client, make_user):
    from community import services
    from community.models import Profile

    ada = make_user("ada")
    Profile.objects.filter(user=ada).update(municipality="Fjellbygd", bio="Liker <b>brøk</b>.")
    url = f"/profil/{ada.pk}/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(make_user("bo"))
    page = client.get(url).content.decode()
    assert "Fjellbygd" in page and "Testskolen" in page
    assert "&lt;b&gt;brøk&lt;/b&gt;" in page and "<b>brøk</b>" not in page
    services.delete_account(ada)
    assert client.get(url).status_code == 404
