"""Wagtail's own submissions listing and export, adapted through its override point."""

from collections import OrderedDict

from django.db.models import Count
from django.utils.functional import cached_property
from wagtail.contrib.forms.views import SubmissionsListView as WagtailSubmissionsListView

from .export import neutralise, policy_versions
from .models import StaffAction


class SubmissionsListView(WagtailSubmissionsListView):
    """Wagtail's listing with our proof columns computed once per row, formula cells
    neutralised in its CSV/XLSX export, and every export audited with the exported count.
    """

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("policy_page")
            .annotate(photo_total=Count("photos"))
        )

    @cached_property
    def policy_versions(self):
        return policy_versions(self.get_base_queryset())

    def to_row_dict(self, item):
        # Wagtail asks get_data() once per column; once per row is enough.
        item.policy_versions = self.policy_versions
        data = item.get_data()
        return OrderedDict((field, data.get(field)) for field in self.list_export)

    def preprocess_field_value(self, field, value, export_format):
        return neutralise(super().preprocess_field_value(field, value, export_format))

    def render_to_response(self, context, **response_kwargs):
        if self.is_export:
            StaffAction.record(
                StaffAction.Action.EXPORT,
                user=self.request.user,
                site=self.form_page.get_site(),
                count=context["submissions"].count(),
                detail=f"admin-{self.request.GET.get('export')}"[:100],
            )
        return super().render_to_response(context, **response_kwargs)
