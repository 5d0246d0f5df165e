"""The inbox's search and filters, shared by the listing and the exports (an export is "the
current filter").

Every query starts from :func:`forms_app.permissions.submissions_for`, so a filter can only
narrow what the user may see, never widen it.
"""

import re

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.utils import get_user_display_name
from wagtail.models import Site

from home.models import CompanySettings

from ..intake.thanks import reference_prefix
from ..models import FormPage, FormSubmission, SubmissionStatus
from ..normalise import normalise_email, normalise_phone
from ..permissions import VIEW, form_pages_for, sites_user_can, submissions_for
from ..permissions import submission_permission_policy as policy

SEARCH_PARAM = "q"
SEARCH_MAX_LENGTH = 100
# The orders the inbox offers (its sortable columns); an export keeps the one chosen.
ORDERINGS = {"submit_time", "name", "retain_until"}
DEFAULT_ORDERING = "-submit_time"
# The assignee filter's own choices (besides one per colleague, by user id).
ASSIGNED_TO_ME = "me"
UNASSIGNED = "none"
# A reference number as staff may type it: "VVS-2026-00042", "vvs-2026-42", "2026-42",
# "#42" or "42" (intake/thanks.py makes them: company prefix, year received, submission id).
REFERENCE = re.compile(
    r"^#?(?:(?P<prefix>[A-ZÆØÅ0-9]{1,8})-)??(?:(?P<year>\d{4})-)?(?P<pk>\d{1,12})$", re.IGNORECASE
)


def reference_query(value):
    """``Q`` for the submission a reference number names, or None if ``value`` is not one.

    The id decides; a year or company prefix, when typed, must match too (a VVS reference
    does not find the El submission with the same id). The caller's queryset keeps this
    within the user's own sites.
    """
    found = REFERENCE.match(value.replace(" ", ""))
    if not found:
        return None
    query = Q(pk=int(found["pk"]))
    if found["year"]:
        query &= Q(submit_time__year=int(found["year"]))  # in the current (Danish) time zone
    if found["prefix"]:
        prefix = found["prefix"].upper()
        companies = CompanySettings.objects.values_list("site_id", "company_name")
        query &= Q(
            site_id__in=[site for site, name in companies if reference_prefix(name) == prefix]
        )
    return query


def search(queryset, value):
    """Submissions whose name, email or phone contains ``value``, however it is spelt, or
    whose reference number it is (:func:`reference_query`).

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
    reference = reference_query(value)
    if reference is not None:
        query |= reference
    return queryset.filter(query)


def assignable_users(sites):
    """The active users who may read the submissions of any of ``sites`` (superusers
    included): the assignee filter's colleagues."""
    ids = set()
    for site in sites:
        ids |= set(users_for_site(site).values_list("pk", flat=True))
    return (
        get_user_model().objects.filter(pk__in=ids).order_by("first_name", "last_name", "username")
    )


def users_for_site(site):
    """The active users who may read ``site``'s submissions: who a submission of that site
    can be assigned to."""
    return (
        policy.users_with_any_permission_for_instance([VIEW], site)
        .filter(is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class SiteChoiceField(forms.ModelChoiceField):
    """A site by its name ("MIH VVS ApS"), not ``str(site)``'s "… [default]"."""

    def label_from_instance(self, obj):
        return obj.site_name or obj.hostname


class SiteFilter(django_filters.ModelChoiceFilter):
    field_class = SiteChoiceField


class SubmissionFilter(WagtailFilterSet):
    # empty_label: "Alle", not django-filter's "---------".
    site = SiteFilter(label=_("Site"), queryset=Site.objects.none(), empty_label=_("All"))
    page = django_filters.ModelChoiceFilter(
        label=_("Form"), queryset=FormPage.objects.none(), empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SubmissionStatus.choices, empty_label=_("All")
    )
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"), choices=[], empty_label=_("All"), method="filter_assignee"
    )
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
        empty_label=_("All"),
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
        # "Assigned to me", "Unassigned", then the colleagues who may read these sites.
        self.filters["assignee"].extra["choices"] = [
            (ASSIGNED_TO_ME, _("Assigned to me")),
            (UNASSIGNED, _("Unassigned")),
            *(
                (str(user.pk), get_user_display_name(user))
                for user in assignable_users(self.filters["site"].queryset)
            ),
        ]

    def filter_legal_hold(self, queryset, name, value):
        return queryset.filter(legal_hold=value == "true")

    def filter_assignee(self, queryset, name, value):
        if value == ASSIGNED_TO_ME:
            return queryset.filter(assignee=self.request.user)
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value))


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
