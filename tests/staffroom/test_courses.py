import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def module_page():
    from staffroom.models import ModulePage

    return ModulePage.objects.get(slug="hva-er-en-brok")


def test_course_tree_renders_for_anonymous_visitors(client, site_tree):
    html = client.get("/kurs/fra-heltall-til-brok/").content.decode()
    assert "ingen studiepoeng" in html and "Hva er en brøk?" in html
    page = client.get(module_page().url).content.decode()
    for part in ("Introduksjon", "Veiledning", "Fra klasserommet", "Studieoppgave", "Oppsummering", "Quiz:"):
        assert part in page


def test_correct_answers_never_appear_in_the_module_html(client, site_tree):
    from staffroom.models import QuizQuestion

    html = client.get(module_page().url).content.decode()
    assert "data-correct" not in html and "* 1/2" not in html
    for q in QuizQuestion.objects.all():
        for c in q.parsed_choices():
            if c["correct"]:
                assert '"correct": true' not in html
        if q.kind in ("rational", "numeric", "text") and q.answer:
            for variant in q.answer.split(";"):
                assert f'value="{variant.strip()}"' not in html
        assert (q.feedback_correct or "§§") not in html


def test_module_page_query_count_does_not_grow_with_blocks(client, site_tree):
    page = module_page()
    url = page.url
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    body = list(page.body.raw_data)
    page.body = body + body + body  # three times the blocks, same snippets and quiz
    page.save_revision().publish()
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)


def test_quiz_endpoint_grades_on_the_server_and_stores_attempts_for_teachers(client, site_tree, make_user):
    from staffroom.models import Quiz, QuizAttempt

    quiz = Quiz.objects.get(title__startswith="Sjekk forståelsen")
    questions = {q.kind: q for q in quiz.questions.all()}
    rational = questions["rational"]
    url = f"/api/quiz/{rational.pk}/check/"
    assert client.post(url, json.dumps({"answer": "0,75"}), content_type="application/json").json()["correct"]
    bad = client.post(url, json.dumps({"answer": "1//2"}), content_type="application/json")
    assert bad.status_code == 400 and "forstod ikke" in bad.json()["error"]
    huge = client.post(url, json.dumps({"answer": "9" * 100_000}), content_type="application/json")
    assert huge.status_code == 400
    assert client.post("/api/quiz/999999/check/", "{}", content_type="application/json").status_code == 404
    teacher = make_user("lærer")
    client.force_login(teacher)
    answers = {str(questions["single"].pk): 0, str(rational.pk): "6/8", str(questions["numeric"].pk): "0,33",
               str(questions["text"].pk): "nevner"}
    first = client.post(f"/api/quiz/{quiz.pk}/submit/", json.dumps({"answers": answers}),
                        content_type="application/json").json()
    assert first["score"] == 3 and first["passed"] is not None
    answers[str(questions["single"].pk)] = 1
    second = client.post(f"/api/quiz/{quiz.pk}/submit/", json.dumps({"answers": answers}),
                         content_type="application/json").json()
    assert second["score"] == 4 and second["passed"]
    assert QuizAttempt.objects.filter(user=teacher).count() == 2
    quiz.is_published = False
    quiz.save()
    assert client.post(f"/api/quiz/{quiz.pk}/submit/", json.dumps({"answers": answers}),
                       content_type="application/json").status_code == 404


def test_anonymous_progress_is_kept_in_the_session_and_merged_at_sign_in(client, site_tree, make_user):
    from django.contrib.auth.signals import user_logged_in  # noqa: F401

    from staffroom.models import ModuleVisit

    page = module_page()
    client.post("/api/progress/open/", json.dumps({"module": page.pk, "parts": ["intro_video", "summary"]}),
                content_type="application/json")
    teacher = make_user("ny", password="sterkt-passord-123")
    response = client.post("/accounts/login/", {"login": "ny", "password": "sterkt-passord-123"})
    assert response.status_code == 302
    visit = ModuleVisit.objects.get(user=teacher, module=page)
    assert visit.parts == ["intro_video", "summary"]
    assert "Fortsett der du slapp" in client.get("/").content.decode()


def test_drafts_and_private_pages_are_invisible_to_anonymous_visitors(client, site_tree):
    from wagtail.models import PageViewRestriction

    from staffroom.models import CoursePage, ModulePage

    course = CoursePage.objects.get()
    draft = ModulePage(title="Utkast", slug="utkast", live=False, body=[])
    course.add_child(instance=draft)
    draft.save_revision()
    assert client.get("/kurs/fra-heltall-til-brok/utkast/").status_code == 404
    page = module_page()
    PageViewRestriction.objects.create(page=page, restriction_type="password", password="hemmelig")
    assert "Hva er en brøk?" not in client.get("/kurs/fra-heltall-til-brok/").content.decode()
    assert client.get(page.url).status_code == 200  # the password form, not the content
    assert "Sjekk forståelsen" not in client.get(page.url).content.decode()


def test_a_module_with_an_uncaptioned_video_cannot_be_published(rf, site_tree):
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage

    from staffroom.models import Video
    from staffroom.wagtail_hooks import refuse_uncaptioned_video

    page = module_page()
    request = rf.post(f"/admin/pages/{page.pk}/edit/")
    request.session = {}
    request._messages = FallbackStorage(request)
    assert refuse_uncaptioned_video(request, page) is None  # captioned: publishing goes ahead
    video = Video.objects.get(title="Intro: Hva er en brøk?")
    video.captions = ""
    video.save()
    response = refuse_uncaptioned_video(request, module_page())
    assert response.status_code == 302 and response.url.endswith(f"/pages/{page.pk}/edit/")
    text = " ".join(str(m) for m in get_messages(request))
    assert "mangler teksting" in text and "Universell utforming" in text
