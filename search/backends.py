"""The search seam: Elasticsearch when ELASTICSEARCH_URL is set, otherwise the
database fallback. Both answer with the same result shape."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings


class DatabaseBackend:
    name = "database"

    def health(self) -> dict:
        return {"ok": True}


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, url: str):
        self.url = url

    @property
    def client(self):
        from .client import get_client

        return get_client()

    def health(self) -> dict:
        info = self.client.options(request_timeout=2).cluster.health()
        return {"ok": info["status"] in ("green", "yellow"), "cluster_status": info["status"]}


@lru_cache(maxsize=1)
def get_backend():
    if settings.ELASTICSEARCH_URL:
        return ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    return DatabaseBackend()
