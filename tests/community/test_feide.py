"""Sign-in with FEIDE (OpenID Connect), end to end against a real provider on loopback
(django-oauth-toolkit, tests/oidc_provider), through Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.community import feide
from tests.conftest import Daphne, assert_accessible, daphne_env, free_port

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def feide_site(transactional_db, site_tree, tmp_path):
    port = free_port()
    provider = feide.Provider(tmp_path, f"http://127.0.0.1:{port}/accounts/oidc/feide/login/callback/")
    server = Daphne(port, daphne_env(FEIDE_CLIENT_ID=feide.CLIENT_ID, FEIDE_CLIENT_SECRET=feide.CLIENT_SECRET,
                                     FEIDE_ISSUER=provider.issuer))
    yield server, provider
    server.stop()
    provider.stop()


def sign_in_with_feide(page, username: str, callbacks: list | None = None) -> None:
    if callbacks is not None:
        page.on("request", lambda r: callbacks.append(r.url) if "/login/callback/" in r.url else None)
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Feide").click()
    page.get_by_role("button", name="Fortsett").click()  # allauth asks before leaving for Feide
    page.get_by_label("Feide-navn").fill(username)
    page.get_by_label("Passord").fill(feide.PASSWORD)
    page.get_by_role("button", name="Logg inn hos leverandøren").click()
    page.wait_for_url("http://127.0.0.1:*/")


def test_a_teacher_signs_in_with_feide_and_a_replayed_callback_is_refused(feide_site, browser_context):
    from community.models import Role, User

    server, _provider = feide_site
    page = browser_context(server).new_page()
    page.goto("/accounts/login/")
    expect(page.get_by_role("link", name="Feide")).to_be_visible()
    assert_accessible(page, "the sign-in page with Feide")
    callbacks: list[str] = []
    sign_in_with_feide(page, "feide-lærer", callbacks)
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()

    user = User.objects.get(email="fjord.laerer@testskole.no")
    assert user.display_name == "Fjord Lærer"
    assert user.profile.role == Role.TEACHER
    assert user.profile.feide_id == "feide-lærer@testskole.no"
    assert "faculty" in user.profile.affiliation
    assert user.socialaccount_set.get().provider == "feide"

    # The interface in nynorsk, then English: the page's language follows the choice.
    page.get_by_label("Språk").select_option("nn")
    page.get_by_role("button", name="Bytt språk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page.get_by_role("navigation", name="Hovudmeny")).to_be_visible()
    expect(page.get_by_text("Staffroom – eit ope personalrom")).to_be_visible()
    expect(page.get_by_role("heading", name="Opne kurs")).to_be_visible()
    assert_accessible(page, "the home page in nynorsk")
    # Page texts and the scripts' messages (the JavaScript catalogue) follow it too.
    from staffroom.models import ModulePage

    page.goto(ModulePage.objects.get(slug="hva-er-en-brok").url)
    expect(page.get_by_role("heading", name="Mål for modulen")).to_be_visible()
    question = page.locator("section.quiz fieldset").first
    question.get_by_role("button", name="Sjekk svaret").click()
    expect(question.locator(".quiz-feedback")).to_have_text(re.compile(r"^(Vel eit svar først\.|Skriv eit svar\.)$"))
    assert_accessible(page, "a module in nynorsk")
    page.get_by_label("Språk").select_option("en")
    page.get_by_role("button", name="Byt språk").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Skip to content")).to_be_attached()
    page.get_by_label("Language").select_option("nb")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")

    # The same callback (code and state) again, from another browser: refused, nobody signed in.
    assert callbacks
    other = browser_context(server).new_page()
    other.goto(callbacks[0])
    expect(other.get_by_role("button", name="Logg ut")).to_have_count(0)
    assert User.objects.filter(email="fjord.laerer@testskole.no").count() == 1
    # ...and from the same browser after signing out.
    page.get_by_role("button", name="Logg ut").click()
    page.goto(callbacks[0])
    expect(page.get_by_role("button", name="Logg ut")).to_have_count(0)


def test_a_pupil_signing_in_with_feide_is_not_made_a_teacher(feide_site, browser_context):
    from community.models import Role, User

    server, _provider = feide_site
    sign_in_with_feide(browser_context(server).new_page(), "feide-elev")
    assert User.objects.get(email="elev@testskole.no").profile.role == Role.MEMBER


def test_feide_connects_to_the_local_account_with_the_same_verified_email(feide_site, browser_context, make_user):
    from allauth.account.models import EmailAddress

    from community.models import User

    local = make_user("fjord")
    User.objects.filter(pk=local.pk).update(email="fjord.laerer@testskole.no")
    local.refresh_from_db()
    EmailAddress.objects.create(user=local, email=local.email, verified=True, primary=True)
    server, _provider = feide_site
    sign_in_with_feide(browser_context(server).new_page(), "feide-lærer")
    assert User.objects.filter(email="fjord.laerer@testskole.no").count() == 1
    assert local.socialaccount_set.get().provider == "feide"
    local.profile.refresh_from_db()
    assert local.profile.feide_id == "feide-lærer@testskole.no"


def test_when_feide_is_down_the_teacher_is_told_and_local_sign_in_still_works(feide_site, browser_context,
                                                                             make_user):
    server, provider = feide_site
    make_user("tone")
    provider.stop()
    page = browser_context(server).new_page()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Feide").click()
    page.get_by_role("button", name="Fortsett").click()
    expect(page.get_by_role("heading", name="Feide svarer ikke akkurat nå")).to_be_visible()
    assert_accessible(page, "the Feide-is-down page")
    page.get_by_role("link", name="logge inn med dem").click()
    page.locator("input[name=login]").fill("tone")
    page.locator("input[name=password]").fill("pass-for-tests-123")
    page.locator("input[name=password]").press("Enter")
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
