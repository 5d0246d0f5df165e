"""Where page views are counted before they are totals in the database.

**Redis** (:class:`RedisStore`; the default cache is django-redis): the request only hashes
and queues the view; a sender thread of the process sends the queued views in one pipeline
(one round trip for every view that arrived meanwhile), so the page never waits for Redis.
Each view is one run of a Lua script, atomic in Redis (``EVALSHA``), that

* ``HINCRBY``\\s the day's per-site hashes: page views, views per path;
* ``SADD``\\s the visitor's hash to the day's per-site visitor set (and returning set);
* ``SET visit-key NX EX gap`` detects a new visit (else ``EXPIRE`` extends it): a new visit
  also ``HINCRBY``\\s visits, the entry page and the referrer;
* refreshes every key's TTL (:data:`KEY_TTL`, two days) and records the day and site in
  small index sets that :mod:`analytics.flush` reads.

Nothing else: the worker's flush (:func:`analytics.flush.flush`) writes the totals to the
database once a minute. A closed day (flushed for the last time) is marked, and the script
counts nothing more for it. The day's salt is 32 random bytes under one key expiring just
after the Danish day ends, created by whichever process needs it first (``SET NX GET``) and
kept in this process for the day. Any Redis error: the view is not counted, one warning per
pause of :data:`PAUSE_SECONDS` (no key, no value), and nothing is tried for that pause.

**Local** (:class:`LocalStore`; the local-memory cache of development and tests): the same
counting in this process's memory (salt, visitor hashes, visits), each view's increments
written straight to the database (a few small UPDATEs). Exact with one process (``make
run``'s runserver); several processes without Redis would each count their own visitors.
"""

import atexit
import collections
import datetime
import logging
import os
import secrets
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F

from .days import day_key, end_of_day
from .models import DailyPageStat, DailyReferrerStat, DailySiteStat

logger = logging.getLogger(__name__)

KEY_TTL = 2 * 24 * 3600
SALT_GRACE_SECONDS = 60
PAUSE_SECONDS = 2.0
REFERRER_SEPARATOR = "\t"
# Views waiting for the sender thread: at most this many (a Redis that stops answering must
# not fill the memory), sent at most this many to a pipeline.
MAX_QUEUE = 10_000
BATCH_SIZE = 200
# The sender waits this long after a view arrives before sending, gathering the others.
SEND_DELAY_SECONDS = 0.05

# KEYS: 1 closed marker, 2 totals, 3 views, 4 entries, 5 referrers, 6 visitors, 7 returning,
#       8 visit, 9 days index, 10 sites of the day
# ARGV: 1 path, 2 visitor hash, 3 returning ("1"/"0"), 4 gap seconds, 5 TTL,
#       6 referrer field ("" for none), 7 day, 8 site id
COUNT_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local ttl = tonumber(ARGV[5])
redis.call('HINCRBY', KEYS[2], 'page_views', 1)
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('SADD', KEYS[6], ARGV[2])
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[7], ARGV[2])
  redis.call('EXPIRE', KEYS[7], ttl)
end
local new_visit = 0
if redis.call('SET', KEYS[8], '1', 'NX', 'EX', ARGV[4]) then
  new_visit = 1
  redis.call('HINCRBY', KEYS[2], 'visits', 1)
  redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
  redis.call('EXPIRE', KEYS[4], ttl)
  if ARGV[6] ~= '' then
    redis.call('HINCRBY', KEYS[5], ARGV[6], 1)
    redis.call('EXPIRE', KEYS[5], ttl)
  end
else
  redis.call('EXPIRE', KEYS[8], ARGV[4])
end
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
redis.call('EXPIRE', KEYS[6], ttl)
redis.call('SADD', KEYS[9], ARGV[7])
redis.call('SADD', KEYS[10], ARGV[8])
redis.call('EXPIRE', KEYS[10], ttl)
return new_visit
"""


def is_redis_cache(cache):
    try:
        from django_redis.cache import RedisCache
    except ImportError:  # pragma: no cover - django-redis is a requirement
        return False
    return isinstance(cache, RedisCache)


def current_store():
    """The store for the default cache: Redis when it is django-redis, else local memory."""
    cache = caches["default"]
    return _redis_store if is_redis_cache(cache) else _local_store


# -- Redis ----------------------------------------------------------------------------------


class Keys:
    """The Redis keys of one day (and site), in the default cache's key namespace."""

    def __init__(self, cache, day, site_id=None):
        self.day, self.site_id = day_key(day), site_id
        # One make_key for the namespace ("<KEY_PREFIX>:<VERSION>:analytics"), then plain joins.
        self.base = cache.make_key("analytics")

    def _key(self, *parts):
        return ":".join((self.base, *parts))

    @property
    def days(self):
        return self._key("days")

    @property
    def sites(self):
        return self._key(self.day, "sites")

    @property
    def closed(self):
        return self._key(self.day, "closed")

    @property
    def salt(self):
        return self._key(self.day, "salt")

    def visit(self, visitor):
        return self._key(self.day, "visit", visitor)

    @property
    def visit_pattern(self):
        return self._key(self.day, "visit", "*")

    def site(self, name, site_id=None):
        return self._key(self.day, str(site_id if site_id is not None else self.site_id), name)

    def site_keys(self, site_id):
        return [
            self.site(name, site_id)
            for name in ("totals", "views", "entries", "referrers", "visitors", "returning")
        ]


class RedisStore:
    def __init__(self):
        self._salt = (None, None)
        self._sha = None
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._paused_until = 0.0
        self._queue = collections.deque()
        self._wake = threading.Event()
        self._sender = None
        self._sender_pid = None

    # The raw client of the default cache's connection pool (django-redis), so its socket
    # timeouts bound every call; ResilientRedisCache refuses at once while its breaker is open.
    @staticmethod
    def client():
        from django_redis import get_redis_connection

        return get_redis_connection("default")

    def available(self):
        if time.monotonic() < self._paused_until:
            return False
        return getattr(caches["default"], "available", True)

    def failed(self, error):
        now = time.monotonic()
        with self._lock:
            quiet = now < self._paused_until
            self._paused_until = now + PAUSE_SECONDS
        if not quiet:
            # The error's type only: a Redis error's text could name a key.
            logger.warning(
                "Visit statistics: Redis unavailable (%s); not counting for %.0f s",
                type(error).__name__,
                PAUSE_SECONDS,
            )

    def salt(self, day):
        """The day's secret salt (created in Redis by the day's first view), or None when
        Redis cannot be reached (the view is then not counted)."""
        cached_day, salt = self._salt
        if cached_day == day:
            return salt
        if not self.available():
            return None
        try:
            keys = Keys(caches["default"], day)
            token = secrets.token_bytes(32)
            expires = end_of_day(day) + datetime.timedelta(seconds=SALT_GRACE_SECONDS)
            # SET NX, then GET: the day's first view makes the salt, every other reads it
            # (SET ... GET would do both in one call but needs Redis 7).
            client = self.client()
            client.set(keys.salt, token, nx=True, exat=int(expires.timestamp()))
            # None only when the key expired at once (its day is over, a late view): this
            # process's own token then, as with SET ... GET.
            salt = client.get(keys.salt) or token
        except Exception as error:  # noqa: BLE001 (any Redis failure: not counted)
            self.failed(error)
            return None
        self._salt = (day, salt)
        return salt

    def record(self, view):
        """Queue one page view (:class:`analytics.counting.View`) for the sender thread;
        False if it is not counted (Redis failing, or the queue full)."""
        if not self.available() or len(self._queue) >= MAX_QUEUE:
            return False
        try:
            client = self.client()
            keys = Keys(caches["default"], view.day, view.site_id)
        except Exception as error:  # noqa: BLE001 (any Redis failure: this view is not counted)
            self.failed(error)
            return False
        args = (
            view.path,
            view.visitor,
            "1" if view.returning else "0",
            max(1, int(settings.ANALYTICS_VISIT_GAP_SECONDS)),
            KEY_TTL,
            REFERRER_SEPARATOR.join(view.referrer) if view.referrer else "",
            keys.day,
            view.site_id,
        )
        key_list = (
            keys.closed,
            *keys.site_keys(view.site_id),
            keys.visit(view.visitor),
            keys.days,
            keys.sites,
        )
        self._queue.append((client, key_list, args))
        self._start_sender()
        self._wake.set()
        return True

    # The sender: a daemon thread per process sends the queued views, each batch in one
    # pipeline (one round trip for all the views that arrived meanwhile), off the request path.

    def _start_sender(self):
        if self._sender is not None and self._sender_pid == os.getpid():
            return
        with self._lock:
            if self._sender is not None and self._sender_pid == os.getpid():
                return
            self._sender_pid = os.getpid()
            self._sender = threading.Thread(
                target=self._send_forever, name="analytics-sender", daemon=True
            )
            self._sender.start()
            atexit.register(self.send_pending)

    def _send_forever(self):
        while True:
            self._wake.wait()
            # Gather what arrives meanwhile: one round trip for many views.
            time.sleep(SEND_DELAY_SECONDS)
            self._wake.clear()
            self.send_pending()

    def send_pending(self):
        """Send every queued view now (also what :func:`analytics.flush.flush` calls first)."""
        with self._send_lock:
            while self._queue:
                batch = []
                while self._queue and len(batch) < BATCH_SIZE:
                    batch.append(self._queue.popleft())
                try:
                    self._send(batch)
                except Exception as error:  # noqa: BLE001 (any Redis failure: views lost)
                    self.failed(error)

    def _send(self, batch):
        from redis.exceptions import NoScriptError

        by_client = {}
        for client, key_list, args in batch:
            by_client.setdefault(id(client), (client, []))[1].append((key_list, args))
        for client, commands in by_client.values():
            if self._sha is None:
                self._sha = client.script_load(COUNT_SCRIPT)
            pipe = client.pipeline(transaction=False)
            for key_list, args in commands:
                pipe.evalsha(self._sha, len(key_list), *key_list, *args)
            results = pipe.execute(raise_on_error=False)
            # Redis restarted (or SCRIPT FLUSH): load the script again for those views.
            missing = [
                command
                for command, result in zip(commands, results, strict=True)
                if isinstance(result, NoScriptError)
            ]
            if missing:
                self._sha = client.script_load(COUNT_SCRIPT)
                pipe = client.pipeline(transaction=False)
                for key_list, args in missing:
                    pipe.evalsha(self._sha, len(key_list), *key_list, *args)
                results = pipe.execute(raise_on_error=False)
            errors = [result for result in results if isinstance(result, Exception)]
            if errors:
                raise errors[0]


# -- local memory + database -----------------------------------------------------------------


class LocalStore:
    """The development store; see the module docstring."""

    def __init__(self):
        self._lock = threading.Lock()
        self._reset(None)

    def _reset(self, day):
        self._day = day
        self._salt_bytes = secrets.token_bytes(32)
        self._visitors = {}  # site id → set of visitor hashes
        self._returning = {}
        self._visits = {}  # visitor hash → monotonic time of their last view

    def salt(self, day):
        with self._lock:
            if day != self._day:
                self._reset(day)
            return self._salt_bytes

    def close_before(self, day):
        """Forget the salt and hashes of any day before ``day``."""
        with self._lock:
            if self._day is not None and self._day < day:
                self._reset(None)

    def record(self, view):
        gap = max(1, int(settings.ANALYTICS_VISIT_GAP_SECONDS))
        now = time.monotonic()
        with self._lock:
            if view.day != self._day:
                return False  # the salt was of another day: a view at midnight
            visitors = self._visitors.setdefault(view.site_id, set())
            new_visitor = view.visitor not in visitors
            visitors.add(view.visitor)
            new_returning = False
            if view.returning:
                returning = self._returning.setdefault(view.site_id, set())
                new_returning = view.visitor not in returning
                returning.add(view.visitor)
            last = self._visits.get(view.visitor)
            new_visit = last is None or now - last > gap
            self._visits[view.visitor] = now
            if len(self._visits) > 10_000:
                self._visits = {k: t for k, t in self._visits.items() if now - t <= gap}
        site_deltas = {"page_views": 1}
        if new_visit:
            site_deltas["visits"] = 1
        if new_visitor:
            site_deltas["visitors"] = 1
        if new_returning:
            site_deltas["returning_visitors"] = 1
        lookup = {"site_id": view.site_id, "day": view.day}
        with transaction.atomic():
            increment(DailySiteStat, lookup, site_deltas)
            page_deltas = {"views": 1, "entries": 1} if new_visit else {"views": 1}
            increment(DailyPageStat, {**lookup, "path": view.path}, page_deltas)
            if new_visit and view.referrer:
                kind, source = view.referrer
                increment(
                    DailyReferrerStat, {**lookup, "kind": kind, "source": source}, {"visits": 1}
                )
        return True


def increment(model, lookup, deltas):
    """Add ``deltas`` to the row ``lookup`` finds, creating it if there is none."""
    update = {name: F(name) + value for name, value in deltas.items()}
    if model.objects.filter(**lookup).update(**update):
        return
    try:
        with transaction.atomic():
            model.objects.create(**lookup, **deltas)
    except IntegrityError:  # another thread created it meanwhile
        model.objects.filter(**lookup).update(**update)


_redis_store = RedisStore()
_local_store = LocalStore()


def send_pending():
    """Send this process's queued views to Redis now (the flush and the tests call it)."""
    _redis_store.send_pending()
