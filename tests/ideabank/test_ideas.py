import json
import uuid

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def form_data(**extra):
    data = {"token": uuid.uuid4().hex, "title": "Brøkbingo", "summary": "Bingo med brøker og desimaltall.",
            "steps": "Lag brett\nHver elev får et brett med brøker.\n\nSpill\nLæreren roper desimaltall.",
            "materials": "Bingobrett\nBlyanter", "subject": "matematikk", "grade_bands": ["5-7"],
            "tags": "Brøk,  brøk , BRØK, spill", "language": "nb", "licence": "CC-BY-4.0"}
    data.update(extra)
    return data


def test_submit_creates_one_draft_in_review_and_tags_fold_case(client, site_tree, make_user):
    from ideabank.models import IdeaPage

    teacher = make_user("lærer")
    client.force_login(teacher)
    data = form_data()
    assert client.post("/idebank/del/", data).status_code == 302
    assert client.post("/idebank/del/", data).status_code == 302  # double submit, same token
    ideas = IdeaPage.objects.filter(title="Brøkbingo")
    assert ideas.count() == 1
    idea = ideas.get()
    assert not idea.live
    assert sorted(t.name for t in idea.get_latest_revision_as_object().tags.all()) == ["brøk", "spill"]
    assert "Til vurdering" in client.get("/idebank/mine/").content.decode()
    # nobody else sees the draft
    client.logout()
    assert client.get(idea.url or "/idebank/brøkbingo/").status_code == 404
    assert "Brøkbingo" not in client.get("/idebank/").content.decode()


def test_request_changes_then_resubmit_then_publish_notifies_the_author(client, site_tree, make_user):
    from django.contrib.auth import get_user_model

    from ideabank.models import IdeaPage

    teacher = make_user("lærer")
    client.force_login(teacher)
    client.post("/idebank/del/", form_data())
    idea = IdeaPage.objects.get(title="Brøkbingo")
    editor = get_user_model().objects.get(username="redaktor")
    state = idea.current_workflow_state
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, editor, "reject", comment="Legg til et eksempel.")
    idea.refresh_from_db()
    page = client.get("/idebank/mine/").content.decode()
    assert "Endringer ønsket" in page and "Legg til et eksempel." in page
    assert teacher.notifications.filter(text__contains="ber om endringer").exists()
    client.post(f"/idebank/mine/{idea.pk}/endre/", form_data(summary="Nå med eksempel."))
    idea.refresh_from_db()
    state = idea.current_workflow_state
    assert state is not None and state.status == state.STATUS_IN_PROGRESS
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, editor, "approve")
    idea.refresh_from_db()
    assert idea.live and idea.summary == "Nå med eksempel."
    assert teacher.notifications.filter(text__contains="er publisert").exists()
    client.logout()
    listing = client.get("/idebank/?tag=Brøk&grade=5-7").content.decode()
    assert "Brøkbingo" in listing


def test_bad_input_is_refused_with_a_message(client, site_tree, make_user):
    client.force_login(make_user("lærer"))
    response = client.post("/idebank/del/", form_data(grade_bands=["11-13"]))
    assert response.status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post("/idebank/del/", {**form_data(), "image": fake, "image_alt": "x"})
    assert response.status_code == 400


def test_i_tried_this_counts_on_the_card(client, site_tree, make_user):
    from ideabank.models import IdeaPage

    idea = IdeaPage.objects.live().first()
    client.force_login(make_user("lærer"))
    response = client.post(f"/idebank/ide/{idea.pk}/provd/", {"grade_band": "5-7", "minutes_used": 45,
                                                             "what_happened": "Elevene elsket det."})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.tried_count == 1
    assert "Elevene elsket det." in client.get(idea.url).content.decode()
    assert "1 lærer har prøvd dette" in client.get("/idebank/").content.decode()


def test_import_ideas_skips_a_bad_line_and_is_idempotent(tmp_path, site_tree):
    from io import StringIO

    from django.core.management import call_command

    from ideabank.models import IdeaPage

    lines = [
        {"id": "ext-1", "title": "Tallinje i skolegården", "summary": "Ute med kritt.", "body": "Tegn.\n\nPlasser.",
         "language": "nb", "subject": "matematikk", "grade_levels": ["5-7"], "tags": ["Tallinje"],
         "source_repo": "eksempel/arkiv", "source_path": "ideer/1.md", "license": "CC-BY-SA-4.0"},
        "{ikke json",
        {"id": "ext-2", "title": "Brøk på nynorsk", "summary": "Ei økt om brøk.", "body": "Del kaka.",
         "language": "nn", "grade_levels": ["1-4"], "tags": [], "license": "CC-BY-4.0"},
    ]
    path = tmp_path / "ideas.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines))
    out, err = StringIO(), StringIO()
    call_command("import_ideas", str(path), stdout=out, stderr=err)
    assert "linje 2" in err.getvalue()
    assert IdeaPage.objects.filter(external_id__in=["ext-1", "ext-2"]).count() == 2
    call_command("import_ideas", str(path), stdout=StringIO(), stderr=StringIO())
    assert IdeaPage.objects.filter(external_id__in=["ext-1", "ext-2"]).count() == 2
    idea = IdeaPage.objects.get(external_id="ext-1")
    assert idea.live and idea.licence == "CC-BY-SA-4.0"
    assert "ext-1" in __import__("django.test", fromlist=["Client"]).Client().get(idea.url).content.decode()


def test_an_adaptation_credits_its_original_inherits_share_alike_and_keeps_its_revision(client, site_tree,
                                                                                       make_user):
    from ideabank import services
    from ideabank.models import IdeaPage

    original = services.publish_idea_directly(
        title="Tallinje på golvet", summary="Elevene plasserer brøker på en tallinje av tape.",
        body=[("step", {"title": "Tape", "text": "Lag en lang tallinje på golvet."})], subject="matematikk",
        grade_bands=["5-7"], tags=["brøk"], aim_codes=[], time_minutes=45, digital_tools="", language="nb",
        licence="CC-BY-SA-4.0", author_name="Kari Nordmann")
    first_revision = IdeaPage.objects.get(pk=original.pk).live_revision_id
    assert first_revision is not None
    client.force_login(make_user("tone"))
    form = client.get(f"/idebank/del/?fra={original.pk}").content.decode()
    assert "Tilpasning: Tallinje på golvet" in form and f'name="parent" value="{original.pk}"' in form
    assert client.post("/idebank/del/", form_data(title="Tallinje i skolegården", parent=original.pk,
                                                  licence="CC-BY-4.0")).status_code == 302
    adaptation = IdeaPage.objects.get(title="Tallinje i skolegården")
    assert adaptation.parent_idea == original and adaptation.parent_revision_id == first_revision
    assert adaptation.get_latest_revision_as_object().licence == "CC-BY-SA-4.0"  # share-alike inherited
    adaptation.get_latest_revision().publish()
    # The original changes later; the adaptation still names what it was made from.
    original.title = "Tallinje på golvet, versjon 2"
    original.save_revision().publish()
    page = client.get(IdeaPage.objects.get(pk=adaptation.pk).url).content.decode()
    assert "Tilpasset fra «Tallinje på golvet» av Kari Nordmann" in page
    assert IdeaPage.objects.get(pk=adaptation.pk).parent_revision_id == first_revision
    assert "Tallinje i skolegården" in client.get(IdeaPage.objects.get(pk=original.pk).url).content.decode()
    draft = IdeaPage.objects.filter(live=False).exclude(pk=adaptation.pk).first()
    if draft is not None:
        assert client.get(f"/idebank/del/?fra={draft.pk}").status_code == 404
    assert client.get("/idebank/del/?fra=999999").status_code == 404


def test_a_shared_collection_is_readable_by_link_and_only_shows_published_ideas(client, site_tree, make_user):
    from ideabank import services
    from ideabank.models import Collection, IdeaPage

    def idea(title):
        return services.publish_idea_directly(title=title, summary="Kort.", body=[], subject="matematikk",
                                              grade_bands=["5-7"], tags=[], aim_codes=[], time_minutes=None,
                                              digital_tools="", language="nb", licence="CC-BY-4.0")

    pizza, bingo = idea("Brøk med pizza"), idea("Brøkbingo")
    tone = make_user("tone")
    client.force_login(tone)
    assert client.post(f"/idebank/ide/{pizza.pk}/lagre/", {"collection": "", "name": "Til 6B"}).status_code == 302
    collection = Collection.objects.get(owner=tone, name="Til 6B")
    client.post(f"/idebank/ide/{bingo.pk}/lagre/", {"collection": str(collection.pk)})
    refused = client.post(f"/idebank/ide/{bingo.pk}/lagre/", {"collection": "", "name": "  "}, follow=True)
    assert "Gi den nye samlingen et navn." in refused.content.decode()
    client.post(f"/idebank/samlinger/{collection.pk}/del/", {"shared": "1"})
    collection.refresh_from_db()
    link = f"/idebank/samling/{collection.share_token}/"
    IdeaPage.objects.get(pk=bingo.pk).unpublish()
    anonymous = Client().get(link)
    assert anonymous.status_code == 200
    assert "Brøk med pizza" in anonymous.content.decode() and "Brøkbingo" not in anonymous.content.decode()
    # Someone else cannot add to it or unshare it.
    other = Client()
    other.force_login(make_user("per"))
    third = idea("Tallinje på golvet")
    other.post(f"/idebank/ide/{third.pk}/lagre/", {"collection": str(collection.pk)})
    assert not collection.ideas.filter(pk=third.pk).exists()
    assert other.post(f"/idebank/samlinger/{collection.pk}/del/", {"shared": "0"}).status_code == 404
    client.post(f"/idebank/samlinger/{collection.pk}/del/", {"shared": "0"})
    assert Client().get(link).status_code == 404
    assert Client().get("/idebank/samling/gjett/").status_code == 404


def test_preview_shows_the_idea_as_readers_will_see_it_and_saves_nothing(client, site_tree, make_user):
    from ideabank.models import IdeaPage, SubmissionToken

    client.force_login(make_user("lærer"))
    before = IdeaPage.objects.count()
    data = form_data(action="preview", summary="Bingo med <script>alert(1)</script> brøker.")
    page = client.post("/idebank/del/", data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Forhåndsvisning" in html and "Ingenting er sendt ennå" in html
    assert "Hver elev får et brett med brøker." in html  # the steps, rendered as on the idea page
    assert 'href="/idebank/emne/br%C3%B8k/"' in html  # tags folded, linking to their tag page
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert IdeaPage.objects.count() == before and not SubmissionToken.objects.exists()

    fragment = client.post("/idebank/del/?fragment=1", data).content.decode()
    assert fragment.lstrip().startswith("{#") is False and "<form" not in fragment and "Brøkbingo" in fragment

    refused = client.post("/idebank/del/?fragment=1", form_data(action="preview", title="", grade_bands=[]))
    assert refused.status_code == 400
    assert "Tittel:" in refused.content.decode() and "Trinn:" in refused.content.decode()

    # Sending after previewing (same token) makes exactly one draft.
    assert client.post("/idebank/del/", dict(data, action="send")).status_code == 302
    assert IdeaPage.objects.count() == before + 1


def test_a_tag_page_lists_the_published_ideas_with_that_tag(client, site_tree, make_user):
    from ideabank import services

    services.publish_idea_directly(author_name="Ola", title="Tallinjehopp", summary="Hopp på tallinja.",
                                   body=[], subject="matematikk", grade_bands=["1-4"], tags=["Hoppetau"],
                                   aim_codes=[], time_minutes=20, digital_tools="", language="nb",
                                   licence="CC-BY-4.0")
    services.publish_idea_directly(author_name="Kari", title="Pizzabrøk", summary="Pizza delt i brøker.",
                                   body=[], subject="matematikk", grade_bands=["5-7"], tags=["brøk"],
                                   aim_codes=[], time_minutes=30, digital_tools="", language="nb",
                                   licence="CC-BY-4.0")
    client.force_login(make_user("lærer"))
    client.post("/idebank/del/", form_data(title="Hemmelig hoppetau-utkast", tags="hoppetau"))
    client.logout()

    page = client.get("/idebank/emne/hoppetau/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Idéer med emneordet «hoppetau»" in html
    assert "Tallinjehopp" in html and "Pizzabrøk" not in html and "Hemmelig" not in html
    assert "Tallinjehopp" in client.get("/idebank/emne/Hoppetau/").content.decode()  # case folds
    listing = client.get("/idebank/").content.decode()
    assert 'href="/idebank/emne/hoppetau/"' in listing  # every card's tags lead to their page
    assert client.get("/idebank/emne/%20/").status_code == 404


def test_a_draft_is_seen_by_nobody_else_through_page_listing_search_or_preview(
        client, site_tree, make_user, settings):
    from django.contrib.auth.models import Group

    from ideabank.models import IdeaPage
    from staffroom.editorial import REVIEWERS_GROUP

    author = make_user("forfatter")
    client.force_login(author)
    client.post("/idebank/del/", form_data(title="Utkast om brøkpizza"))
    idea = IdeaPage.objects.get(title="Utkast om brøkpizza")
    settings.ELASTICSEARCH_URL = ""  # the database backend here; tests/search covers Elasticsearch

    course_editor = make_user("kursansvarlig", is_staff=True)
    course_editor.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    for who in (None, make_user("kollega"), author, course_editor):
        c = Client()
        if who is not None:
            c.force_login(who)
        assert c.get(f"/idebank/{idea.slug}/").status_code == 404
        assert "brøkpizza" not in c.get("/idebank/").content.decode()
        assert "brøkpizza" not in c.get("/idebank/emne/br%C3%B8k/").content.decode()
        found = c.get("/api/search", {"q": "brøkpizza"}).json()
        assert found["total"] == 0, who
        for url in (f"/admin/pages/{idea.pk}/view_draft/", f"/admin/pages/{idea.pk}/edit/preview/"):
            response = c.get(url)
            assert "brøkpizza" not in response.content.decode(), (who, url)
            assert response.status_code in (302, 403), (who, url)
    # The author sees it where it is theirs: "Mine idéer" and the edit form.
    assert "Utkast om brøkpizza" in client.get("/idebank/mine/").content.decode()
    assert "Utkast om brøkpizza" in client.get(f"/idebank/mine/{idea.pk}/endre/").content.decode()
