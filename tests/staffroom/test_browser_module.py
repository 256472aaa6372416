"""A drop-in teacher's way through a module, in Chromium with axe-core checks."""

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_anonymous_teacher_answers_video_and_quiz_then_signs_in_and_keeps_progress(
        transactional_db, site_tree, make_user, daphne, browser_context):
    from staffroom.models import ModulePage

    make_user("lise")
    module = ModulePage.objects.get(slug="hva-er-en-brok")
    page = browser_context(daphne).new_page()
    page.goto(module.url)
    expect(page.locator("h1")).to_have_text(module.title)
    assert_accessible(page, "the module page")

    # The interactive video: seek past the question with the keyboard; the player
    # pauses and asks, the server checks, then the video may go on.
    video = page.locator("video.video-player").first
    page.wait_for_function("document.querySelector('video.video-player').readyState >= 1")
    video.focus()
    page.keyboard.press("ArrowRight")
    box = page.locator(".video-question").first
    expect(box).to_be_visible()
    assert page.evaluate("document.querySelector('video.video-player').paused")
    box.get_by_label("Ditt svar").fill("2/4")
    box.get_by_role("button", name="Sjekk svaret").click()
    expect(box.locator(".quiz-feedback")).to_contain_text("Riktig")
    assert_accessible(page, "the module page with a video question open")
    box.get_by_role("button", name="Fortsett videoen").click()
    expect(box).to_be_hidden()

    # The quiz: wrong first, then right.
    quiz = page.locator(".quiz").first
    quiz.get_by_label("1/3").check()
    quiz.get_by_role("button", name="Lever quizen").click()
    expect(quiz.locator(".quiz-result")).to_contain_text("Prøv gjerne igjen")
    quiz.get_by_label("1/2").check()
    answers = quiz.get_by_label("Ditt svar")
    answers.nth(0).fill("0,75")
    answers.nth(1).fill("0,33")
    answers.nth(2).fill("nevneren")
    quiz.get_by_role("button", name="Lever quizen").click()
    expect(quiz.locator(".quiz-result")).to_contain_text("Bestått")

    # Sign in: what was done anonymously is the account's now.
    page.get_by_role("link", name="Logg inn").click()
    page.locator("input[name=login]").fill("lise")
    page.locator("input[name=password]").fill("pass-for-tests-123")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"**{module.url}")
    progress = page.locator("#module-progress")
    expect(progress).to_contain_text("bestått 1 av 1 quizer")
    expect(progress).not_to_contain_text("åpnet 0 av")
    page.goto("/")
    expect(page.get_by_text("Fortsett der du slapp")).to_be_visible()
    assert_accessible(page, "the home page of a signed-in teacher")
