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
