"""Local accounts through django-allauth: sign up, sign in, sign out, reset, and the
limit on failed sign-ins."""

import re

import pytest
from django.core import mail
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_a_teacher_signs_up_and_is_signed_in_with_a_teacher_profile(client):
    from community.models import Role, User

    response = client.post("/accounts/signup/", {"email": "siri@skole.no", "username": "siri",
                                                 "password1": "Lang-og-trygg-42", "password2": "Lang-og-trygg-42"})
    assert response.status_code == 302
    user = User.objects.get(username="siri")
    assert user.profile.role == Role.TEACHER
    assert client.get("/profil/").status_code == 200  # signed in


def test_a_weak_password_is_refused_with_a_message_in_norwegian(client):
    from community.models import User

    response = client.post("/accounts/signup/", {"email": "siri@skole.no", "username": "siri",
                                                 "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert not User.objects.filter(username="siri").exists()
    html = response.content.decode()
    assert "Passordet er for kort: det må ha minst 10 tegn." in html
    assert "This password" not in html


def test_sign_in_then_sign_out_needs_a_post(client, make_user):
    make_user("tor")
    assert client.post("/accounts/login/", {"login": "tor", "password": "pass-for-tests-123"}).status_code == 302
    assert client.get("/profil/").status_code == 200
    client.get("/accounts/logout/")  # a link or a prefetch never signs anyone out
    assert client.get("/profil/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/profil/").status_code == 302


def test_sign_in_rotates_the_session_key(make_user):
    make_user("tor")
    client = Client()
    client.get("/accounts/login/")
    before = client.session.session_key
    client.post("/accounts/login/", {"login": "tor", "password": "pass-for-tests-123"})
    assert client.session.session_key and client.session.session_key != before


def test_after_five_failed_sign_ins_even_the_right_password_waits(make_user):
    make_user("tor")
    client = Client()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "tor", "password": "feil-passord"})
        assert response.status_code == 200
    blocked = client.post("/accounts/login/", {"login": "tor", "password": "pass-for-tests-123"})
    assert blocked.status_code in (200, 429)
    assert client.get("/profil/").status_code == 302  # not signed in
    other = Client()  # someone else, elsewhere, signing in to their own account is unaffected
    make_user("una")
    assert other.post("/accounts/login/", {"login": "una", "password": "pass-for-tests-123"},
                      REMOTE_ADDR="10.0.0.9").status_code == 302


def test_a_forgotten_password_is_reset_through_the_mailed_link(make_user):
    make_user("tor")
    client = Client()
    assert client.post("/accounts/password/reset/", {"email": "tor@example.org"}).status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["tor@example.org"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                {"password1": "Nytt-og-langt-77", "password2": "Nytt-og-langt-77"})
    fresh = Client()
    assert fresh.post("/accounts/login/", {"login": "tor", "password": "Nytt-og-langt-77"}).status_code == 302
    assert Client().post("/accounts/login/", {"login": "tor", "password": "pass-for-tests-123"}).status_code == 200
