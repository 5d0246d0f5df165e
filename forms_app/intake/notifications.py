"""Mail sent after a submission is committed. A failure is logged and never loses data.

Staff get a link to the submission, not its content: personal data stays in the database
(and its access control), not in mailboxes. Log lines name the submission id only.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from home.models import CompanySettings

logger = logging.getLogger(__name__)


def staff_recipients(page):
    addresses = [a.strip() for a in page.to_address.split(",") if a.strip()]
    if not addresses:
        company_email = CompanySettings.for_site(page.get_site()).email
        addresses = [company_email] if company_email else []
    return addresses


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


def send_notifications(submission):
    page = submission.page.specific
    context = {
        "submission": submission,
        "page": page,
        "site_name": submission.site.site_name,
        "admin_url": admin_url(submission),
        "fields": submission.labelled_fields(),
    }
    from_address = page.from_address or settings.DEFAULT_FROM_EMAIL
    recipients = staff_recipients(page)
    if recipients:
        try:
            send_mail(
                one_line(page.subject)
                or render_subject("forms_app/email/staff_subject.txt", context),
                render_to_string("forms_app/email/staff_notification.txt", context),
                from_address,
                recipients,
            )
        except Exception as error:  # noqa: BLE001 - any mail failure must not lose the submission
            logger.error(
                "Staff notification for submission %s failed: %s",
                submission.pk,
                type(error).__name__,
            )
    if page.send_receipt and submission.email:
        try:
            send_mail(
                render_subject("forms_app/email/receipt_subject.txt", context),
                render_to_string("forms_app/email/receipt.txt", context),
                from_address,
                [submission.email],
            )
        except Exception as error:  # noqa: BLE001 - as above, for the receipt
            logger.error(
                "Receipt for submission %s failed: %s", submission.pk, type(error).__name__
            )
