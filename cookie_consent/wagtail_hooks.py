"""Cookie consent admin hooks: Reports → "Cookie-samtykker" and its URL, and the privacy policy
revisions the consent log points at."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import Page, Revision

from forms_app.permissions import VIEW
from forms_app.permissions import submission_permission_policy as policy
from home.models import POLICY_IN_USE_HOOK

from .admin_views import URL_NAME, ConsentLogView
from .models import ConsentRecord


@hooks.register("register_admin_urls")
def register_consent_log_url():
    return [path("cookie-samtykker/", ConsentLogView.as_view(), name=URL_NAME)]


class ConsentLogMenuItem(MenuItem):
    """Shown to users who may see the submissions of at least one site (superusers: all)."""

    def is_shown(self, request):
        return policy.user_has_permission(request.user, VIEW)


@hooks.register("register_reports_menu_item")
def register_consent_log_menu_item():
    return ConsentLogMenuItem(
        _("Cookie consents"),
        reverse_lazy(URL_NAME),
        name="cookie-consents",
        icon_name="clipboard-list",
        order=920,
    )


# The policy revisions the log points at ------------------------------------------------------
#
# ``ConsentRecord.policy_revision`` is PROTECT: the proof of what a visitor was shown survives
# revision clean-ups, and the policy page itself must stay.


def consent_log_refers_to(pages):
    """Whether a consent log entry points at a revision of any of ``pages`` (a queryset)."""
    page_ids = [str(pk) for pk in pages.values_list("pk", flat=True)]
    revisions = Revision.page_revisions.filter(object_id__in=page_ids)
    return ConsentRecord.objects.filter(policy_revision__in=revisions).exists()


@hooks.register(POLICY_IN_USE_HOOK)
def policy_shown_with_cookie_choices(privacy_policy):
    """A privacy policy whose revisions cookie choices were made under is in use."""
    return consent_log_refers_to(Page.objects.filter(pk=privacy_policy.pk))


def refused_deletion(request, pages):
    if not consent_log_refers_to(pages):
        return False
    messages.error(
        request,
        _(
            "The page cannot be deleted: visitors' cookie choices refer to it or to a page "
            "below it (as the privacy policy they were shown). They are deleted when their "
            "retention period has passed."
        ),
    )
    return True


@hooks.register("before_delete_page")
def keep_policies_the_consent_log_refers_to(request, page):
    """Without this, deleting the page would end in a 500 (the log's protected key)."""
    if refused_deletion(request, page.get_descendants(inclusive=True)):
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_bulk_action")
def keep_policies_the_consent_log_refers_to_in_bulk(request, action_type, objects, action):
    """Wagtail's bulk page delete skips ``before_delete_page``. Nothing is deleted if any page
    is kept."""
    if action_type != "delete" or not issubclass(action.model, Page):
        return None
    for page in objects:
        if refused_deletion(request, page.get_descendants(inclusive=True)):
            return redirect(action.next_url)
    return None
