"""The inbox's search and filters, shared by the listing and the exports (an export is "the
current filter").

Every query starts from :func:`forms_app.permissions.submissions_for`, so a filter can only
narrow what the user may see, never widen it.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.models import Site

from ..models import FormPage, FormSubmission, SubmissionStatus
from ..normalise import normalise_email, normalise_phone
from ..permissions import VIEW, form_pages_for, sites_user_can, submissions_for

SEARCH_PARAM = "q"
SEARCH_MAX_LENGTH = 100
# The orders the inbox offers (its sortable columns); an export keeps the one chosen.
ORDERINGS = {"submit_time", "name", "retain_until"}
DEFAULT_ORDERING = "-submit_time"


def search(queryset, value):
    """Submissions whose name, email or phone contains ``value``, however it is spelt.

    ``search_key`` is case-folded (SQLite's LIKE folds ASCII only, so "ølgaard" would not find
    "Ølgaard" without it); a value with digits also matches the normalised phone, and a value
    with "@" the normalised email (a punycode domain finds the Unicode one stored).
    """
    value = (value or "").strip()[:SEARCH_MAX_LENGTH]
    if not value:
        return queryset
    query = Q(search_key__contains=value.casefold())
    if "@" in value:
        query |= Q(search_key__contains=normalise_email(value).casefold())
    phone = normalise_phone(value)
    if phone and any(ch.isdigit() for ch in value):
        query |= Q(phone__contains=phone.lstrip("+"))
    return queryset.filter(query)


class SubmissionFilter(WagtailFilterSet):
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=Site.objects.none())
    page = django_filters.ModelChoiceFilter(label=_("Form"), queryset=FormPage.objects.none())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SubmissionStatus.choices)
    submitted_from = django_filters.DateFilter(
        label=_("Received from"),
        field_name="submit_time",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    submitted_to = django_filters.DateFilter(
        label=_("Received to"),
        field_name="submit_time",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # Choices rather than a boolean, so Wagtail's active-filter pill reads "Ja"/"Nej".
    legal_hold = django_filters.ChoiceFilter(
        label=_("Legal hold"),
        choices=[("true", _("Yes")), ("false", _("No"))],
        method="filter_legal_hold",
    )

    class Meta:
        model = FormSubmission
        fields = []

    def __init__(self, data=None, queryset=None, *, request, **kwargs):
        super().__init__(data, queryset=queryset, request=request, **kwargs)
        # Choices are the user's own sites and forms only.
        self.filters["site"].queryset = sites_user_can(request.user, VIEW)
        self.filters["page"].queryset = form_pages_for(request.user, VIEW).order_by("title")

    def filter_legal_hold(self, queryset, name, value):
        return queryset.filter(legal_hold=value == "true")


def filtered_submissions(request, action=VIEW):
    """``(filterset, queryset)`` for the request's search and filters, on the sites where the
    user may perform ``action``; the export's query (the inbox listing builds the same one
    through Wagtail's listing view)."""
    base = submissions_for(request.user, action).select_related("page", "site")
    filterset = SubmissionFilter(request.GET or None, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    queryset = search(queryset, request.GET.get(SEARCH_PARAM))
    ordering = request.GET.get("ordering", DEFAULT_ORDERING)
    if ordering.lstrip("-") not in ORDERINGS:
        ordering = DEFAULT_ORDERING
    return filterset, queryset.order_by(ordering, "-pk")
