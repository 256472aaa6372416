"""Writes for the idea bank: submissions, moderation outcomes, reports, adaptations,
collections and imports. Each runs in one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import GRADE_BANDS

from .models import (
    LANGUAGES,
    LICENCES,
    CompetenceAim,
    IdeaBankIndexPage,
    IdeaPage,
    normalise_tag,
)


def clean_tags(tags) -> list[str]:
    out: list[str] = []
    for raw in tags or []:
        name = normalise_tag(str(raw))
        if name and name not in out:
            out.append(name)
    return out[:20]


def clean_grades(grades) -> list[str]:
    valid = dict(GRADE_BANDS)
    bad = [g for g in grades or [] if g not in valid]
    if bad:
        raise ValidationError(_("Ukjent trinn: %(g)s. Velg blant 1-4, 5-7, 8-10 og vgs.") % {"g": ", ".join(bad)})
    return [g for g, _label in GRADE_BANDS if g in grades]


def resolve_aims(codes) -> list[CompetenceAim]:
    codes = [c.strip() for c in codes or [] if c and c.strip()]
    aims = list(CompetenceAim.objects.filter(code__in=codes))
    missing = set(codes) - {a.code for a in aims}
    if missing:
        raise ValidationError(_("Ukjent kompetansemål: %(c)s.") % {"c": ", ".join(sorted(missing))})
    return aims


def _apply_fields(idea: IdeaPage, *, title, summary, body, subject, grade_bands, tags, aim_codes, time_minutes,
                  digital_tools, language, licence, school="") -> None:
    if language not in dict(LANGUAGES):
        raise ValidationError(_("Ukjent språk."))
    if licence not in dict(LICENCES):
        raise ValidationError(_("Ukjent lisens."))
    idea.title = title.strip()
    idea.summary = summary.strip()
    idea.body = body
    idea.subject = subject
    idea.grade_bands = clean_grades(grade_bands)
    idea.time_minutes = time_minutes
    idea.digital_tools = digital_tools.strip()
    idea.language = language
    idea.licence = licence
    idea.school = school.strip()
    idea.tags.set(clean_tags(tags))
    idea.competence_aims = resolve_aims(aim_codes)


def index_page() -> IdeaBankIndexPage:
    index = IdeaBankIndexPage.objects.first()
    if index is None:
        raise ValidationError(_("Idébanken er ikke satt opp ennå."))
    return index


@transaction.atomic
def publish_idea_directly(*, author=None, author_name: str = "", external_id: str = "", source_repo: str = "",
                          source_path: str = "", **fields) -> IdeaPage:
    """Creates and publishes an idea (demo content, editors' imports)."""
    idea = IdeaPage(author=author, author_name=author_name or (author.public_name if author else ""),
                    external_id=external_id, source_repo=source_repo, source_path=source_path)
    _apply_fields(idea, **fields)
    index_page().add_child(instance=idea)
    idea.save_revision(user=author).publish()
    return idea


def idea_workflow():
    """The "Idémoderering" workflow: one editors' approval task."""
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowTask

    workflow, created = Workflow.objects.get_or_create(name="Idémoderering")
    if created or not workflow.workflow_tasks.exists():
        task, _ = GroupApprovalTask.objects.get_or_create(name="Redaksjonen godkjenner")
        editors, _ = Group.objects.get_or_create(name="Editors")
        task.groups.add(editors)
        WorkflowTask.objects.get_or_create(workflow=workflow, task=task.task_ptr, defaults={"sort_order": 0})
    return workflow


def _body_from(steps: str, materials: str, image=None, image_alt: str = "") -> list:
    body = []
    for n, chunk in enumerate([c.strip() for c in steps.replace("\r\n", "\n").split("\n\n") if c.strip()], start=1):
        first, _sep, rest = chunk.partition("\n")
        body.append(("step", {"title": first[:120] if rest else f"Steg {n}", "text": rest or first}))
    items = [m.strip() for m in materials.splitlines() if m.strip()]
    if items:
        body.append(("materials", items))
    if image is not None:
        body.append(("image", {"image": image, "alt": image_alt}))
    return body


@transaction.atomic
def submit_idea(user, data: dict, idea: IdeaPage | None = None) -> IdeaPage:
    """Creates (or updates the author's) draft and submits it to "Idémoderering".
    The same form token twice gives the same draft."""
    from wagtail.images import get_image_model

    from community import permissions

    from .models import SubmissionToken

    permissions.check_signed_in(user)
    token = data["token"]
    seen = SubmissionToken.objects.select_for_update().filter(token=token).first()
    if seen is not None:
        if seen.user_id != user.pk:
            raise ValidationError(_("Skjemaet er allerede brukt."))
        return seen.idea
    image = None
    if data.get("image"):
        Image = get_image_model()
        image = Image(title=data["title"][:255], file=data["image"], uploaded_by_user=user)
        image.save()
    fields = _fields_from(data, image)
    if idea is None:
        idea = IdeaPage(author=user, author_name=user.public_name, live=False)
        _apply_fields(idea, **fields)
        _link_parent(idea, _adaptation_parent(data.get("parent")))
        index_page().add_child(instance=idea)
        IdeaPage.objects.filter(pk=idea.pk).update(live=False, has_unpublished_changes=True)
        idea.live = False
    else:
        if idea.author_id != user.pk:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("Du kan bare endre dine egne idéer."))
        _apply_fields(idea, **fields)
    idea.save_revision(user=user)
    SubmissionToken.objects.create(token=token, user=user, idea=idea)
    state = idea.current_workflow_state
    if state is not None and state.status == state.STATUS_NEEDS_CHANGES:
        state.resume(user)
    elif state is None or not state.is_active:
        idea_workflow().start(idea, user)
    return idea


def preview_idea(user, data: dict) -> IdeaPage:
    """The idea as it will read once published, built from the form; saves nothing
    (an uploaded image is shown by the preview itself, not stored)."""
    idea = IdeaPage(author=user, author_name=user.public_name, live=False)
    _apply_fields(idea, **_fields_from(data, image=None))
    _link_parent(idea, _adaptation_parent(data.get("parent")))
    return idea


def _link_parent(idea: IdeaPage, parent: IdeaPage | None) -> None:
    """An adaptation credits its original as it is now (the revision it came from:
    later edits to the original never change this) and inherits share-alike."""
    if parent is None:
        return
    idea.parent_idea, idea.parent_revision = parent, parent.live_revision
    idea.parent_title, idea.parent_author = parent.title, parent.display_author
    if parent.licence == "CC-BY-SA-4.0":
        idea.licence = "CC-BY-SA-4.0"  # share-alike is inherited, whatever the form said


def _fields_from(data: dict, image) -> dict:
    return dict(title=data["title"], summary=data["summary"],
                body=_body_from(data["steps"], data.get("materials", ""), image, data.get("image_alt", "")),
                subject=data["subject"], grade_bands=data["grade_bands"],
                tags=[t for t in data.get("tags", "").split(",")],
                aim_codes=[a.code for a in data.get("competence_aims", [])],
                time_minutes=data.get("time_minutes"), digital_tools=data.get("digital_tools", ""),
                language=data["language"], licence=data["licence"], school=data.get("school", ""))


def _adaptation_parent(parent_id) -> IdeaPage | None:
    if not parent_id:
        return None
    parent = IdeaPage.objects.live().public().filter(pk=parent_id).first()
    if parent is None:
        raise ValidationError(_("Idéen du vil tilpasse, er ikke publisert."))
    return parent


def steps_text(idea: IdeaPage) -> str:
    """An idea's steps as the form's text (the inverse of `_body_from`)."""
    return "\n\n".join(f"{b.value['title']}\n{b.value['text']}" for b in idea.body if b.block_type == "step")


def form_initial(idea: IdeaPage) -> dict:
    """The submission form filled from an idea (the inverse of `_fields_from`)."""
    return dict(title=idea.title, summary=idea.summary, subject=idea.subject, grade_bands=idea.grade_bands,
                language=idea.language, licence=idea.licence,
                tags=", ".join(t.tag.name for t in idea.tagged_items.all()),
                time_minutes=idea.time_minutes, digital_tools=idea.digital_tools, steps=steps_text(idea),
                materials="\n".join(str(m) for b in idea.body if b.block_type == "materials" for m in b.value))


def adaptation_initial(parent: IdeaPage) -> dict:
    """The submission form prefilled from a published idea ("Tilpass denne idéen");
    the school is the adapter's own, not the original's."""
    return {**form_initial(parent), "parent": parent.pk, "title": f"Tilpasning: {parent.title}"[:200]}


def idea_status(idea: IdeaPage) -> dict:
    """What "Mine idéer" shows: published, in review, or changes requested with the comment."""
    if idea.live and not idea.has_unpublished_changes:
        return {"code": "published", "label": _("Publisert"), "comment": ""}
    state = idea.workflow_states.order_by("-created_at").first()
    if state is None:
        return {"code": "draft", "label": _("Utkast"), "comment": ""}
    if state.status == state.STATUS_NEEDS_CHANGES:
        task_state = state.task_states.order_by("-finished_at").first()
        comment = task_state.get_comment() if task_state else ""
        return {"code": "changes", "label": _("Endringer ønsket"), "comment": comment}
    if state.status == state.STATUS_IN_PROGRESS:
        return {"code": "review", "label": _("Til vurdering"), "comment": ""}
    return {"code": "published" if idea.live else "draft",
            "label": _("Publisert") if idea.live else _("Utkast"), "comment": ""}


@transaction.atomic
def report_tried(user, idea: IdeaPage, *, grade_band: str, minutes_used: int, what_happened: str,
                 would_change: str = ""):
    """«Jeg har prøvd dette»: stores the report and updates the idea's count."""
    from django.db.models import F

    from community import permissions

    from .models import TriedReport

    permissions.check_signed_in(user)
    if not (idea.live and idea.get_view_restrictions().count() == 0):
        raise ValidationError(_("Idéen er ikke publisert."))
    report = TriedReport.objects.create(idea=idea, user=user, grade_band=grade_band, minutes_used=minutes_used,
                                        what_happened=what_happened.strip(), would_change=would_change.strip())
    IdeaPage.objects.filter(pk=idea.pk).update(tried_count=F("tried_count") + 1)
    return report


@transaction.atomic
def save_to_collection(user, idea: IdeaPage, *, collection_id: int | None = None, new_name: str = ""):
    """Saves a published idea into one of the member's collections (or a new one)."""
    from community import permissions

    from .models import Collection

    permissions.check_signed_in(user)
    if not IdeaPage.objects.live().public().filter(pk=idea.pk).exists():
        raise ValidationError(_("Bare publiserte idéer kan lagres i en samling."))
    if collection_id:
        collection = Collection.objects.filter(pk=collection_id, owner=user).first()
        if collection is None:
            raise ValidationError(_("Fant ikke samlingen."))
    else:
        name = " ".join(new_name.split())[:120]
        if not name:
            raise ValidationError(_("Gi den nye samlingen et navn."))
        collection, _created = Collection.objects.get_or_create(owner=user, name=name)
    collection.ideas.add(idea)
    return collection


@transaction.atomic
def set_collection_shared(user, collection, shared: bool):
    """A read-only link for anyone (a new token each time it is shared), or none."""
    import secrets

    from .models import Collection

    if collection.owner_id != user.pk:
        raise ValidationError(_("Fant ikke samlingen."))
    token = secrets.token_urlsafe(24) if shared else ""
    Collection.objects.filter(pk=collection.pk).update(share_token=token)
    collection.share_token = token
    return collection
