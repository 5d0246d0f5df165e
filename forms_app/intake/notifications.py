"""Mail sent after a submission is committed. A failure is logged and never loses data.

Staff get a link to the submission, not its content: personal data stays in the database
(and its access control), not in mailboxes. Log lines name the submission id only.

Each company speaks as itself: the sender is the site's company (``CompanySettings``: its
name, and its email unless the form page names a from address), and every subject names the
company. The visitor's receipt, when the form page enables it, holds the form's own fields as
the visitor typed them, in plain text, and goes to one address at most ``FORMS_RECEIPT_LIMIT``
times per ``FORMS_RECEIPT_LIMIT_WINDOW`` (:func:`.ratelimit.receipt_allowed`), because anyone
can type anyone's address.
"""

import logging
from email.headerregistry import Address

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from home.models import CompanySettings

from .ratelimit import receipt_allowed

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


def send_notifications(submission):
    page = submission.page.specific
    site = submission.site
    company = CompanySettings.for_site(site)
    context = {
        "submission": submission,
        "page": page,
        # The company's name as its settings give it; the site's name for an unset one.
        "site_name": company.company_name or site.site_name,
        "admin_url": admin_url(submission),
        "fields": submission.labelled_fields(),
    }
    from_address = sender(page, company, site)
    recipients = staff_recipients(page, company)
    if recipients:
        try:
            send_mail(
                staff_subject(page, context),
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
    if not (page.send_receipt and submission.email):
        return
    if not receipt_allowed(submission.email):
        logger.warning("Receipt for submission %s skipped: address limit", submission.pk)
        return
    try:
        send_mail(
            render_subject("forms_app/email/receipt_subject.txt", context),
            render_to_string("forms_app/email/receipt.txt", context),
            from_address,
            [submission.email],
        )
    except Exception as error:  # noqa: BLE001 - as above, for the receipt
        logger.error("Receipt for submission %s failed: %s", submission.pk, type(error).__name__)
