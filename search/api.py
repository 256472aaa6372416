"""The JSON search API, with its OpenAPI schema at /api/openapi.json (django-ninja,
which Wagtail 8 brings along) and interactive docs at /api/docs."""

from __future__ import annotations

from typing import Literal

from ninja import NinjaAPI, Query, Schema

from . import queries

api = NinjaAPI(title="Staffroom search", version="1", urls_namespace="search-api",
               description="Søk i idébanken, kursene og forumet. Bare det den innloggede (eller anonyme) "
                           "brukeren har lov til å se, kommer med.")


class Facet(Schema):
    value: str
    count: int


class Result(Schema):
    type: Literal["idea", "course", "module", "thread"]
    id: int
    title: str
    url: str
    snippet: str
    external_id: str | None = None


class SearchResponse(Schema):
    total: int
    backend: Literal["elasticsearch", "database"]
    facets: dict[str, list[Facet]]
    results: list[Result]
    page: int
    pages: int


class SearchParams(Schema):
    q: str = ""
    type: str = ""
    subject: str = ""
    grade: str = ""
    tag: str = ""
    language: str = ""
    aim: str = ""
    page: int = 1
    sort: Literal["relevance", "newest", "tried"] = "relevance"


class Suggestion(Schema):
    type: str
    id: int
    title: str
    url: str


class SuggestResponse(Schema):
    backend: Literal["elasticsearch", "database", "none"]
    suggestions: list[Suggestion]


@api.get("/search", response=SearchResponse, summary="Søk", url_name="search")
def search(request, params: Query[SearchParams]):
    filters = {k: getattr(params, k).strip()[:100] for k in queries.FILTERS if getattr(params, k).strip()}
    return queries.search(params.q, filters, request.user, params.page, params.sort)


@api.get("/search/suggest", response=SuggestResponse, summary="Forslag mens du skriver", url_name="suggest")
def suggest(request, q: str = ""):
    return queries.suggest(q, request.user)
