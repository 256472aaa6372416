"""Django's Redis cache with one connection pool per process.

Django builds a cache backend per thread and, under ASGI, per request context; each
`RedisCache` then opens its own pool, so every request paid a fresh TCP connect to
Redis. The client (thread-safe, as redis-py pools are) is shared per process here.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache

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
