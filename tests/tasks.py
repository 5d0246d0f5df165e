"""Run queued background tasks inside a test, as ``manage.py run_worker`` runs them.

Submissions queue their mail as django-tasks rows in their own transaction
(``forms_app.intake.notifications``); nothing is sent until a worker runs them. Most tests run
inside one rolled-back transaction, where the worker's polling loop (an exclusive transaction
on SQLite) cannot run, so :func:`run_tasks` claims each due row and hands it to the worker's
own ``run_task``, which records the outcome on the row as the worker does.
``tests/forms_app/test_worker.py`` runs the real command against committed rows.
"""

from django_tasks_db.models import DBTaskResult

from forms_app.management.commands.run_worker import HeartbeatWorker


def run_tasks():
    """Run every task that is due now; returns how many ran."""
    worker = HeartbeatWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
    )
    ran = 0
    while (row := DBTaskResult.objects.ready().first()) is not None:
        row.claim(worker.worker_id)
        worker.run_task(row)
        ran += 1
    return ran
