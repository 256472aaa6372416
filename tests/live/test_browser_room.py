import re

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_two_members_chat_live_and_a_third_teacher_is_refused(room, daphne, browser_context):
    group = room["group"]
    kari = browser_context(daphne, room["kari"]).new_page()
    ola = browser_context(daphne, room["ola"]).new_page()
    kari.goto(f"/groups/{group.pk}/rom/")
    ola.goto(f"/groups/{group.pk}/rom/")
    expect(kari.locator("#connection-status")).to_have_text("Tilkoblet.")
    expect(ola.locator("#connection-status")).to_have_text("Tilkoblet.")
    assert_accessible(kari, "the room page")
    kari.get_by_label("Skriv en melding").fill("Har dere prøvd tallinjen?")
    kari.get_by_role("button", name="Send").click()
    expect(ola.locator("#chat-log")).to_contain_text("Har dere prøvd tallinjen?")
    # announced to screen readers through the live region
    assert ola.locator("#chat-announcer").get_attribute("aria-live") == "polite"
    expect(ola.locator("#chat-announcer")).to_contain_text("Kari skriver: Har dere prøvd tallinjen?")
    ola.get_by_label("Skriv en melding").fill("Ja, i 5B!")
    ola.get_by_role("button", name="Send").click()
    expect(kari.locator("#chat-log li")).to_have_count(2)
    expect(kari.locator("#chat-log li").nth(1)).to_have_text(re.compile("Ola: Ja, i 5B!"))
    assert_accessible(ola, "the room page after chatting")
    outsider = browser_context(daphne, room["outsider"]).new_page()
    response = outsider.goto(f"/groups/{group.pk}/rom/")
    assert response.status == 403
    assert_accessible(outsider, "the refusal page")
