"""``manage.py run_worker``: django-tasks-db's ``db_worker``, with a heartbeat.

Runs every queued background task: notification mail (:mod:`forms_app.intake.notifications`)
and Wagtail's own (reference index, frontend-cache purges, image focal points, file
deletion). It takes ``db_worker``'s options (``--interval``, ``--batch``, ``--max-tasks``,
``--queue-name``, ``--worker-id``, ``--reload``) and uses its worker to claim and run each
task, so any number of workers on any hosts share one queue safely. On top, it records
``cms.heartbeat.beat()`` at every poll and around every task, so the health check sees a live
worker; SIGINT / SIGTERM finish the task in hand, then stop. Once a minute it puts back in
the queue any task left "running" by a worker that was killed mid-task, and writes the visit
statistics counted in Redis to the database (:func:`analytics.flush.flush`).
"""

import datetime
import logging
import random
import threading
import time

from django.conf import settings
from django.utils import timezone
from django.utils.autoreload import run_with_reloader
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from cms import heartbeat

logger = logging.getLogger(__name__)


def requeue_stalled_tasks(now=None):
    """Put back in the queue every task a worker started more than
    ``WORKER_STALLED_SECONDS`` ago and never finished: its worker was killed mid-task
    (SIGKILL, power loss, OOM). django-tasks-db never looks at such a row again, so without
    this a notification could stay "running" for ever. Our tasks are safe to run twice (a mail
    may then arrive twice; it is never lost). Returns how many were requeued."""
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=settings.WORKER_STALLED_SECONDS)
    count = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY)
    if count:
        logger.warning("Requeued %s task(s) whose worker stopped mid-task", count)
    return count


def flush_statistics():
    """Write the visit statistics to the database (analytics.flush): a failure is logged
    (its type only; no key or value) and the worker goes on."""
    from analytics.flush import flush

    try:
        flush()
    except Exception as error:  # noqa: BLE001 (the worker must keep running)
        logger.warning("Visit statistics flush failed (%s)", type(error).__name__)
        return False
    return True


class HeartbeatWorker(db_worker.Worker):
    def run_task(self, db_task_result):
        heartbeat.beat()
        try:
            super().run_task(db_task_result)
        finally:
            heartbeat.beat()


class Command(db_worker.Command):
    help = "Run queued background tasks (mail, Wagtail's tasks), recording a heartbeat"

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        **options,
    ):
        self.configure_logging(verbosity)
        if verbosity < 2:
            # db_worker logs every poll and every task at INFO; failures still show.
            logging.getLogger("django_tasks").setLevel(logging.WARNING)
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        if verbosity:
            self.stdout.write(f"Worker {worker_id} polling every {interval:g} s")
        # db_worker's own loop, in batch mode: it runs what is due and returns; this loop beats,
        # waits, and polls again.
        worker = HeartbeatWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=True,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id,
        )

        def work():
            if threading.current_thread() is threading.main_thread():
                worker.configure_signals()
            if startup_delay and interval and not batch:
                time.sleep(random.random())  # noqa: S311 - spreads workers started together
            last_sweep = None
            while worker.running:
                heartbeat.beat()
                if last_sweep is None or time.monotonic() - last_sweep > 60:
                    requeue_stalled_tasks()
                    flush_statistics()
                    last_sweep = time.monotonic()
                worker.run()
                if batch or (max_tasks is not None and worker._run_tasks >= max_tasks):
                    break
                if worker.running:
                    time.sleep(interval)
            heartbeat.beat()

        if reload and not batch:
            # Django's reloader runs ``work`` in a thread of a child process it restarts on
            # code changes (development: --reload defaults to DEBUG).
            run_with_reloader(work)
        else:
            work()
