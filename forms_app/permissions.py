"""Who may see which company's submissions: Wagtail's ``SitePermissionPolicy``, registered for
``FormSubmission`` (as Wagtail's site settings use it). Every staff surface asks this policy.

Submission permissions are granted per site with ``GroupSitePermission``: the group "MIH VVS
kundeservice" holds ``view_formsubmission`` (and change, delete, export) on the MIH VVS site
only. Superusers may do everything; nobody else anything by default.

**A global permission means every site.** A user or group holding ``view_formsubmission``
(or another submission permission) as a plain Django permission, not tied to a site, holds it
on every site, exactly as Wagtail treats site settings. Only the developer's Django shell can
grant one (Wagtail's group editor offers no global submission permissions, and ``setup_sites``
never grants them); ``tests/forms_app/test_permission_matrix.py`` proves the staff and editor
groups hold none.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from wagtail.permission_policies.sites import SitePermissionPolicy

from home.sites import site_roots

from .models import FormPage, FormSubmission

# The actions of the policy; each is the permission "<action>_formsubmission".
VIEW = "view"
CHANGE = "change"
DELETE = "delete"
EXPORT = "export"
ACTIONS = [VIEW, CHANGE, DELETE, EXPORT]
STAFF_PERMISSIONS = [f"{action}_formsubmission" for action in ACTIONS]


class SubmissionPermissionPolicy(SitePermissionPolicy):
    """Wagtail's policy, asking Django's own content-type cache each time instead of keeping
    the content type for the life of the process: a test that empties the database (and so
    renumbers content types) must not leave this module-level policy pointing at a stale one.
    """

    @property
    def _content_type(self):
        return ContentType.objects.get_for_model(self.auth_model)


submission_permission_policy = SubmissionPermissionPolicy(FormSubmission, site_field_name="site")


def sites_user_can(user, action):
    """The sites on which ``user`` may perform ``action`` on submissions."""
    return submission_permission_policy.sites_user_has_permission_for(user, action)


def user_can(user, action, site):
    """Whether ``user`` may perform ``action`` on the submissions of ``site``."""
    return site is not None and submission_permission_policy.user_has_permission_for_instance(
        user, action, site
    )


def submissions_for(user, action=VIEW):
    """The submissions ``user`` may perform ``action`` on: their own company's only."""
    return submission_permission_policy.instances_user_has_permission_for(user, action)


def require_any_site(user, action=VIEW):
    """Refuse (``PermissionDenied``) a user who may perform ``action`` on no site at all."""
    if not submission_permission_policy.user_has_permission(user, action):
        raise PermissionDenied


def pages_on_sites_q(sites):
    """``Q`` for the pages in the trees of ``sites``, in every language (the English home is a
    sibling of the Danish one, not below it)."""
    query = Q(pk__in=[])
    for site in sites.select_related("root_page"):
        for root in site_roots(site):
            query |= Q(path__startswith=root.path)
    return query


def form_pages_for(user, action=VIEW):
    """The form pages on the sites where ``user`` may perform ``action`` on submissions."""
    return FormPage.objects.filter(pages_on_sites_q(sites_user_can(user, action)))
