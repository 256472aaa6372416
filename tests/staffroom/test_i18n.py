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
