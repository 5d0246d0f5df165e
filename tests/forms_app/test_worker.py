"""The durable worker: a visitor's post only queues mail; the worker sends it, retries it with
backoff and gives it up visibly; a mail server that hangs or refuses never touches the visitor.

Real components: an aiosmtpd SMTP server (or a bare TCP listener that never greets) on
loopback, Django's SMTP backend pointed at it, and ``manage.py run_worker`` run as the worker
runs it. Tests that run the worker command commit for real (``transaction=True``): its
polling takes an exclusive transaction on SQLite, as it does in production.
"""

import logging
import socket
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cms import heartbeat, redis_cache
from cms.settings.base import redis_cache_settings
from forms_app.intake.notifications import (
    NotificationFailed,
    NotificationGivenUp,
    receipt_task,
    staff_notification_task,
)
from forms_app.models import FormSubmission, SubmissionPhoto
from tests.forms_app.conftest import photo_bytes, upload
from tests.redis_server import redis_server  # noqa: F401 - fixture

RECEIPT_TO = "mette.hansen@example.dk"
STAFF_TO = "kontakt@mihvvs.dk"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler: stores what it accepts; while ``refuse`` is set, answers every
    recipient with a temporary failure (451), as a greylisting or overloaded server does."""

    def __init__(self):
        self.refuse = False
        self.messages = []
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            self.refused += 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 Message accepted"

    def to(self, address):
        return [content for recipients, content in self.messages if address in recipients]


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    controller.stop()


class SilentServer:
    """Accepts TCP connections and never says a word (no SMTP greeting): a hung mail server."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.listener.close()
        self.thread.join(timeout=5)
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent_smtp(settings):
    server = SilentServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 1
    yield server
    server.close()


@pytest.fixture
def receipt_page(quote_page):
    quote_page.send_receipt = True
    quote_page.save_revision().publish()
    return quote_page


def run_worker():
    """The worker as production runs it, until nothing is due."""
    call_command("run_worker", batch=True, reload=False, verbosity=0)


def mail_rows(status=None):
    rows = DBTaskResult.objects.filter(
        task_path__in=[staff_notification_task.module_path, receipt_task.module_path]
    )
    return list(rows.filter(status=status) if status else rows)


# (a) The visitor's request only queues, in the submission's own transaction.


def test_post_queues_mail_in_its_transaction_and_never_connects(
    receipt_page, post_quote, quote_data, silent_smtp, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    # Commit callbacks are captured, not run: whatever is queued must already be written.
    with django_capture_on_commit_callbacks(execute=False):
        response = post_quote(quote_data)
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 2, elapsed
    assert silent_smtp.connections == []  # the request never talked to the mail server
    submission = FormSubmission.objects.get()
    rows = mail_rows()
    assert sorted(row.task_path for row in rows) == sorted(
        [staff_notification_task.module_path, receipt_task.module_path]
    )
    assert all(row.args_kwargs == {"args": [submission.pk], "kwargs": {}} for row in rows)
    assert all(row.status == TaskResultStatus.READY for row in rows)


def test_a_failed_submission_queues_nothing(
    receipt_page, post_quote, quote_data, monkeypatch, smtp
):
    original_save = SubmissionPhoto.save

    def failing_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(SubmissionPhoto, "save", failing_save)
    with pytest.raises(RuntimeError):
        post_quote(
            quote_data, {"billeder_af_installationen": [upload("a.jpg", photo_bytes("JPEG"))]}
        )
    monkeypatch.setattr(SubmissionPhoto, "save", original_save)
    assert FormSubmission.objects.count() == 0
    assert mail_rows() == []


# (b) Refused, retried with backoff, delivered; or given up and shown to that site's staff.


@pytest.mark.django_db(transaction=True)
def test_refused_mail_is_retried_and_arrives(
    receipt_page, post_quote, quote_data, smtp, settings, client, vvs_staff, el_staff, caplog
):
    settings.FORMS_MAIL_RETRY_DELAYS = [1, 300]
    settings.FORMS_MAIL_MAX_ATTEMPTS = 3
    smtp.refuse = True
    assert post_quote(quote_data).status_code == 302
    before = timezone.now()
    with caplog.at_level(logging.WARNING):
        run_worker()
    assert smtp.messages == [] and smtp.refused == 2

    failed = mail_rows(TaskResultStatus.FAILED)
    assert len(failed) == 2
    assert {row.exception_class_path for row in failed} == {
        f"{NotificationFailed.__module__}.NotificationFailed"
    }
    retries = mail_rows(TaskResultStatus.READY)
    assert [row.args_kwargs["kwargs"] for row in retries] == [{"attempt": 2}] * 2
    for row in retries:  # backoff: the first delay
        assert 0.5 < (row.run_after - before).total_seconds() < 5
    # Ids only: the server's reply names the recipient; neither the rows nor the log may.
    for row in failed:
        assert RECEIPT_TO not in row.traceback.lower() and "mette" not in row.traceback.lower()
    assert "mette" not in caplog.text.lower()
    assert "failed: SMTPRecipientsRefused; attempt 1 of 3" in caplog.text

    # Staff of that site see it while it is being retried; the other company's do not.
    detail = reverse("henvendelser:detail", args=[FormSubmission.objects.get().pk])
    client.force_login(vvs_staff)
    page = client.get(reverse("henvendelser:unsent_mail")).content.decode()
    assert page.count(detail) == 2  # the staff notification and the receipt, both waiting
    assert "mette" not in page.lower()
    client.force_login(el_staff)
    assert detail not in client.get(reverse("henvendelser:unsent_mail")).content.decode()

    run_worker()  # too early: nothing is due yet
    assert smtp.messages == []
    smtp.refuse = False
    time.sleep(1.2)
    run_worker()
    assert len(smtp.to(STAFF_TO)) == 1 and len(smtp.to(RECEIPT_TO)) == 1
    assert "Mette Hansen" in smtp.to(RECEIPT_TO)[0]
    assert "Mette" not in smtp.to(STAFF_TO)[0]  # staff get a link, not the data
    assert len(mail_rows(TaskResultStatus.SUCCESSFUL)) == 2
    client.force_login(vvs_staff)
    assert detail not in client.get(reverse("henvendelser:unsent_mail")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_mail_given_up_is_shown_to_its_own_site_only_and_can_be_sent_again(
    receipt_page, post_quote, quote_data, smtp, settings, client, vvs_staff, el_staff, superuser
):
    settings.FORMS_MAIL_RETRY_DELAYS = [0]  # due again at once: one worker run tries them all
    settings.FORMS_MAIL_MAX_ATTEMPTS = 3
    smtp.refuse = True
    post_quote(quote_data)
    run_worker()
    assert smtp.refused == 6  # two mails, three attempts each
    given_up = mail_rows(TaskResultStatus.FAILED)
    given_up = [row for row in given_up if row.exception_class_path.endswith("GivenUp")]
    assert len(given_up) == 2
    assert {row.args_kwargs["kwargs"]["attempt"] for row in given_up} == {3}
    assert mail_rows(TaskResultStatus.READY) == []
    assert NotificationGivenUp.__name__ in given_up[0].exception_class_path
    detail = reverse("henvendelser:detail", args=[FormSubmission.objects.get().pk])

    for user in (vvs_staff, superuser):
        client.force_login(user)
        listing = client.get(reverse("henvendelser:unsent_mail")).content.decode()
        assert listing.count(detail) == 2
        assert "mette" not in listing.lower()
        dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
        assert 'id="unsent-mail-heading"' in dashboard  # the panel, on logging in
    client.force_login(el_staff)
    listing = client.get(reverse("henvendelser:unsent_mail")).content.decode()
    assert detail not in listing
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="unsent-mail-heading"' not in dashboard
    row = given_up[0]
    resend = reverse("henvendelser:resend_mail", args=[row.pk])
    assert client.post(resend).status_code == 404  # not el's to send

    client.force_login(vvs_staff)
    assert client.post(resend).status_code == 302
    assert not DBTaskResult.objects.filter(pk=row.pk).exists()
    [queued] = mail_rows(TaskResultStatus.READY)
    assert queued.task_path == row.task_path and queued.args_kwargs["kwargs"] == {}
    smtp.refuse = False
    run_worker()
    assert len(smtp.messages) == 1


# (c) A mail server that never answers: the visitor is not delayed, the worker gives up on
# the connection after EMAIL_TIMEOUT and tries again later.


@pytest.mark.django_db(transaction=True)
def test_hanging_mail_server_delays_neither_visitor_nor_queue(
    post_quote, quote_data, silent_smtp, settings
):
    settings.FORMS_MAIL_RETRY_DELAYS = [60]
    started = time.monotonic()
    assert post_quote(quote_data).status_code == 302
    assert time.monotonic() - started < 2
    assert silent_smtp.connections == []

    started = time.monotonic()
    run_worker()
    elapsed = time.monotonic() - started
    assert len(silent_smtp.connections) == 1  # the worker did try
    assert 0.9 < elapsed < 4, elapsed  # EMAIL_TIMEOUT is 1 s
    [failed] = mail_rows(TaskResultStatus.FAILED)
    # smtplib reports a greeting that never came as a disconnect, after the timeout.
    assert failed.traceback.strip().endswith("SMTPServerDisconnected")
    [retry] = mail_rows(TaskResultStatus.READY)
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}
    assert 50 < (retry.run_after - timezone.now()).total_seconds() <= 60


# (d) The worker says it is alive.


@pytest.mark.django_db(transaction=True)
def test_worker_records_a_heartbeat():
    assert heartbeat.last_beat() is None
    before = timezone.now()
    run_worker()
    assert heartbeat.last_beat() >= before


@pytest.mark.django_db(transaction=True)
def test_polling_worker_beats_on_every_poll():
    """A long-running worker (not --batch) beats each time it polls an empty queue."""
    stop_after = threading.Event()
    beats = []

    def watch():
        while not stop_after.is_set():
            if (beat := heartbeat.last_beat()) and beat not in beats:
                beats.append(beat)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    # --max-tasks ends the loop once a task has run; until then it polls every 0.1 s.
    worker = threading.Thread(
        target=call_command,
        args=["run_worker"],
        kwargs={
            "interval": 0.1,
            "max_tasks": 1,
            "reload": False,
            "verbosity": 0,
            "startup_delay": False,
        },
        daemon=True,
    )
    worker.start()
    time.sleep(0.6)
    staff_notification_task.enqueue(0)  # no such submission: runs, and the loop ends
    worker.join(timeout=5)
    stop_after.set()
    assert not worker.is_alive()
    assert len(beats) >= 3, beats


@pytest.mark.django_db(transaction=True)
def test_receipt_waits_while_redis_cannot_count_it_then_arrives_once(
    receipt_page,
    post_quote,
    quote_data,
    smtp,
    settings,
    redis_server,  # noqa: F811 - the fixture
    monkeypatch,
):
    """A receipt is counted against its address's limit before it goes; while Redis is down it
    cannot be, so it is retried like a failed send (it used to be dropped for good), and the
    retry is counted once."""
    monkeypatch.setattr(redis_cache, "BREAKER_SECONDS", 0.2)
    settings.CACHES = {"default": redis_cache_settings(redis_server.url, "receipts")}
    settings.FORMS_MAIL_RETRY_DELAYS = [1, 300]
    assert post_quote(quote_data).status_code == 302
    redis_server.stop()
    run_worker()
    assert len(smtp.to(STAFF_TO)) == 1 and smtp.to(RECEIPT_TO) == []
    [waiting] = mail_rows(TaskResultStatus.READY)
    assert waiting.task_path == receipt_task.module_path
    assert waiting.args_kwargs["kwargs"] == {"attempt": 2}

    redis_server.start()
    time.sleep(1.3)  # the breaker's pause and the retry's delay
    run_worker()
    assert len(smtp.to(RECEIPT_TO)) == 1
    assert mail_rows(TaskResultStatus.READY) == []


@pytest.mark.django_db(transaction=True)
def test_mail_left_running_by_a_killed_worker_is_sent_by_the_next(
    post_quote, quote_data, smtp, settings
):
    """A worker killed mid-task leaves its row "running", which django-tasks-db never picks up
    again: the next worker puts it back in the queue once it is clearly abandoned."""
    assert post_quote(quote_data).status_code == 302
    [row] = mail_rows(TaskResultStatus.READY)
    row.claim("killed-worker")  # what the killed worker did before it died
    DBTaskResult.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.WORKER_STALLED_SECONDS + 60)
    )
    recent = staff_notification_task.enqueue(FormSubmission.objects.get().pk)
    DBTaskResult.objects.get(pk=recent.id).claim("a-live-worker")  # started just now

    run_worker()
    assert len(smtp.to(STAFF_TO)) == 1  # the abandoned one, sent
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.SUCCESSFUL
    assert DBTaskResult.objects.get(pk=recent.id).status == TaskResultStatus.RUNNING
