from django.db.models import Q
from django.templatetags.static import static
from django.urls import include, path, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .permissions import VIEW, sites_user_can


@hooks.register("filter_form_submissions_for_user")
def only_forms_on_sites_with_submission_permission(user, editable_forms):
    """Editing a form page is not enough to read what visitors sent through it.

    Wagtail's own submissions list and export only show form pages on sites where the user
    holds ``view_formsubmission`` (granted per site through ``GroupSitePermission``).
    """
    if user.is_superuser:
        return editable_forms
    query = Q(pk__in=[])
    for site in sites_user_can(user, VIEW).select_related("root_page"):
        # Every language's tree of the site: the English home is a sibling of the Danish one.
        for root in site.root_page.get_translations(inclusive=True):
            query |= Q(path__startswith=root.path)
    return editable_forms.filter(query)


@hooks.register("register_admin_urls")
def register_inbox_urls():
    return [path("henvendelser/", include("forms_app.admin_urls", namespace="henvendelser"))]


class InboxMenuItem(MenuItem):
    def is_shown(self, request):
        return sites_user_can(request.user, VIEW).exists()


@hooks.register("register_admin_menu_item")
def register_inbox_menu_item():
    return InboxMenuItem(
        _("Submissions"), reverse_lazy("henvendelser:inbox"), icon_name="mail", order=250
    )


@hooks.register("insert_global_admin_css")
def inbox_css():
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))
