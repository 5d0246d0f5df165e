"""Who may see which company's submissions.

Submission permissions are scoped to a site with Wagtail's ``GroupSitePermission`` (the same
mechanism as site settings): the group "MIH VVS kundeservice" holds ``view_formsubmission``
on the MIH VVS site only. Superusers see everything; nobody else sees anything by default.
"""

from wagtail.models import Site

VIEW = "view_formsubmission"
CHANGE = "change_formsubmission"
DELETE = "delete_formsubmission"
EXPORT = "export_formsubmission"
STAFF_PERMISSIONS = [VIEW, CHANGE, DELETE, EXPORT]


def sites_user_can(user, codename):
    """The sites on which ``user`` holds the submission permission ``codename``."""
    if not (user and user.is_active and user.is_authenticated):
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(
        group_permissions__group__user=user,
        group_permissions__permission__content_type__app_label="forms_app",
        group_permissions__permission__codename=codename,
    ).distinct()


def user_can(user, codename, site):
    return site is not None and sites_user_can(user, codename).filter(pk=site.pk).exists()
