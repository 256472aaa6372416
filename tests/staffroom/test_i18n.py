"""The interface language: bokmål by default, nynorsk and English by choice."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.redis]


def test_the_chosen_language_sets_lang_and_the_interface_and_cached_pages_stay_apart(site_tree):
    bokmal, nynorsk = Client(), Client()
    first = bokmal.get("/").content.decode()  # fills the anonymous page cache in bokmål
    assert '<html lang="nb">' in first and "Hopp til innholdet" in first
    assert nynorsk.post("/i18n/setlang/", {"language": "nn", "next": "/"}).status_code == 302
    page = nynorsk.get("/").content.decode()
    assert '<html lang="nn">' in page and "Hopp til innhaldet" in page and 'aria-label="Hovudmeny"' in page
    assert '<html lang="nb">' in bokmal.get("/").content.decode()  # the cache did not mix them
    english = Client()
    english.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Skip to content" in english.get("/idebank/").content.decode()
    unknown = Client()
    unknown.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert '<html lang="nb">' in unknown.get("/").content.decode()  # an unknown language is ignored


def chosen(language: str) -> Client:
    client = Client()
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def test_page_texts_form_labels_and_errors_follow_the_chosen_language(site_tree):
    from staffroom.models import ModulePage, QuizQuestion

    module_url = ModulePage.objects.get(slug="hva-er-en-brok").url
    nynorsk, english = chosen("nn"), chosen("en")
    ideas = nynorsk.get("/idebank/").content.decode()
    assert "Vis idear" in ideas and "Vis idéer" not in ideas
    ideas = english.get("/idebank/").content.decode()
    assert "Show ideas" in ideas and "Mathematics" in ideas and "All grade bands" in ideas
    module = english.get(module_url).content.decode()
    assert "Check the answer" in module and "Submit the quiz" in module and "Sjekk svaret" not in module
    assert "Hald fram" not in module and "Oppfølgingsoppgåver" in nynorsk.get(module_url).content.decode()
    search = english.get("/search/", {"q": "brøk"}).content.decode()
    assert "Search ideas, courses and the forum" in search
    question = QuizQuestion.objects.filter(kind="rational").first()
    bad = nynorsk.post(f"/api/quiz/{question.pk}/check/", '{"answer": "1//2"}', content_type="application/json")
    assert bad.status_code == 400 and "ikkje" in bad.json()["error"]
    assert "Sjekk svaret" in Client().get(module_url).content.decode()  # bokmål stays the default


def test_the_scripts_get_their_strings_in_the_chosen_language(site_tree):
    assert "Tilkopla." in chosen("nn").get("/i18n/js/").content.decode()
    english = chosen("en").get("/i18n/js/").content.decode()
    assert "Connected." in english and "Du fikk" in english  # msgid → English msgstr
    assert "Tilkopla." not in Client().get("/i18n/js/").content.decode()  # bokmål needs no catalogue
