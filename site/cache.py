"""Django's Redis cache with one connection pool per process, that lets pages be
served while Redis does not answer.

Django builds a cache backend per thread and, under ASGI, per request context; each
`RedisCache` then opens its own pool, so every request paid a fresh TCP connect to
Redis. The client (thread-safe, as redis-py pools are) is shared per process here.

While Redis is unreachable, reads are misses and stores are dropped (logged), so
Wagtail's site lookups and our page caches render without it instead of failing
every page; `add` and `incr` still raise: a counter (a rate limit) must know.
"""

from __future__ import annotations

import logging
import threading

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class SharedPoolRedisCache(RedisCache):
    @property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.setdefault(key, self._class(self._servers, **self._options))
        return client

    def _unreachable(self, operation: str, exc: Exception) -> None:
        log.warning("cache %s skipped, Redis does not answer: %s", operation, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            self._unreachable("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            self._unreachable("get_many", exc)
            return {}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            self._unreachable("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            self._unreachable("set_many", exc)
            return list(data)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            self._unreachable("delete", exc)
            return False
