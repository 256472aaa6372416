from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import queries


def _params(request):
    filters = {k: request.GET.get(k, "").strip()[:100] for k in queries.FILTERS if request.GET.get(k)}
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    return request.GET.get("q", ""), filters, page, request.GET.get("sort", "relevance")


@require_GET
def search_page(request):
    q, filters, page, sort = _params(request)
    result = queries.search(q, filters, request.user, page, sort) if (q or filters) else None
    return render(request, "search/search.html", {"q": q, "filters": filters, "result": result,
                                                  "labels": queries.TYPE_LABELS, "sort": sort})
