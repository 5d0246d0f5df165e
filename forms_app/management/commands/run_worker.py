"""``manage.py run_worker``: django-tasks-db's ``db_worker``, with a heartbeat.

Runs every queued background task: notification mail (:mod:`forms_app.intake.notifications`)
and Wagtail's own (reference index, frontend-cache purges, image focal points, file
deletion). It takes ``db_worker``'s options (``--interval``, ``--batch``, ``--max-tasks``,
``--queue-name``, ``--worker-id``, ``--reload``) and uses its worker to claim and run each
task, so any number of workers on any hosts share one queue safely. On top, it records
``cms.heartbeat.beat()`` at every poll and around every task, so the health check sees a live
worker; SIGINT / SIGTERM finish the task in hand, then stop.
"""

import logging
import random
import threading
import time

from django.utils.autoreload import run_with_reloader
from django_tasks_db.management.commands import db_worker

from cms import heartbeat


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
            while worker.running:
                heartbeat.beat()
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
