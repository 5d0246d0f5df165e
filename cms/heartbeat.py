"""The background worker's heartbeat.

The worker (``manage.py run_worker``) calls ``beat()`` each time it polls for tasks; the health
check (``/healthz/``) reads ``last_beat()`` and reports the worker as stale when it is older than
``WORKER_HEARTBEAT_MAX_AGE`` seconds.

It lives in the default cache when that is shared (Redis: every host sees it), or in the file
``WORKER_HEARTBEAT_FILE`` when set (the default without Redis: the local-memory cache is per
process, so the dev server could never see the worker's beat). Neither function ever raises: an
outage is reported by the health check's own cache probe, not by a crash here.
"""

import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

KEY = "worker-heartbeat"
logger = logging.getLogger(__name__)


def _file():
    path = getattr(settings, "WORKER_HEARTBEAT_FILE", None)
    return Path(path) if path else None


def beat(now=None):
    """Record that a worker is alive now."""
    value = (now or timezone.now()).isoformat()
    path = _file()
    try:
        if path is None:
            cache.set(KEY, value, timeout=24 * 3600)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed over: a reader never sees half a timestamp.
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as temporary:
            temporary.write(value)
        os.replace(temporary.name, path)
    except Exception:  # noqa: BLE001 - the worker must go on working without its heartbeat
        logger.warning("Could not record the worker heartbeat")


def last_beat():
    """When a worker last said it was alive (aware datetime), or ``None``."""
    path = _file()
    try:
        value = cache.get(KEY) if path is None else path.read_text()
        return datetime.fromisoformat(value) if value else None
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - reported by the health check's own probes
        return None
