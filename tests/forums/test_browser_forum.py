import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_a_post_appears_in_another_browser_without_reloading(transactional_db, make_user, daphne,
                                                            browser_context):
    from forums import services
    from forums.models import Category

    kari, ola = make_user("kari"), make_user("ola")
    category = Category.objects.create(name="Generelt", slug="generelt")
    thread = services.create_thread(kari, category, "Hvordan starter dere?", "Med pizza eller tallinje?")
    reader = browser_context(daphne, ola).new_page()
    writer = browser_context(daphne, kari).new_page()
    reader.goto(thread.get_absolute_url())
    expect(reader.locator("#readers")).to_contain_text("leser nå")
    assert_accessible(reader, "the thread page")
    writer.goto(thread.get_absolute_url())
    writer.get_by_label("Svar:", exact=True).fill("Vi bruker **tallinje** i 5B.")
    writer.get_by_role("button", name="Publiser svaret").click()
    expect(reader.locator("#posts")).to_contain_text("Vi bruker tallinje i 5B.")
    expect(reader.locator("#posts strong").last).to_have_text("tallinje")
    assert_accessible(reader, "the thread page after a live post")
    writer.goto("/forum/generelt/")
    assert_accessible(writer, "the category page")
