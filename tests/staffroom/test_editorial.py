"""Editors' side of the course material: moderation, scheduling, preview, copying."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.staffroom.test_courses import module_page

pytestmark = pytest.mark.django_db


def course():
    from staffroom.models import CoursePage

    return CoursePage.objects.get(slug="fra-heltall-til-brok")


@pytest.fixture
def editor(make_user):
    from django.contrib.auth.models import Group

    user = make_user("eva")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def reviewer(make_user):
    from django.contrib.auth.models import Group

    from staffroom.editorial import REVIEWERS_GROUP

    user = make_user("rune")
    user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    return user


def test_a_module_change_goes_live_only_when_a_course_reviewer_approves(site_tree, editor, reviewer):
    page = module_page()
    workflow = page.get_workflow()
    assert workflow is not None and workflow.name == "Kursmoderering"
    page.title = "Hva er en brøk? (revidert)"
    page.save_revision(user=editor)
    state = workflow.start(page, editor)
    task_state = state.current_task_state
    task = task_state.task.specific
    assert task.get_actions(page, editor) == []  # the editor cannot approve their own submission
    assert "Hva er en brøk? (revidert)" not in Client().get(page.url).content.decode()
    assert "approve" in [name for name, _label, _modal in task.get_actions(page, reviewer)]
    task.on_action(task_state, reviewer, "approve")
    assert "Hva er en brøk? (revidert)" in Client().get(module_page().url).content.decode()


def test_a_scheduled_module_appears_at_its_time_and_not_before(site_tree, editor):
    from staffroom.models import ModulePage

    page = ModulePage(title="Neste modul", slug="neste-modul", live=False, body=[])
    course().add_child(instance=page)
    page.go_live_at = timezone.now() + timedelta(seconds=2)
    page.save_revision(user=editor).publish()
    call_command("publish_scheduled")
    assert Client().get("/kurs/fra-heltall-til-brok/neste-modul/").status_code == 404
    time.sleep(2.2)
    call_command("publish_scheduled")
    assert Client().get("/kurs/fra-heltall-til-brok/neste-modul/").status_code == 200


def test_preview_of_a_draft_is_for_editors_only(site_tree, editor, make_user):
    page = module_page()
    page.title = "Hemmelig utkast"
    page.save_revision(user=editor)
    url = f"/admin/pages/{page.pk}/view_draft/"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    teacher = Client()
    teacher.force_login(make_user("tone"))
    assert "Hemmelig utkast" not in teacher.get(url).content.decode()
    staff = Client()
    staff.force_login(editor)
    assert "Hemmelig utkast" in staff.get(url).content.decode()


def test_copying_a_course_for_another_subject_keeps_structure_and_snippets(site_tree, editor):
    from staffroom.editorial import copy_course

    original = course()
    copy = copy_course(original, title="Fra heltall til brøk i naturfag", slug="brok-naturfag",
                       subject="naturfag", user=editor)
    assert copy.subject == "naturfag" and not copy.live
    old_modules, new_modules = list(original.modules()), [m.specific for m in copy.get_children()]
    assert [m.title for m in new_modules] == [m.title for m in old_modules]
    for old, new in zip(old_modules, new_modules, strict=True):
        assert [b.block_type for b in new.body] == [b.block_type for b in old.body]
        assert [v.pk for v in new.videos()] == [v.pk for v in old.videos()]  # reused, not duplicated
    assert list(copy.literature_refs.all()) == list(original.literature_refs.all())
    assert Client().get("/kurs/brok-naturfag/").status_code == 404  # a draft until it is approved


def test_every_installation_has_the_course_workflow_after_migrate(db):
    from wagtail.models import Workflow

    workflow = Workflow.objects.get(name="Kursmoderering")
    assert workflow.tasks.get().specific.groups.filter(name="Kursansvarlige").exists()
