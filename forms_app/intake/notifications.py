"""Mail about a submission: queued in its transaction, sent by the worker, retried on failure.

Staff get a link to the submission, not its content: personal data stays in the database
(and its access control), not in mailboxes. Log lines and task rows name the submission id
only.

Each company speaks as itself: the sender is the site's company (``CompanySettings``: its
name, and its email unless the form page names a from address), and every subject names the
company. Both mails give the submission's reference number, as the thank-you page does
(:func:`.thanks.reference_number`). The visitor's receipt, when the form page enables it,
holds the form's own fields as the visitor typed them, in plain text, and goes to one address
at most ``FORMS_RECEIPT_LIMIT`` times per ``FORMS_RECEIPT_LIMIT_WINDOW``
(:func:`.ratelimit.receipt_allowed`), because anyone can type anyone's address.

Delivery: :func:`queue_notifications` writes one django-tasks row per mail (the staff
notification; the receipt when the page enables it) inside the submission's own transaction,
so a stored submission always has its mail queued and a rolled-back one has none; the visitor's
request never talks to the mail server. The worker (``manage.py run_worker``) sends each mail
on its own. A failed send (refused, disconnected, or no answer within ``EMAIL_TIMEOUT``) is
queued again after ``FORMS_MAIL_RETRY_DELAYS`` (the last delay repeats) until
``FORMS_MAIL_MAX_ATTEMPTS``; then its row fails with :class:`NotificationGivenUp` and staff
of that submission's site see it under "E-mails, der ikke er sendt"
(:mod:`forms_app.staff.mail_failures`).
"""

import datetime
import logging
from email.headerregistry import Address

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from home.models import CompanySettings

from ..models import FormSubmission
from .ratelimit import receipt_allowed
from .thanks import reference_number, wants_receipt

logger = logging.getLogger(__name__)


def staff_recipients(page, company):
    addresses = [a.strip() for a in page.to_address.split(",") if a.strip()]
    if not addresses:
        addresses = [company.email] if company.email else []
    return addresses


def sender(page, company, site):
    """``"MIH El ApS" <kontakt@mihel.dk>``: the company's name and address, never another
    company's (``DEFAULT_FROM_EMAIL`` is the last resort, still under this company's name)."""
    address = page.from_address or company.email or settings.DEFAULT_FROM_EMAIL
    name = company.company_name or site.site_name
    if not name:
        return address
    # Address quotes the name as a header needs ("ApS, Roskilde" would otherwise be two).
    local, _at, domain = address.rpartition("@")
    return str(Address(display_name=one_line(name), username=local, domain=domain))


def admin_url(submission):
    path = reverse("henvendelser:detail", args=[submission.pk])
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def one_line(text):
    """A mail subject on one line: Django refuses a header with a newline in it."""
    return " ".join(text.splitlines()).strip()


def render_subject(template_name, context):
    """A subject from a template (templates end in a newline, as Django's own password-reset
    mail knows)."""
    return one_line(render_to_string(template_name, context))


def staff_subject(page, context):
    """The page's own subject with the company named, or ours (which names it already)."""
    subject = one_line(page.subject)
    if not subject:
        return render_subject("forms_app/email/staff_subject.txt", context)
    company = context["site_name"]
    return subject if not company or company in subject else f"{subject} – {company}"


def mail_context(submission):
    page = submission.page.specific
    site = submission.site
    company = CompanySettings.for_site(site)
    context = {
        "submission": submission,
        "page": page,
        # The company's name as its settings give it; the site's name for an unset one.
        "site_name": company.company_name or site.site_name,
        "admin_url": admin_url(submission),
        # The number the thank-you page showed: a visitor quoting it is found by the inbox search.
        "reference": reference_number(submission, company.company_name),
        "fields": submission.labelled_fields(),
    }
    return page, company, context, sender(page, company, site)


def send_staff_notification(submission):
    """Tell the form's staff addresses (a link, no personal data). Raises if the send fails;
    ``False`` when there is nobody to tell."""
    page, company, context, from_address = mail_context(submission)
    recipients = staff_recipients(page, company)
    if not recipients:
        return False
    send_mail(
        staff_subject(page, context),
        render_to_string("forms_app/email/staff_notification.txt", context),
        from_address,
        recipients,
    )
    return True


def send_receipt(submission):
    """The visitor's receipt, if the page enables it and the address is under its limit
    (counted once per submission, so a retry is not counted again). Raises if the send fails,
    or the cache cannot count (``CacheUnavailable``: retried like a failed send); ``False``
    when no receipt is due."""
    page, _company, context, from_address = mail_context(submission)
    if not wants_receipt(page, submission):
        return False
    if not receipt_allowed(submission.email, submission.pk):
        logger.warning("Receipt for submission %s skipped: address limit", submission.pk)
        return False
    send_mail(
        render_subject("forms_app/email/receipt_subject.txt", context),
        render_to_string("forms_app/email/receipt.txt", context),
        from_address,
        [submission.email],
    )
    return True


def send_notifications(submission):
    """Both mails now, in this process, a failure logged (ids only) and not retried: for the
    shell and tests. Submissions go through :func:`queue_notifications` and the worker."""
    for label, send in (
        ("Staff notification", send_staff_notification),
        ("Receipt", send_receipt),
    ):
        try:
            send(submission)
        except Exception as error:  # noqa: BLE001 - a mail failure must not lose the submission
            logger.error(
                "%s for submission %s failed: %s", label, submission.pk, type(error).__name__
            )


# The worker's side.


class NotificationFailed(Exception):
    """A send failed and is queued again (the task row's exception; ids only)."""


class NotificationGivenUp(NotificationFailed):
    """A send failed for the last time: listed for staff as mail that was not sent."""


def retry_delay(attempt):
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    delays = settings.FORMS_MAIL_RETRY_DELAYS or [60]
    return delays[min(attempt, len(delays)) - 1]


def deliver(label, send, retry_task, submission_id, attempt):
    submission = FormSubmission.objects.select_related("page", "site").filter(pk=submission_id)
    submission = submission.first()
    if submission is None:
        return "gone"  # erased or purged before its mail went out: nobody to tell
    try:
        sent = send(submission, attempt)
    except Exception as error:  # noqa: BLE001 - every failure is retried, none is lost
        error_name = type(error).__name__
        if attempt >= settings.FORMS_MAIL_MAX_ATTEMPTS:
            logger.error(
                "%s for submission %s failed: %s; given up after %s attempts",
                label,
                submission_id,
                error_name,
                attempt,
            )
            # "from None": the row's traceback must not carry the mail server's reply, which
            # can name the recipient.
            raise NotificationGivenUp(
                f"{label} for submission {submission_id}: {error_name}"
            ) from None
        delay = retry_delay(attempt)
        run_after = timezone.now() + datetime.timedelta(seconds=delay)
        retry_task.using(run_after=run_after).enqueue(submission_id, attempt=attempt + 1)
        logger.warning(
            "%s for submission %s failed: %s; attempt %s of %s, next in %s s",
            label,
            submission_id,
            error_name,
            attempt,
            settings.FORMS_MAIL_MAX_ATTEMPTS,
            delay,
        )
        raise NotificationFailed(f"{label} for submission {submission_id}: {error_name}") from None
    return "sent" if sent else "not due"


@task()
def staff_notification_task(submission_id, attempt=1):
    return deliver(
        "Staff notification",
        lambda submission, _attempt: send_staff_notification(submission),
        staff_notification_task,
        submission_id,
        attempt,
    )


@task()
def receipt_task(submission_id, attempt=1):
    return deliver(
        "Receipt",
        lambda submission, _attempt: send_receipt(submission),
        receipt_task,
        submission_id,
        attempt,
    )


MAIL_TASKS = {
    staff_notification_task.module_path: _("Staff notification"),
    receipt_task.module_path: _("Receipt"),
}


def queue_notifications(page, submission):
    """Queue the staff notification, and the receipt when the page enables it, in the
    caller's transaction (django-tasks' database backend writes the row at once)."""
    staff_notification_task.enqueue(submission.pk)
    if wants_receipt(page, submission):
        receipt_task.enqueue(submission.pk)
