from django.db.models import Q
from wagtail import hooks

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
        query |= Q(path__startswith=site.root_page.path)
    return editable_forms.filter(query)
