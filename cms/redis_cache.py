"""The Redis cache, made to degrade instead of failing requests when Redis is down.

django-redis with ``IGNORE_EXCEPTIONS`` already turns a connection error into a cache miss
(``get`` gives the default, ``set``/``add``/``incr`` give ``None``), and the short socket
timeouts in ``cms.settings.base.redis_cache_settings`` bound each attempt. Two things are added
here:

* **A breaker.** After a failed call, every call in the next ``BREAKER_SECONDS`` is a miss at
  once, without touching the network: a Redis host that stopped answering (a timeout, not a
  refused connection) costs a request one socket timeout, not one per cache call. The first
  call after the pause tries Redis again, so the cache recovers by itself.
* **One log line per outage pause**, a warning naming the error type, instead of a traceback
  per cache call (django-redis's own logging). No key or value is logged.

The state is per process (each gunicorn worker finds out for itself).
"""

import logging
import threading
import time

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 2.0


class _OutageLog:
    """Stands in for django-redis's logger: one warning per breaker opening, no traceback."""

    def __init__(self, cache):
        self.cache = cache

    def exception(self, *args, **kwargs):
        self.cache._log_failure()


class _GuardedClient:
    """django-redis's client, with every method call going through the breaker."""

    def __init__(self, client, cache):
        self._client = client
        self._cache = cache

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            cache = self._cache
            if time.monotonic() < cache._open_until:
                raise ConnectionInterrupted(connection=None)
            try:
                return attribute(*args, **kwargs)
            except ConnectionInterrupted as error:
                cache._trip(error)
                raise

        return call


class ResilientRedisCache(RedisCache):
    """django-redis's ``RedisCache`` that never raises for a Redis outage (see module doc)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._ignore_exceptions = True
        self._log_ignored_exceptions = True
        self.logger = _OutageLog(self)
        self._open_until = 0.0
        self._last_error = ""
        self._logged_until = 0.0
        self._lock = threading.Lock()
        self._guarded = None

    @property
    def client(self):
        if self._guarded is None:
            self._guarded = _GuardedClient(super().client, self)
        return self._guarded

    @property
    def available(self):
        """False while the breaker is open (Redis failed within the last few seconds)."""
        return time.monotonic() >= self._open_until

    def _trip(self, error):
        cause = error.__cause__
        self._last_error = type(cause).__name__ if cause else type(error).__name__
        self._open_until = time.monotonic() + BREAKER_SECONDS

    def _log_failure(self):
        with self._lock:
            now = time.monotonic()
            if now < self._logged_until:
                return
            self._logged_until = now + BREAKER_SECONDS
        logger.warning(
            "Redis cache unavailable (%s); serving without the cache for %.0f s",
            self._last_error or "ConnectionInterrupted",
            BREAKER_SECONDS,
        )
