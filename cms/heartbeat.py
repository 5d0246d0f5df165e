"""The background worker's heartbeat, shared by every host through the default cache.

The worker (``manage.py run_worker``) calls ``beat()`` each time it polls for tasks; the health
check (``/healthz/``) reads ``last_beat()`` and reports the worker as stale when it is older than
``WORKER_HEARTBEAT_MAX_AGE`` seconds. Neither ever raises: a cache outage is reported by the
health check's own cache probe, not by a crash here.
"""

import logging

from django.core.cache import cache
from django.utils import timezone

KEY = "worker-heartbeat"
logger = logging.getLogger(__name__)


def beat(now=None):
    """Record that a worker is alive now."""
    try:
        cache.set(KEY, (now or timezone.now()).isoformat(), timeout=24 * 3600)
    except Exception:  # noqa: BLE001 - the worker must go on working without its cache
        logger.warning("Could not record the worker heartbeat")


def last_beat():
    """When a worker last said it was alive (aware datetime), or ``None``."""
    try:
        value = cache.get(KEY)
    except Exception:  # noqa: BLE001 - reported by the health check's cache probe
        return None
    return timezone.datetime.fromisoformat(value) if value else None
