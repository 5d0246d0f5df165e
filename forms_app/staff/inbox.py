"""The staff inbox ("Henvendelser"): list, detail, status, legal hold, policy as it was.

Every view starts from :func:`forms_app.permissions.submissions_for`, so a user only ever reaches
submissions of the sites where they hold the permission: hiding menus is not the protection.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.models import Revision

from ..models import StaffAction, SubmissionStatus
from ..permissions import CHANGE, DELETE, EXPORT, require_any_site, submissions_for, user_can
from ..permissions import submission_permission_policy as policy
from .queries import filtered_submissions

PAGE_SIZE = 50


def inbox(request):
    require_any_site(request.user)
    filterset, submissions = filtered_submissions(request)
    page = Paginator(submissions.prefetch_related("photos"), PAGE_SIZE).get_page(
        request.GET.get("p")
    )
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "forms_app/admin/inbox.html",
        {
            "filterset": filterset,
            "page_obj": page,
            "query": query.urlencode(),
            "can_export": policy.user_has_permission(request.user, EXPORT),
            "can_delete": policy.user_has_permission(request.user, DELETE),
        },
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=SubmissionStatus.choices)


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the legal hold"),
        max_length=255,
        required=True,
        error_messages={"required": gettext_lazy("Give a reason for the legal hold.")},
    )


def detail(request, pk, *, status_form=None, hold_form=None, status=200):
    submission = get_object_or_404(
        submissions_for(request.user).select_related("page", "site", "policy_page"), pk=pk
    )
    version, published_at = submission.policy_publication()
    return TemplateResponse(
        request,
        "forms_app/admin/detail.html",
        {
            "submission": submission,
            "fields": submission.labelled_fields(),
            "photos": submission.photos.all(),
            "policy_version": version,
            "policy_published_at": published_at,
            "status_form": status_form or StatusForm(initial={"status": submission.status}),
            "hold_form": hold_form or LegalHoldForm(),
            "can_change": user_can(request.user, CHANGE, submission.site),
        },
        status=status,
    )


def changeable(request, pk):
    return get_object_or_404(
        submissions_for(request.user, CHANGE).select_for_update().select_related("page"), pk=pk
    )


@require_POST
def change_status(request, pk):
    form = StatusForm(request.POST)
    with transaction.atomic():
        submission = changeable(request, pk)
        if not form.is_valid():
            return detail(request, pk, status_form=form, status=400)
        submission.set_status(form.cleaned_data["status"])
        submission.save()
        StaffAction.record(
            StaffAction.Action.STATUS_CHANGE,
            user=request.user,
            site=submission.site,
            count=1,
            detail=submission.status,
        )
    messages.success(
        request,
        _("Status changed to %(status)s. Keep until %(date)s.")
        % {"status": submission.get_status_display(), "date": submission.retain_until},
    )
    return redirect("henvendelser:detail", pk=pk)


@require_POST
def legal_hold(request, pk):
    lift = request.POST.get("action") == "lift"
    form = LegalHoldForm(request.POST)
    with transaction.atomic():
        submission = changeable(request, pk)
        if lift:
            submission.legal_hold, submission.legal_hold_reason = False, ""
            action = StaffAction.Action.LEGAL_HOLD_LIFTED
            message = _("The legal hold is lifted.")
        elif form.is_valid():
            submission.legal_hold = True
            submission.legal_hold_reason = form.cleaned_data["reason"]
            action = StaffAction.Action.LEGAL_HOLD_SET
            message = _("The submission is on legal hold and will not be deleted automatically.")
        else:
            return detail(request, pk, hold_form=form, status=400)
        submission.save(update_fields=["legal_hold", "legal_hold_reason"])
        StaffAction.record(action, user=request.user, site=submission.site, count=1)
    messages.success(request, message)
    return redirect("henvendelser:detail", pk=pk)


def policy_as_it_was(request, pk):
    """The privacy policy exactly as the visitor saw it when they gave consent."""
    submission = get_object_or_404(submissions_for(request.user), pk=pk)
    if not (submission.policy_page_id and submission.policy_revision_id):
        raise Http404  # no policy was linked: nothing to show (the detail page offers no link)
    revision = get_object_or_404(Revision.page_revisions, pk=submission.policy_revision_id)
    policy = revision.as_object()
    version, published_at = submission.policy_publication()
    policy.publication = {"version": version, "published_at": published_at}
    # Render as the public site would have, on its own hostname and settings.
    return policy.make_preview_request(request)
