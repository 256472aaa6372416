"""A teacher shares an idea in Chromium, an editor publishes it in the Wagtail admin,
and it turns up in the listing under its filters; axe-core checks the public pages."""

import io

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 110, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_teacher_submits_an_idea_with_an_image_an_editor_publishes_it_and_it_is_listed(
        transactional_db, site_tree, make_user, daphne, browser_context):
    from django.contrib.auth import get_user_model

    from ideabank.models import IdeaPage

    teacher = make_user("turid", display_name="Turid Lærer")
    page = browser_context(daphne, teacher).new_page()
    page.goto("/idebank/del/")
    assert_accessible(page, "the submission form")
    page.get_by_label("Tittel").fill("Brøkpizza i fellesskap")
    page.get_by_label("Kort sammendrag").fill("Klassen deler pizzaer av papp og sammenligner bitene.")
    page.get_by_label("Slik gjør du").fill("Klipp pizzaer\nHver gruppe klipper en pizza i like store biter."
                                          "\n\nSammenlign\nHvilken bit er størst: 1/3 eller 1/4?")
    page.get_by_label("Fag").select_option("matematikk")
    page.get_by_label("5.–7. trinn").check()
    page.get_by_label("Emneord").fill("Pizzabrøk, sammenligning")
    page.get_by_label("Bilde (valgfritt)").set_input_files(
        files=[{"name": "pizza.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.get_by_label("Beskrivelse av bildet").fill("En papp-pizza delt i fire like biter.")

    page.get_by_role("button", name="Forhåndsvis").click()
    preview = page.locator("#idea-preview")
    expect(preview).to_be_focused()
    expect(preview.get_by_role("heading", name="Brøkpizza i fellesskap")).to_be_visible()
    expect(preview.get_by_role("link", name="pizzabrøk")).to_be_visible()
    expect(preview.get_by_role("img", name="En papp-pizza delt i fire like biter.")).to_be_visible()
    # The preview came without a reload: the chosen image is still in the form.
    assert page.evaluate("document.querySelector('input[type=file]').files.length") == 1
    assert not IdeaPage.objects.filter(title="Brøkpizza i fellesskap").exists()
    assert_accessible(page, "the submission form with its preview")

    page.get_by_role("button", name="Send til redaksjonen").click()
    page.wait_for_url("**/idebank/mine/")
    expect(page.get_by_text("Til vurdering")).to_be_visible()
    idea = IdeaPage.objects.get(title="Brøkpizza i fellesskap")
    assert not idea.live

    editor = get_user_model().objects.get(username="redaktor")
    admin = browser_context(daphne, editor).new_page()
    admin.goto(f"/admin/pages/{idea.pk}/edit/")
    approve = admin.locator("button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])")
    if not approve.is_visible():
        admin.locator("footer .dropdown-toggle, footer [data-w-dropdown-target=toggle]").first.click()
    with admin.expect_navigation():
        approve.click()
    idea.refresh_from_db()
    assert idea.live

    reader = browser_context(daphne).new_page()
    reader.goto("/idebank/?subject=matematikk&grade=5-7")
    card = reader.locator(".card", has_text="Brøkpizza i fellesskap")
    expect(card).to_be_visible()
    reader.goto("/idebank/?grade=1-4")
    expect(reader.locator(".card", has_text="Brøkpizza i fellesskap")).to_have_count(0)
    reader.goto("/idebank/")
    reader.locator(".card", has_text="Brøkpizza i fellesskap").get_by_role("link", name="pizzabrøk").click()
    expect(reader.locator("h1")).to_have_text("Idéer med emneordet «pizzabrøk»")
    assert_accessible(reader, "a tag page")
    reader.get_by_role("link", name="Brøkpizza i fellesskap").click()
    expect(reader.get_by_role("img", name="En papp-pizza delt i fire like biter.")).to_be_visible()
    expect(reader.get_by_text("Turid Lærer")).to_be_visible()
    assert_accessible(reader, "the published idea")
