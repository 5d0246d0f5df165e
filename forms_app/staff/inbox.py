"""The staff inbox ("Henvendelser"): list, detail, status, legal hold, policy as it was
(notes and the assignee: :mod:`.notes`, their forms in :mod:`.casework`).

Every view starts from :func:`forms_app.permissions.submissions_for`, so a user only ever reaches
submissions of the sites where they hold the permission: hiding menus is not the protection.
"""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import Column, StatusFlagColumn, TitleColumn
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets import HeaderButton
from wagtail.models import Revision

from ..models import FormSubmission, LegalHoldCategory, StaffAction, SubmissionStatus
from ..normalise import normalise_email, normalise_phone
from ..permissions import CHANGE, DELETE, EXPORT, VIEW, submissions_for, user_can
from ..permissions import submission_permission_policy as policy
from .casework import AssignForm, NoteForm, can_delete_note, reference_for
from .export import EXPORT_MENU
from .queries import DEFAULT_ORDERING, SEARCH_PARAM, SubmissionFilter, search


class InboxView(IndexView):
    """The listing, on Wagtail's generic admin listing: sorting, pagination, search, filters
    and results-only refresh come from Wagtail, the query from :mod:`.queries`."""

    model = FormSubmission
    permission_policy = policy
    permission_required = VIEW
    any_permission_required = None
    filterset_class = SubmissionFilter
    search_fields = ["search_key"]  # for Wagtail's search box; the query is ours (search())
    search_backend_name = None
    search_kwarg = SEARCH_PARAM
    index_url_name = "henvendelser:inbox"
    index_results_url_name = "henvendelser:inbox_results"
    page_title = gettext_lazy("Submissions")
    header_icon = "mail"
    paginate_by = 50
    default_ordering = DEFAULT_ORDERING  # the sortable columns are queries.ORDERINGS
    all_columns = [
        TitleColumn(
            "submit_time",
            label=gettext_lazy("Received"),
            # One date format across the admin's pages and messages (the active language's).
            accessor=lambda s: formats.date_format(localtime(s.submit_time), "DATETIME_FORMAT"),
            url_name="henvendelser:detail",
            sort_key="submit_time",
        ),
        Column(
            "name", label=gettext_lazy("Name"), accessor=lambda s: s.name or "–", sort_key="name"
        ),
        Column("email", label=gettext_lazy("Email"), accessor=lambda s: s.email or "–"),
        Column("phone", label=gettext_lazy("Phone"), accessor=lambda s: s.phone or "–"),
        Column("page", label=gettext_lazy("Form"), accessor="page.title"),
        Column("site", label=gettext_lazy("Site"), accessor="site.site_name"),
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        Column(
            "assignee",
            label=gettext_lazy("Assignee"),
            accessor=lambda s: get_user_display_name(s.assignee) if s.assignee else "–",
        ),
        Column(
            "retain_until",
            label=gettext_lazy("Keep until"),
            accessor=lambda s: formats.date_format(s.retain_until, "DATE_FORMAT"),
            sort_key="retain_until",
        ),
        # A tag only where it applies: held submissions are never deleted automatically.
        StatusFlagColumn(
            "legal_hold", label=gettext_lazy("Legal hold"), true_label=gettext_lazy("legal hold")
        ),
        Column("photos", label=gettext_lazy("Photos"), accessor=lambda s: len(s.photos.all())),
    ]

    @cached_property
    def columns(self):
        # Staff of one company need no "Site" column; it is there for whoever sees several.
        if policy.sites_user_has_permission_for(self.request.user, VIEW).count() > 1:
            return self.all_columns
        return [column for column in self.all_columns if column.name != "site"]

    def get_base_queryset(self):
        return (
            submissions_for(self.request.user)
            .select_related("page", "site", "assignee")
            .prefetch_related("photos")
        )

    def search_queryset(self, queryset):
        return search(queryset, self.search_query)

    def order_queryset(self, queryset):
        # A stable order for pagination, whatever column is sorted.
        return super().order_queryset(queryset).order_by(*self.ordering_fields, "-pk")

    @property
    def ordering_fields(self):
        return [self.ordering] if isinstance(self.ordering, str) else list(self.ordering or [])

    @cached_property
    def header_buttons(self):
        """Exports of the current search, filter and sort, and the data-subject requests, in
        plain sight (Wagtail re-renders them when the results refresh)."""
        user = self.request.user
        query = self.request.GET.copy()
        for key in (self.page_kwarg, "_w_filter_fragment"):
            query.pop(key, None)
        buttons = []
        if policy.user_has_permission(user, EXPORT):
            export_url = reverse("henvendelser:export")
            for label, fmt in EXPORT_MENU:  # CSV, CSV for Danish Excel (semicolons), XLSX
                query["format"] = fmt
                buttons.append(
                    HeaderButton(
                        str(label), url=f"{export_url}?{query.urlencode()}", icon_name="download"
                    )
                )
        buttons.append(
            HeaderButton(
                _("Access request"), url=reverse("henvendelser:access_request"), icon_name="user"
            )
        )
        if policy.user_has_permission(user, DELETE):
            buttons.append(
                HeaderButton(
                    _("Erasure request"), url=reverse("henvendelser:erasure"), icon_name="bin"
                )
            )
        return buttons


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=SubmissionStatus.choices)


class LegalHoldForm(forms.Form):
    """A legal hold has two parts: the category the person is told (access report, with a
    standard sentence) and staff's own note, which stays internal."""

    category = forms.ChoiceField(
        label=gettext_lazy("What the person is told"),
        choices=[("", "---------"), *LegalHoldCategory.choices],
        required=True,
        help_text=gettext_lazy(
            "The person sees this category and its standard explanation in an access report."
        ),
        error_messages={"required": gettext_lazy("Choose what the person is told.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Internal note (staff only)"),
        max_length=255,
        required=True,
        help_text=gettext_lazy("Never shown to the person, not even in an access report."),
        error_messages={"required": gettext_lazy("Give a reason for the legal hold.")},
    )


def contact_kind(submission, value):
    """``"email"`` or ``"phone"`` for a field's value that is the submission's email or phone
    (the columns intake filled from the form's email and tel fields), else "": the detail page
    makes those ``mailto:`` and ``tel:`` links."""
    text = str(value or "").strip()
    if not text:
        return ""
    if submission.email and normalise_email(text) == submission.email:
        return "email"
    if submission.phone and normalise_phone(text) == submission.phone:
        return "phone"
    return ""


def detail(
    request,
    pk,
    *,
    status_form=None,
    hold_form=None,
    note_form=None,
    assign_form=None,
    status=200,
):
    submission = get_object_or_404(
        submissions_for(request.user).select_related("page", "site", "policy_page", "assignee"),
        pk=pk,
    )
    version, published_at = submission.policy_publication()
    can_change = user_can(request.user, CHANGE, submission.site)
    notes = list(submission.notes.all())
    for note in notes:
        note.can_delete = can_change and can_delete_note(request.user, note)
    return TemplateResponse(
        request,
        "forms_app/admin/detail.html",
        {
            "submission": submission,
            "reference": reference_for(submission),
            "fields": [
                (label, value, contact_kind(submission, value))
                for label, value in submission.labelled_fields()
            ],
            "assignee_name": get_user_display_name(submission.assignee)
            if submission.assignee
            else "",
            "notes": notes,
            "note_form": note_form or NoteForm(),
            "assign_form": assign_form
            or AssignForm(initial={"assignee": submission.assignee_id}, site=submission.site),
            "photos": submission.photos.all(),
            "policy_version": version,
            "policy_published_at": published_at,
            "status_form": status_form or StatusForm(initial={"status": submission.status}),
            "hold_form": hold_form or LegalHoldForm(),
            "can_change": can_change,
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
        % {
            "status": submission.get_status_display(),
            # The pages' own format ("26. november 2027"), not the date's ISO str().
            "date": formats.date_format(submission.retain_until, "DATE_FORMAT"),
        },
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
            submission.legal_hold_category = ""
            action = StaffAction.Action.LEGAL_HOLD_LIFTED
            message = _("The legal hold is lifted.")
        elif form.is_valid():
            submission.legal_hold = True
            submission.legal_hold_reason = form.cleaned_data["reason"]
            submission.legal_hold_category = form.cleaned_data["category"]
            action = StaffAction.Action.LEGAL_HOLD_SET
            message = _("The submission is on legal hold and will not be deleted automatically.")
        else:
            return detail(request, pk, hold_form=form, status=400)
        submission.save(update_fields=["legal_hold", "legal_hold_category", "legal_hold_reason"])
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
    # "historical": the template shows a banner saying this is the policy as it was, not now.
    policy.publication = {"version": version, "published_at": published_at, "historical": True}
    # Render as the public site would have, on its own hostname and settings.
    return policy.make_preview_request(request)
