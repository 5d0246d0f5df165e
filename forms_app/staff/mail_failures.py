"""The "E-mails, der ikke er sendt" report: mail the worker is retrying or has given up on.

The worker's task rows (:mod:`forms_app.intake.notifications`) name a submission id only;
this view shows a row to a user only when that user may see the submission
(:func:`..permissions.submissions_for`), so staff of one company never learn anything about
the other's. It lists the receipt or staff notification, the submission (received, form,
site, a link to it), how many attempts were made and what happens next; nobody's personal data.
A user who may change the site's submissions can send a given-up mail again.

The same query feeds the dashboard panel (:mod:`forms_app.wagtail_hooks`), which shows only
when something was given up, so an office worker sees it on logging in.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tasks import TaskResultStatus
from django_tasks.utils import get_module_path
from django_tasks_db.models import DBTaskResult

from ..intake.notifications import MAIL_TASKS, NotificationGivenUp
from ..models import FormSubmission
from ..permissions import CHANGE, require_any_site, submissions_for, user_can

GIVEN_UP = get_module_path(NotificationGivenUp)


@dataclass
class UnsentMail:
    row: DBTaskResult
    submission: FormSubmission
    kind: str
    attempts: int
    given_up: bool
    next_attempt: datetime | None


def unsent_rows():
    """Task rows of mail given up on, or waiting for another attempt."""
    return DBTaskResult.objects.filter(task_path__in=list(MAIL_TASKS)).filter(
        Q(status=TaskResultStatus.FAILED, exception_class_path=GIVEN_UP)
        | Q(status=TaskResultStatus.READY, args_kwargs__kwargs__attempt__gt=1)
    )


def submission_id(row):
    args = row.args_kwargs.get("args") or [None]
    return args[0]


def unsent_mail(user, given_up_only=False):
    """What ``user`` may see, newest first."""
    rows = unsent_rows()
    if given_up_only:
        rows = rows.filter(status=TaskResultStatus.FAILED)
    rows = list(rows.order_by("-enqueued_at"))
    ids = {submission_id(row) for row in rows}
    visible = {
        submission.pk: submission
        for submission in submissions_for(user)
        .filter(pk__in=[i for i in ids if isinstance(i, int)])
        .select_related("page", "site")
    }
    found = []
    for row in rows:
        submission = visible.get(submission_id(row))
        if submission is None:
            continue  # another company's, or erased since
        attempt = row.args_kwargs.get("kwargs", {}).get("attempt", 1)
        given_up = row.status == TaskResultStatus.FAILED
        found.append(
            UnsentMail(
                row=row,
                submission=submission,
                kind=MAIL_TASKS[row.task_path],
                attempts=attempt if given_up else attempt - 1,
                given_up=given_up,
                next_attempt=None if given_up else row.run_after,
            )
        )
    return found


def unsent_mail_view(request):
    require_any_site(request.user)
    mails = unsent_mail(request.user)
    for mail in mails:
        mail.can_resend = mail.given_up and user_can(request.user, CHANGE, mail.submission.site)
    return TemplateResponse(
        request,
        "forms_app/admin/unsent_mail.html",
        {"mails": mails, "max_attempts": settings.FORMS_MAIL_MAX_ATTEMPTS},
    )


@require_POST
def resend(request, row_id):
    """Queue a given-up mail again (as a first attempt) and drop the given-up row."""
    with transaction.atomic():
        row = get_object_or_404(
            unsent_rows().filter(status=TaskResultStatus.FAILED).select_for_update(), pk=row_id
        )
        submission = get_object_or_404(
            submissions_for(request.user, CHANGE), pk=submission_id(row)
        )
        row.task.enqueue(submission.pk)
        row.delete()
    messages.success(request, _("The mail is queued and will be sent again shortly."))
    return redirect("henvendelser:unsent_mail")
