"""Staffroom's URLs with one bare Django view in front, the benchmarks' baseline:
the same daphne, middleware and process, but no routing to a page and no template."""

from django.http import HttpResponse
from django.urls import path

from staffroom.urls import urlpatterns as staffroom_urlpatterns


def bare(request):
    return HttpResponse("<!doctype html><title>bare</title><p>ok</p>", content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/bare/", bare), *staffroom_urlpatterns]
