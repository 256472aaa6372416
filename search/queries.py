"""One search service: Elasticsearch when configured and answering, otherwise the
database, with the same result shape. Only what the viewer may see is returned."""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext_lazy

log = logging.getLogger("staffroom.search")
PAGE_SIZE = 10
FILTERS = {"type": "type", "subject": "subject", "grade": "grade_bands", "tag": "tags", "language": "language",
           "aim": "competence_aims"}
# Facet counts for every filter but the competence aim (too many values to list).
FACETS = {name: field for name, field in FILTERS.items() if name != "aim"}
TYPE_LABELS = {
    "idea": gettext_lazy("Idé"),
    "course": gettext_lazy("Kurs"),
    "module": gettext_lazy("Modul"),
    "thread": gettext_lazy("Forumtråd"),
}


def visible_groups(user) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(user.memberships.values_list("group_id", flat=True))


def search(q: str, filters: dict, user, page: int = 1, sort: str = "relevance") -> dict:
    q = (q or "").strip()[:200]
    page = max(1, min(page, 100))
    if settings.ELASTICSEARCH_URL:
        try:
            return _es_search(q, filters, user, page, sort)
        except Exception as exc:  # noqa: BLE001 - fall back, never fail the page
            log.warning("Elasticsearch unavailable, answering from the database: %s", exc)
    from . import database

    return database.search(q, filters, user, page, sort, visible_groups(user))


def safe_highlight(fragment: str) -> str:
    # Escape everything, then turn only our own markers into <mark>.
    return escape(fragment).replace("[[[", "<mark>").replace("]]]", "</mark>")


def _visibility(user) -> dict:
    return {"bool": {"should": [{"bool": {"must_not": {"exists": {"field": "group_id"}}}},
                                {"terms": {"group_id": visible_groups(user)}}]}}


def es_searches(q: str, filters: dict, user, page: int = 1, sort: str = "relevance") -> list[dict]:
    """The two request bodies the service sends in one msearch, hits and counts
    (bench/search sends them raw)."""
    must = []
    if q:
        must.append({"bool": {"should": [
            # The body is searched once, in its folded form (a word typed with or without
            # æ, ø and å, with typos forgiven): its words are most of an index's terms, and
            # a second body field cost a tenth of the query (bench/search). Titles and
            # summaries are short: they are matched as written, typos forgiven, and folded.
            # dis_max: the best field counts, as in one best_fields query over them all.
            {"dis_max": {"queries": [
                {"multi_match": {"query": q, "type": "best_fields", "fuzziness": "AUTO", "prefix_length": 1,
                                 "max_expansions": 10,
                                 "fields": ["title^4", "summary^2", "tags^2", "body.folded"]}},
                {"multi_match": {"query": q, "type": "best_fields", "fields": ["title.folded^3", "summary.folded"]}},
            ]}},
            # Norwegian compounds: "brøk" should find "Brøkstafett" through the title's prefixes.
            {"match": {"title.suggest": {"query": q, "operator": "and", "boost": 0.5}}},
            {"multi_match": {"query": q, "type": "phrase", "fields": ["title.exact^8", "body.exact^2"]}},
        ]}})
    else:
        must.append({"match_all": {}})
    post_filters = [{"term": {FILTERS[k]: v}} for k, v in filters.items() if k in FILTERS and v]
    # The page of hits: scored and highlighted, without a total or facets, which made
    # Elasticsearch collect every match (p95 51.5 -> 35.2 ms for both searches together
    # at 100,000 documents, bench/search's queries on the raw client).
    hits = {
        "query": {"function_score": {
            "query": {"bool": {"must": must, "filter": [_visibility(user), *post_filters]}},
            "field_value_factor": {"field": "tried_count", "modifier": "log1p", "missing": 0, "factor": 0.5},
            "boost_mode": "sum",
        }},
        "track_total_hits": False,
        "highlight": {"pre_tags": ["[[["], "post_tags": ["]]]"], "encoder": "default",
                      "fields": {"summary": {}, "body": {"fragment_size": 160, "number_of_fragments": 1}}},
        "from": (page - 1) * PAGE_SIZE, "size": PAGE_SIZE,
    }
    if q:
        # Highlight the words as typed: re-running the fuzzy expansion for highlighting
        # made a query ~5x slower (bench/search).
        hits["highlight"]["highlight_query"] = {"multi_match": {"query": q, "fields": ["summary", "body"]}}
    if sort == "newest":
        hits["sort"] = [{"published_at": {"order": "desc", "missing": "_last"}}]
    elif sort == "tried":
        hits["sort"] = [{"tried_count": {"order": "desc"}}, "_score"]
    # The counts: the same matches unscored; the total within the chosen filters, each
    # facet's counts across them (a post filter narrows the total, not the facets).
    counts = {
        "query": {"bool": {"filter": [*must, _visibility(user)]}},
        "post_filter": {"bool": {"filter": post_filters}},
        "aggs": {name: {"terms": {"field": field, "size": 20}} for name, field in FACETS.items()},
        "track_total_hits": True, "size": 0,
    }
    return [hits, counts]


def _es_search(q, filters, user, page, sort):
    from .client import get_client
    from .lifecycle import alias

    client = get_client()
    hits_body, counts_body = es_searches(q, filters, user, page, sort)
    found, counted = client.options(request_timeout=settings.SEARCH_TIMEOUT).msearch(
        index=alias(), searches=[{}, hits_body, {}, counts_body])["responses"]
    for part in (found, counted):
        if "error" in part:
            raise RuntimeError(f"search failed: {part['error']}")
    results = []
    for hit in found["hits"]["hits"]:
        src = hit["_source"]
        hl = hit.get("highlight", {})
        fragment = (hl.get("summary") or hl.get("body") or [None])[0]
        snippet = safe_highlight(fragment) if fragment else escape((src.get("summary") or src.get("body") or "")[:200])
        doc_type, _sep, pk = hit["_id"].partition("-")
        results.append({"type": doc_type, "id": int(pk), "title": src["title"], "url": src["url"],
                        "snippet": snippet, "external_id": src.get("external_id")})
    facets = {name: [{"value": b["key"], "count": b["doc_count"]} for b in agg["buckets"]]
              for name, agg in counted.get("aggregations", {}).items()}
    total = counted["hits"]["total"]["value"]
    return {"total": total, "backend": "elasticsearch", "facets": facets, "results": results, "page": page,
            "pages": max(1, math.ceil(total / PAGE_SIZE))}


def suggest(prefix: str, user, limit: int = 8) -> dict:
    """Titles that start with what the teacher has typed so far (autocomplete)."""
    prefix = (prefix or "").strip()[:100]
    limit = max(1, min(limit, 20))
    if len(prefix) < 2:
        return {"backend": "none", "suggestions": []}
    if settings.ELASTICSEARCH_URL:
        try:
            return _es_suggest(prefix, user, limit)
        except Exception as exc:  # noqa: BLE001 - fall back, never fail the page
            log.warning("Elasticsearch unavailable for suggestions: %s", exc)
    return _db_suggest(prefix, user, limit)


def _es_suggest(prefix, user, limit):
    from .client import get_client
    from .lifecycle import alias

    body = {
        "query": {"bool": {"must": {"match": {"title.suggest": {"query": prefix, "operator": "and"}}},
                           "filter": [_visibility(user)]}},
        "_source": ["title", "url", "type"], "size": limit,
    }
    res = get_client().options(request_timeout=settings.SEARCH_TIMEOUT).search(index=alias(), body=body)
    out = []
    for hit in res["hits"]["hits"]:
        doc_type, _sep, pk = hit["_id"].partition("-")
        out.append({"type": doc_type, "id": int(pk), "title": hit["_source"]["title"],
                    "url": hit["_source"]["url"]})
    return {"backend": "elasticsearch", "suggestions": out}


def _db_suggest(prefix, user, limit):
    from ideabank.models import IdeaPage
    from staffroom.models import CoursePage, ModulePage

    out = []
    for kind, model in (("idea", IdeaPage), ("course", CoursePage), ("module", ModulePage)):
        for p in model.objects.live().public().filter(title__icontains=prefix).order_by("title")[:limit]:
            out.append({"type": kind, "id": p.pk, "title": p.title, "url": p.url})
    out.sort(key=lambda s: (not s["title"].lower().startswith(prefix.lower()), s["title"]))
    return {"backend": "database", "suggestions": out[:limit]}


def more_like_this(idea, user, limit: int = 4) -> list[dict]:
    """Published ideas like this one (its words and tags), for the idea page."""
    if settings.ELASTICSEARCH_URL:
        try:
            return _es_more_like_this(idea, user, limit)
        except Exception as exc:  # noqa: BLE001
            log.warning("Elasticsearch unavailable for similar ideas: %s", exc)
    return _db_more_like_this(idea, limit)


def _es_more_like_this(idea, user, limit):
    from .client import get_client
    from .lifecycle import alias

    body = {
        "query": {"bool": {
            "must": {"more_like_this": {"fields": ["title", "summary", "body", "tags"],
                                        "like": [{"_index": alias(), "_id": f"idea-{idea.pk}"}],
                                        "min_term_freq": 1, "min_doc_freq": 1, "max_query_terms": 25}},
            "filter": [{"term": {"type": "idea"}}, _visibility(user)],
        }},
        "_source": ["title", "url"], "size": limit,
    }
    res = get_client().options(request_timeout=settings.SEARCH_TIMEOUT).search(index=alias(), body=body)
    return [{"id": int(h["_id"].partition("-")[2]), "title": h["_source"]["title"], "url": h["_source"]["url"]}
            for h in res["hits"]["hits"]]


def _db_more_like_this(idea, limit):
    from django.db.models import Count

    from ideabank.models import IdeaPage

    tag_ids = list(idea.tags.values_list("id", flat=True))
    similar = (IdeaPage.objects.live().public().exclude(pk=idea.pk)
               .filter(tagged_items__tag_id__in=tag_ids).annotate(shared=Count("tagged_items"))
               .order_by("-shared", "-first_published_at")[:limit]) if tag_ids else []
    return [{"id": p.pk, "title": p.title, "url": p.url} for p in similar]
