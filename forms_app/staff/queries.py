"""The inbox filters, shared by the listing and the exports (an export is "the current filter").

Every query starts from :func:`forms_app.permissions.submissions_for`, so a filter can only
narrow what the user may see, never widen it.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from ..models import FormPage, FormSubmission, SubmissionStatus
from ..normalise import normalise_phone
from ..permissions import VIEW, form_pages_for, sites_user_can, submissions_for


class SubmissionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search name, email or phone"), method="search", max_length=100
    )
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
    legal_hold = django_filters.BooleanFilter(
        label=_("Legal hold"),
        widget=forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = FormSubmission
        fields = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        self.user = user
        super().__init__(data, queryset=queryset, **kwargs)
        self.filters["site"].queryset = sites_user_can(user, VIEW)
        self.filters["page"].queryset = form_pages_for(user, VIEW).order_by("title")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q(search_key__contains=value.casefold())
        phone = normalise_phone(value)
        if phone and any(ch.isdigit() for ch in value):
            query |= Q(phone__contains=phone.lstrip("+"))
        return queryset.filter(query)


def filtered_submissions(request, action=VIEW):
    """``(filterset, queryset)`` for the request's GET filters, limited to the user's sites."""
    filterset = SubmissionFilter(
        request.GET or None,
        queryset=submissions_for(request.user, action).select_related("page", "site"),
        user=request.user,
    )
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, queryset.order_by("-submit_time", "-pk")
