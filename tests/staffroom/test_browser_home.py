import pytest

from tests.conftest import assert_accessible


@pytest.mark.browser
@pytest.mark.postgres
def test_home_page_in_chromium_has_no_axe_violations(site_tree, daphne, browser_context):
    page = browser_context(daphne).new_page()
    page.goto("/")
    assert page.locator("h1").inner_text() == "Velkommen til Staffroom"
    assert page.locator("html").get_attribute("lang") == "nb"
    nav = page.get_by_role("navigation", name="Hovedmeny")
    for label in ("Kurs", "Idébank", "Forum", "Grupper", "Søk"):
        assert nav.get_by_role("link", name=label).count() == 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Hopp til innholdet"
    assert_accessible(page, "the home page")
