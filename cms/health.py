"""``/healthz/``: what a load balancer polls to decide whether a web host gets traffic.

The first middleware answers it itself, before anything else runs: so it answers on any
``Host`` (the load balancer's probe may use the host's IP address, which ``ALLOWED_HOSTS`` and
``CanonicalHostMiddleware`` would refuse or redirect), over plain HTTP (no HTTPS redirect), with
no session, CSRF cookie or site lookup. One SQL query, two cache round trips and one cache read
per poll; the storages are checked at most every ``STORAGE_CHECK_SECONDS`` per process (a
filesystem check is a ``stat``; on S3 a ``HEAD`` of the bucket), and a failing one every poll.

The answer is JSON with no personal data and no error text (errors go to the log)::

    {"status": "ok", "checks": {"database": "ok", "cache": "ok", "storage": "ok",
     "private_storage": "ok", "worker": "ok"}, "worker_heartbeat_age": 4}

* database, cache, storage, private_storage: ``"ok"`` or ``"fail"``; any ``"fail"`` makes
  the status ``"fail"`` and the answer **503**.
* worker: ``"ok"``, ``"stale"`` (last heartbeat older than ``WORKER_HEARTBEAT_MAX_AGE``
  seconds), ``"missing"`` (none recorded) or ``"unknown"`` (the cache is down, so the
  heartbeat cannot be read). Anything but ``"ok"`` makes the status ``"degraded"`` and the
  answer stays **200**: a dead worker delays mail but every web host can still serve pages and
  take form posts, so it must not take them out of the load balancer. ``/healthz/?strict``
  answers 503 for a degraded worker too, for monitoring that should page someone.
* antivirus (only when ``ANTIVIRUS_ENABLED``): ``"ok"`` or ``"fail"``, clamd's answer to a
  ``PING`` (at most ``cms.antivirus.PING_TIMEOUT`` seconds; a success is trusted for
  ``STORAGE_CHECK_SECONDS`` per process, as the storages' are, a failure is retried every
  poll). A failing scanner is ``"degraded"``, 200, like the worker: uploads fail closed (every
  photo and editor upload is refused until it answers, so nothing unscanned gets in), while
  pages and forms without photos work as before, so taking every web host out of the load
  balancer would only make things worse; ``?strict`` answers 503 for it.
"""

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver
from django.http import JsonResponse
from django.utils import timezone

from cms import antivirus, heartbeat
from forms_app.storage import private_storage

logger = logging.getLogger(__name__)

PATHS = {"/healthz/", "/healthz"}
STORAGE_CHECK_SECONDS = 30.0
CACHE_KEY = f"healthz:{socket.gethostname()}:{os.getpid()}"

_storage_ok_until = {}
_storage_lock = threading.Lock()


@receiver(setting_changed)
def _forget_storage_results(*, setting, **kwargs):
    if setting in {
        "STORAGES",
        "MEDIA_ROOT",
        "PRIVATE_MEDIA_ROOT",
        "ANTIVIRUS_ENABLED",
        "CLAMAV_SOCKET",
    }:
        _storage_ok_until.clear()


def check_database():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    token = f"{time.time_ns()}"
    cache.set(CACHE_KEY, token, timeout=60)
    if cache.get(CACHE_KEY) != token:
        raise ConnectionError("the cache did not keep a value")


def probe_storage(storage):
    """Raise unless ``storage`` is reachable. Reads only: a bucket ``HEAD`` on S3, a ``stat``
    of the folder (or, before the first upload created it, of its parent) otherwise."""
    bucket_name = getattr(storage, "bucket_name", None)
    if bucket_name:
        storage.connection.meta.client.head_bucket(Bucket=bucket_name)
        return
    location = os.fspath(storage.location)
    folder = location if os.path.exists(location) else os.path.dirname(location)
    if not os.path.isdir(folder) or not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        raise OSError("storage folder missing or not writable")


def _check_at_most_every(name, probe):
    """Run ``probe`` unless it passed less than STORAGE_CHECK_SECONDS ago (a failure is
    tried again at the next poll)."""
    now = time.monotonic()
    if _storage_ok_until.get(name, 0.0) > now:
        return
    probe()
    with _storage_lock:
        _storage_ok_until[name] = now + STORAGE_CHECK_SECONDS


def check_storage(name, storage):
    _check_at_most_every(name, lambda: probe_storage(storage))


def check_antivirus():
    _check_at_most_every("antivirus", antivirus.ping)


def worker_state():
    """``(state, age in seconds or None)`` of the background worker's heartbeat."""
    beat = heartbeat.last_beat()
    if beat is None:
        return "missing", None
    age = max(0, int((timezone.now() - beat).total_seconds()))
    return ("stale" if age > settings.WORKER_HEARTBEAT_MAX_AGE else "ok"), age


DEGRADING = ("cache", "worker", "antivirus")


def run_checks():
    """``(status, checks, worker_age)``; see the module docstring."""
    checks = {}
    probes = [
        ("database", check_database),
        ("cache", check_cache),
        ("storage", lambda: check_storage("storage", default_storage)),
        ("private_storage", lambda: check_storage("private_storage", private_storage())),
    ]
    if antivirus.enabled():
        probes.append(("antivirus", check_antivirus))
    for name, check in probes:
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure is a failed check
            logger.warning("Health check %s failed: %s: %s", name, type(error).__name__, error)
            checks[name] = "fail"
        else:
            checks[name] = "ok"
    if checks["cache"] == "ok" or settings.WORKER_HEARTBEAT_FILE:
        checks["worker"], worker_age = worker_state()
    else:
        checks["worker"], worker_age = "unknown", None
    # The sites work without their cache (pages render uncached, the rate limit fails open),
    # without a worker (mail waits in the queue) and without the virus scanner (uploads are
    # refused, everything else works): each is "degraded", 200, so a Redis or clamd outage does
    # not take every web host out of the load balancer; ``?strict`` answers 503 for them.
    if any(checks[name] == "fail" for name in checks if name not in DEGRADING):
        status = "fail"
    elif any(checks.get(name, "ok") != "ok" for name in DEGRADING):
        status = "degraded"
    else:
        status = "ok"
    return status, checks, worker_age


def health_response(request):
    status, checks, worker_age = run_checks()
    strict = "strict" in request.GET
    failed = status == "fail" or (strict and status != "ok")
    response = JsonResponse(
        {"status": status, "checks": checks, "worker_heartbeat_age": worker_age},
        status=503 if failed else 200,
    )
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(response.content))
    # The failed check was logged above; Django's own "Service Unavailable" error line on every
    # poll would only repeat it.
    response._has_been_logged = True
    return response


class HealthCheckMiddleware:
    """Answer ``GET``/``HEAD /healthz/`` before any other middleware (first in MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PATHS and request.method in {"GET", "HEAD"}:
            return health_response(request)
        return self.get_response(request)
