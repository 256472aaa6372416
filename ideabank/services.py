"""Writes for the idea bank: submissions, moderation outcomes, reports, adaptations,
collections and imports. Each runs in one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import GRADE_BANDS

from .models import LANGUAGES, LICENCES, CompetenceAim, IdeaBankIndexPage, IdeaPage, normalise_tag


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
