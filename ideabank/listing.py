"""Idea listing: filters by subject, grade band, tag, competence aim and language."""

from django.core.paginator import Paginator
from django.db.models import Count

from community.models import GRADE_BANDS
from staffroom.models import SUBJECTS

from .models import LANGUAGES, CompetenceAim, IdeaPage, IdeaPageTag, normalise_tag

SORTS = {"newest": "-first_published_at", "tried": "-tried_count"}


def public_ideas():
    return IdeaPage.objects.live().public()


def filtered_ideas(params, tag: str | None = None):
    qs = public_ideas()
    chosen = {}
    subject = params.get("subject", "")
    if subject in dict(SUBJECTS):
        qs = qs.filter(subject=subject)
        chosen["subject"] = subject
    grade = params.get("grade", "")
    if grade in dict(GRADE_BANDS):
        qs = qs.filter(grade_bands__contains=grade) if _json_contains_supported() else qs.filter(
            grade_bands__icontains=f'"{grade}"')
        chosen["grade"] = grade
    tag = tag or normalise_tag(params.get("tag", ""))
    if tag:
        qs = qs.filter(tagged_items__tag__name=tag)
        chosen["tag"] = tag
    aim = params.get("aim", "")
    if aim:
        qs = qs.filter(competence_aims__code=aim)
        chosen["aim"] = aim
    language = params.get("language", "")
    if language in dict(LANGUAGES):
        qs = qs.filter(language=language)
        chosen["language"] = language
    sort = params.get("sort", "newest")
    qs = qs.order_by(SORTS.get(sort, SORTS["newest"]), "-pk").distinct()
    chosen["sort"] = sort if sort in SORTS else "newest"
    return qs, chosen


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def tag_url(index_page, name: str) -> str:
    """The tag page of one tag, `/idebank/emne/<tag>/`."""
    from urllib.parse import quote

    return f"{index_page.url}emne/{quote(name, safe='')}/"


def listing_context(request, index_page=None, tag: str | None = None) -> dict:
    """The listing's ideas and filters; `tag` makes it that tag's page."""
    qs, chosen = filtered_ideas(request.GET, tag=tag)
    page = Paginator(qs.prefetch_related("tagged_items__tag"), 24).get_page(request.GET.get("page"))
    popular_tags = (IdeaPageTag.objects.filter(content_object__live=True)
                    .values("tag__name").annotate(n=Count("id")).order_by("-n", "tag__name")[:30])
    return {
        "ideas": page, "chosen": chosen, "subjects": SUBJECTS, "grades": GRADE_BANDS, "languages": LANGUAGES,
        "aims": CompetenceAim.objects.all(), "popular_tags": popular_tags, "tag_page": tag,
    }
