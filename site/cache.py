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

    @staticmethod
    def _unless_unreachable(fallback, operation, *args):
        try:
            return operation(*args)
        except RedisError as exc:
            log.warning("cache %s skipped, Redis does not answer: %s", operation.__name__, exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._unless_unreachable(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._unless_unreachable({}, super().get_many, keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._unless_unreachable(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._unless_unreachable(list(data), super().set_many, data, timeout, version)

    def delete(self, key, version=None):
        return self._unless_unreachable(False, super().delete, key, version)
