"""Record of processing admin hooks: Reports → Record of processing, and its URLs.

``/admin/fortegnelse/`` lists the companies whose record the user may read (straight to it
when there is one); ``/admin/fortegnelse/<site id>/`` is the printable record
(:mod:`compliance.record`).
"""

from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from forms_app.permissions import VIEW
from forms_app.permissions import submission_permission_policy as policy

from .record import record_index, record_view

urlpatterns = [
    path("", record_index, name="index"),
    path("<int:site_id>/", record_view, name="record"),
]


@hooks.register("register_admin_urls")
def register_record_urls():
    return [path("fortegnelse/", include((urlpatterns, "fortegnelse"), namespace="fortegnelse"))]


class RecordMenuItem(MenuItem):
    """Shown to superusers and to staff who may view some site's submissions."""

    def is_shown(self, request):
        return policy.user_has_permission(request.user, VIEW)


@hooks.register("register_reports_menu_item")
def register_record_menu_item():
    return RecordMenuItem(
        _("Record of processing"),
        reverse_lazy("fortegnelse:index"),
        name="record-of-processing",
        icon_name="doc-full",
        order=1310,
    )
