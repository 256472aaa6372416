from functools import lru_cache

from django.conf import settings
from elasticsearch import Elasticsearch


@lru_cache(maxsize=1)
def get_client() -> Elasticsearch:
    """One client per process, with explicit timeouts and retries (never defaults)."""
    return Elasticsearch(
        settings.ELASTICSEARCH_URL,
        request_timeout=settings.SEARCH_TIMEOUT,
        max_retries=1,
        retry_on_timeout=False,
    )
