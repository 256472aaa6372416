"""Editors' services for the course material: the "Kursmoderering" workflow and
copying a course for another subject."""

from __future__ import annotations

from django.db import transaction

REVIEWERS_GROUP = "Kursansvarlige"


def course_workflow():
    """The "Kursmoderering" workflow (an editor submits, a course reviewer approves),
    assigned to every course index so it covers its courses and modules.
    Writes: the workflow, its task, the reviewers' group, the assignments."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import (
        GroupApprovalTask,
        GroupPagePermission,
        Workflow,
        WorkflowPage,
        WorkflowTask,
    )

    from staffroom.models import CourseIndexPage

    with transaction.atomic():
        workflow, _ = Workflow.objects.get_or_create(name="Kursmoderering")
        reviewers, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
        reviewers.permissions.add(Permission.objects.get(codename="access_admin"))
        if not workflow.workflow_tasks.exists():
            task, _ = GroupApprovalTask.objects.get_or_create(name="Kursansvarlig godkjenner")
            task.groups.add(reviewers)
            WorkflowTask.objects.create(workflow=workflow, task=task.task_ptr, sort_order=0)
        for index in CourseIndexPage.objects.all():
            WorkflowPage.objects.get_or_create(page=index, defaults={"workflow": workflow})
            # Approving publishes, so reviewers may change and publish the courses.
            for codename in ("change_page", "publish_page"):
                GroupPagePermission.objects.get_or_create(
                    group=reviewers, page=index,
                    permission=Permission.objects.get(codename=codename, content_type__app_label="wagtailcore"),
                )
    return workflow


@transaction.atomic
def copy_course(course, *, title: str, slug: str, subject: str, user=None):
    """A draft copy of `course` and its modules for another subject: the same
    structure, the same (reused) video, quiz and literature snippets, nothing live
    until it has gone through "Kursmoderering". Writes the pages and a revision each."""
    copy = course.copy(
        recursive=True, keep_live=False, user=user, log_action="wagtail.copy",
        update_attrs={"title": title, "slug": slug, "subject": subject},
    )
    copy.literature_refs.set(course.literature_refs.all())
    return copy.specific
