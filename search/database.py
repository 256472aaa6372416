"""The database fallback: what Elasticsearch would let the viewer see, in the same
result shape (total, facets, results with snippets), answered by the database.

On PostgreSQL the words are matched with its Norwegian full-text search: stemmed
(«brøkene» finds «brøk»), as prefixes («brøk» finds «Brøkstafett»), ranked with the
title above the summary above the text, and highlighted. On SQLite (the embedded
default) a result must contain every word in its title or summary. Typos and words
typed without æ, ø and å are only forgiven by Elasticsearch.
"""

from __future__ import annotations

import math
import re

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorCombinable,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Exists, F, Func, OuterRef, Q, Subquery, Value
from django.utils.html import escape

from .indexing import grades, idea_tags_and_aims, page_urls, search_document
from .queries import FACETS, FILTERS, PAGE_SIZE, safe_highlight

CONFIG = "norwegian"
# Matches per type that are ranked, counted and faceted. A fallback serves an outage,
# not a catalogue: beyond this many, totals stop growing.
LIMIT = 500
WORD = re.compile(r"\w+")


class StoredTextVector(SearchVectorCombinable, Func):
    """The words in a JSON column's string values (a StreamField's stored data):
    PostgreSQL's to_tsvector over jsonb reads values, not keys."""

    function = "to_tsvector"
    output_field = SearchVectorField()

    def __init__(self, column: str, weight: str):
        super().__init__(Value(CONFIG), F(column))
        self.weight = weight

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return f"setweight(coalesce({sql}, ''::tsvector), %s)", [*params, self.weight]


def postgres() -> bool:
    return connection.vendor == "postgresql"


def search(q: str, filters: dict, user, page: int, sort: str, visible_groups: list[int]) -> dict:
    words = WORD.findall(q.lower())[:8]
    # Any of the words, stemmed, as prefixes: «brøkene på tallinja» → brøk:* | tallinj:*
    # (as in Elasticsearch, a result with more of them ranks higher). Stop words such as
    # «og» and «på» drop out; a query of only those matches nothing.
    query = (SearchQuery(" | ".join(f"'{w}':*" for w in words), search_type="raw", config=CONFIG)
             if postgres() and words else None)
    candidates = [*_ideas(words, query), *_courses(words, query), *_modules(words, query),
                  *_threads(words, query, visible_groups)]
    # As in Elasticsearch: the facets count every match, the total and the hits only
    # those within the chosen filters.
    facets = {name: _counts(candidates, field) for name, field in FACETS.items()}
    chosen = [c for c in candidates if all(_within(c, FILTERS[k], v) for k, v in filters.items()
                                           if k in FILTERS and v)]
    if sort == "newest":
        chosen.sort(key=_published, reverse=True)
    elif sort == "tried":
        chosen.sort(key=lambda c: (c["tried_count"], c["rank"]), reverse=True)
    else:
        chosen.sort(key=lambda c: (c["rank"], _published(c)), reverse=True)
    start = (page - 1) * PAGE_SIZE
    shown = chosen[start:start + PAGE_SIZE]
    snippets = _headlines(shown, query) if query is not None else {}
    results = [{"type": c["type"], "id": c["id"], "title": c["title"], "url": c["url"],
                "snippet": snippets.get((c["type"], c["id"])) or escape(c["summary"][:200]),
                "external_id": c["external_id"]} for c in shown]
    return {"total": len(chosen), "backend": "database", "facets": facets, "results": results, "page": page,
            "pages": max(1, math.ceil(len(chosen) / PAGE_SIZE))}


def _published(candidate: dict) -> float:
    return candidate["published_at"].timestamp() if candidate["published_at"] else 0


def _matched(qs, words: list[str], query, vector, plain_fields: list[str], also=None, newest="-first_published_at"):
    """The queryset narrowed to the words (on PostgreSQL: its vector matching the
    query, or `also`), with a rank, best first."""
    if query is not None:
        found = Q(document=query)
        if also is not None:
            found |= also
        return qs.annotate(document=vector, rank=SearchRank(vector, query)).filter(found).order_by(
            "-rank", newest)[:LIMIT]
    cond = Q()
    for word in words:
        cond &= Q(*[Q(**{f"{f}__icontains": word}) for f in plain_fields], _connector=Q.OR)
    return qs.filter(cond).annotate(rank=Value(1.0)).order_by(newest)[:LIMIT]


def _candidate(doc_type, pk, title, url, text, published_at, rank, **fields) -> dict:
    """A match with the fields of its search document (their defaults included)."""
    return {**search_document(doc_type, title, text or "", "", url, published_at, **fields), "id": pk,
            "rank": float(rank)}


def _vector(*fields: tuple[str, str]):
    vector = None
    for field, weight in fields:
        part = SearchVector(field, weight=weight, config=CONFIG)
        vector = part if vector is None else vector + part
    return vector


def _ideas(words, query) -> list[dict]:
    from ideabank.models import IdeaPage

    vector = _vector(("title", "A"), ("summary", "B"), ("tag_names", "B")) + StoredTextVector("body", "C")
    rows = _matched(IdeaPage.objects.live().public().annotate(tag_names=_tag_names()), words, query, vector,
                    ["title", "summary"])
    rows = list(rows.values("pk", "title", "summary", "url_path", "first_published_at", "subject", "grade_bands",
                            "language", "external_id", "tried_count", "rank"))
    tags, aims = idea_tags_and_aims([r["pk"] for r in rows])
    urls = page_urls({r["pk"]: r["url_path"] for r in rows})
    return [_candidate("idea", r["pk"], r["title"], urls[r["pk"]], r["summary"], r["first_published_at"],
                       r["rank"], subject=r["subject"], grade_bands=r["grade_bands"], tags=tags.get(r["pk"], []),
                       competence_aims=aims.get(r["pk"], []),
                       language=r["language"], external_id=r["external_id"] or None, tried_count=r["tried_count"])
            for r in rows]


def _tag_names():
    """An idea's tags as one text, so that they are matched stemmed like its words."""
    from django.contrib.postgres.aggregates import StringAgg

    from ideabank.models import IdeaPageTag

    if not postgres():
        return Value("")
    return Subquery(IdeaPageTag.objects.filter(content_object_id=OuterRef("pk")).values("content_object_id")
                    .annotate(names=StringAgg("tag__name", " ")).values("names"))


def _courses(words, query) -> list[dict]:
    from staffroom.models import CoursePage

    vector = _vector(("title", "A"), ("search_description", "B"), ("introduction", "C"), ("goals", "C"))
    rows = list(_matched(CoursePage.objects.live().public(), words, query, vector,
                         ["title", "search_description"]).values(
        "pk", "title", "search_description", "url_path", "first_published_at", "subject", "grade_bands", "rank"))
    urls = page_urls({r["pk"]: r["url_path"] for r in rows})
    return [_candidate("course", r["pk"], r["title"], urls[r["pk"]], r["search_description"],
                       r["first_published_at"], r["rank"], subject=r["subject"],
                       grade_bands=grades(r["grade_bands"])) for r in rows]


def _modules(words, query) -> list[dict]:
    from staffroom.models import CoursePage, ModulePage

    vector = _vector(("title", "A"), ("lead", "B")) + StoredTextVector("body", "C")
    rows = list(_matched(ModulePage.objects.live().public(), words, query, vector, ["title", "lead"]).values(
        "pk", "title", "lead", "url_path", "path", "first_published_at", "rank"))
    # A module's subject and grades are its course's (its parent page).
    parents = {r["pk"]: r["path"][:-ModulePage.steplen] for r in rows}
    courses = {c["path"]: c for c in CoursePage.objects.filter(path__in=set(parents.values())).values(
        "path", "subject", "grade_bands")}
    urls = page_urls({r["pk"]: r["url_path"] for r in rows})
    return [_candidate("module", r["pk"], r["title"], urls[r["pk"]], r["lead"], r["first_published_at"],
                       r["rank"], subject=courses[parents[r["pk"]]]["subject"],
                       grade_bands=grades(courses[parents[r["pk"]]]["grade_bands"]))
            for r in rows if parents[r["pk"]] in courses]


def _threads(words, query, visible_groups: list[int]) -> list[dict]:
    from forums.models import Post, Thread

    threads = Thread.objects.filter(is_hidden=False).filter(
        Q(category__group__isnull=True) | Q(category__group_id__in=visible_groups))
    # A thread is found by its title or by what its visible posts say.
    posts = Post.objects.filter(thread=OuterRef("pk"), deleted_at__isnull=True, is_hidden=False, is_held=False)
    if query is not None:
        posts = posts.annotate(document=SearchVector("body", config=CONFIG)).filter(document=query)
    rows = _matched(threads.annotate(in_posts=Exists(posts)), words, query,
                    SearchVector("title", weight="A", config=CONFIG), ["title"], also=Q(in_posts=True),
                    newest="-created_at")
    return [_candidate("thread", t.pk, t.title, t.get_absolute_url(), "", t.created_at,
                       max(t.rank, 0.01)) for t in rows]


def _headlines(shown: list[dict], query) -> dict[tuple[str, int], str]:
    """Highlighted snippets for the page's results, escaped before the marks are
    added."""
    from forums.models import Post
    from ideabank.models import IdeaPage
    from staffroom.models import CoursePage, ModulePage

    snippets = {}
    for doc_type, model, field in (("idea", IdeaPage, "summary"), ("course", CoursePage, "search_description"),
                                   ("module", ModulePage, "lead")):
        ids = [c["id"] for c in shown if c["type"] == doc_type]
        if not ids:
            continue
        for pk, fragment in model.objects.filter(pk__in=ids).annotate(
                fragment=SearchHeadline(field, query, config=CONFIG, start_sel="[[[", stop_sel="]]]",
                                        max_words=35, min_words=15)).values_list("pk", "fragment"):
            if fragment and "[[[" in fragment:
                snippets[(doc_type, pk)] = safe_highlight(fragment)
    # A thread's snippet is its first visible post that matches.
    threads = [c["id"] for c in shown if c["type"] == "thread"]
    posts = Post.objects.filter(thread_id__in=threads, deleted_at__isnull=True, is_hidden=False, is_held=False)
    for thread_id, fragment in posts.annotate(document=SearchVector("body", config=CONFIG)).filter(
            document=query).annotate(fragment=SearchHeadline("body", query, config=CONFIG, start_sel="[[[",
                                                             stop_sel="]]]", max_words=35, min_words=15)
                                     ).order_by("created_at").values_list("thread_id", "fragment"):
        if "[[[" in fragment:
            snippets.setdefault(("thread", thread_id), safe_highlight(fragment))
    return snippets


def _within(candidate: dict, field: str, value: str) -> bool:
    have = candidate[field]
    return value in have if isinstance(have, list) else have == value


def _counts(candidates: list[dict], field: str) -> list[dict]:
    counts: dict[str, int] = {}
    for c in candidates:
        values = c[field] if isinstance(c[field], list) else [c[field]]
        for v in values:
            if v:
                counts[v] = counts.get(v, 0) + 1
    return [{"value": v, "count": n} for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]]
