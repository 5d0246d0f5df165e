"""The inbox filters, shared by the listing and the exports (an export is "the current filter")."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from .models import FormPage, FormSubmission, SubmissionStatus
from .normalise import normalise_phone
from .permissions import VIEW, sites_user_can


def submissions_for(user, codename=VIEW):
    """The submissions ``user`` may act on with ``codename``: their own company's only."""
    return FormSubmission.objects.filter(site__in=sites_user_can(user, codename))


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
        sites = sites_user_can(user, VIEW)
        self.filters["site"].queryset = sites
        self.filters["page"].queryset = FormPage.objects.filter(
            pk__in=FormSubmission.objects.filter(site__in=sites).values("page_id")
        ).order_by("title")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q(search_key__contains=value.casefold())
        phone = normalise_phone(value)
        if phone and any(ch.isdigit() for ch in value):
            query |= Q(phone__contains=phone.lstrip("+"))
        return queryset.filter(query)


def filtered_submissions(request, codename=VIEW):
    """``(filterset, queryset)`` for the request's GET filters, limited to the user's sites."""
    filterset = SubmissionFilter(
        request.GET or None,
        queryset=submissions_for(request.user, codename).select_related("page", "site"),
        user=request.user,
    )
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, queryset.order_by("-submit_time", "-pk")
