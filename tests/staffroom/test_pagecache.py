"""The anonymous page cache: served without queries, emptied by publishing, never
holding what one visitor may see and another may not."""

import pytest
from django.test import Client

from tests.staffroom.test_courses import module_page

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_second_anonymous_visit_is_served_from_the_cache_without_queries(client, site_tree,
                                                                         django_assert_num_queries):
    page = module_page()
    first = client.get(page.url)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = Client().get(page.url)
    assert second["X-Page-Cache"] == "hit"
    assert second["X-Frame-Options"] == "DENY" and "frame-ancestors" in second["Content-Security-Policy"]
    assert second.content.decode().count("Sjekk forståelsen") == first.content.decode().count("Sjekk forståelsen") > 0


def test_publishing_a_change_reaches_the_next_anonymous_visitor(client, site_tree):
    page = module_page()
    client.get(page.url)
    page.title = "Brøk på tallinja, ny utgave"
    page.save_revision().publish()
    response = Client().get(page.url)
    assert "Brøk på tallinja, ny utgave" in response.content.decode()
    assert response["X-Page-Cache"] == "miss"


def test_a_page_made_private_is_not_served_from_the_cache(client, site_tree):
    from wagtail.models import PageViewRestriction

    page = module_page()
    assert "Sjekk forståelsen" in client.get(page.url).content.decode()
    PageViewRestriction.objects.create(page=page, restriction_type="password", password="hemmelig")
    assert "Sjekk forståelsen" not in Client().get(page.url).content.decode()


def test_signed_in_teachers_get_their_own_page_and_it_is_never_shared(client, site_tree, make_user):
    page = module_page()
    teacher = Client()
    teacher.force_login(make_user("lise"))
    own = teacher.get(page.url)
    assert "X-Page-Cache" not in own and "Du har åpnet" in own.content.decode()
    anonymous = client.get(page.url).content.decode()
    assert "Du har åpnet" not in anonymous and "Logg ut" not in anonymous


def test_a_cached_page_carries_the_visitors_own_csrf_token(site_tree):
    page = module_page()
    Client().get(page.url)
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(page.url)
    assert response["X-Page-Cache"] == "hit"
    import re

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": page.url, "csrfmiddlewaretoken": token})
    assert switched.status_code == 302
    assert visitor.get(page.url).content.decode().count('lang="en"') == 1
