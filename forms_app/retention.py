"""How long what visitors send is kept, and why: the one place retention is decided.

Policy section 4 ("Hvor længe gemmer vi dine oplysninger") in code:

* an open case (new or in progress) is kept for its form page's ``retention_period`` from the
  day it arrived;
* a customer's data is kept while they are a customer, reviewed :data:`CUSTOMER_RETENTION`
  after the last status change;
* a closed case is kept :data:`CLOSED_RETENTION` more, so a mistaken close can be undone,
  and never longer than the open-case period;
* a legal hold keeps a submission whatever its date (:func:`expired_q` skips it).

Every submission stores the outcome (``retain_until``, ``retention_reason``) when it arrives
and whenever its status changes (``FormSubmission.set_status``); the daily purge
(:mod:`forms_app.purge`) deletes what :func:`expired_q` matches. docs/data-protection.md
describes the same rules for the client.

This module is a leaf: it imports no model, so models, intake and staff code all use it.
"""

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RetentionPeriod(models.IntegerChoices):
    """How long an open case is kept after it arrives, in months (an editor's choice per form)."""

    ONE_MONTH = 1, _("1 month")
    THREE_MONTHS = 3, _("3 months")
    SIX_MONTHS = 6, _("6 months")
    TWELVE_MONTHS = 12, _("12 months")
    TWENTY_FOUR_MONTHS = 24, _("24 months")
    THIRTY_SIX_MONTHS = 36, _("36 months")


class SubmissionStatus(models.TextChoices):
    """Where a case stands; the status decides which retention rule applies."""

    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    CUSTOMER = "customer", _("Customer")
    CLOSED = "closed", _("Closed")


# How long after the status changed a customer's or a closed case's data is kept.
CUSTOMER_RETENTION = relativedelta(months=24)
CLOSED_RETENTION = relativedelta(months=1)


def open_case_reason(form_page):
    """Why an open case of ``form_page`` is kept: the editor's reason, or one from the period."""
    return form_page.retention_reason or _(
        "Kept while the enquiry is handled, at most %(period)s after it arrived."
    ) % {"period": form_page.get_retention_period_display()}


def retention_for(form_page, status, *, received, changed):
    """``(retain_until, reason)`` for a submission of ``form_page`` in ``status``.

    ``received`` is when the submission arrived, ``changed`` when its status last changed.
    """
    received_date = timezone.localdate(received)
    changed_date = timezone.localdate(changed)
    open_until = received_date + relativedelta(months=form_page.retention_period)
    if status == SubmissionStatus.CUSTOMER:
        return changed_date + CUSTOMER_RETENTION, str(
            _("Customer: kept while the customer relationship lasts, reviewed after 2 years.")
        )
    if status == SubmissionStatus.CLOSED:
        until = min(open_until, changed_date + CLOSED_RETENTION)
        return until, str(_("Closed case: deleted one month after it was closed."))
    return open_until, str(open_case_reason(form_page))


def expired_q(today=None):
    """What the purge deletes: past its retention date and not on legal hold."""
    today = today or timezone.localdate()
    return models.Q(retain_until__lt=today, legal_hold=False)
