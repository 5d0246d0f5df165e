from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import Page

from .models import FormSubmission
from .permissions import VIEW, pages_on_sites_q, sites_user_can
from .permissions import submission_permission_policy as policy


@hooks.register("filter_form_submissions_for_user")
def only_forms_on_sites_with_submission_permission(user, editable_forms):
    """Editing a form page is not enough to read what visitors sent through it.

    Wagtail's own submissions list and export only show form pages on sites where the user
    holds ``view_formsubmission`` (granted per site through ``GroupSitePermission``).
    """
    if user.is_superuser:
        return editable_forms
    return editable_forms.filter(pages_on_sites_q(sites_user_can(user, VIEW)))


class InboxMenuItem(MenuItem):
    """Shown to users who may see the submissions of at least one site (the staff URLs are
    mounted in cms/urls.py, see forms_app/staff/urls.py)."""

    def is_shown(self, request):
        return policy.user_has_permission(request.user, VIEW)


@hooks.register("register_admin_menu_item")
def register_inbox_menu_item():
    return InboxMenuItem(
        _("Submissions"), reverse_lazy("henvendelser:inbox"), icon_name="mail", order=250
    )


@hooks.register("insert_global_admin_css")
def inbox_css():
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))


def refused_page_deletion(request, page):
    """The message and redirect refusing to delete ``page``, or None if it may go.

    A form page with submissions, or a policy whose revisions prove someone's consent,
    cannot be deleted: the submissions must be erased or purged first.
    """
    pages = page.get_descendants(inclusive=True)
    referring = FormSubmission.objects.filter(Q(page__in=pages) | Q(policy_page__in=pages))
    if not referring.exists():
        return None
    messages.error(
        request,
        _(
            "“%(title)s” cannot be deleted: submissions refer to it or to a page below it "
            "(as their form, or as the privacy policy they consented to). They are deleted "
            "when their retention date has passed."
        )
        % {"title": page.specific_deferred.get_admin_display_title()},
    )
    return page


@hooks.register("before_delete_page")
def keep_pages_that_submissions_refer_to(request, page):
    if refused_page_deletion(request, page):
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_bulk_action")
def keep_pages_that_submissions_refer_to_in_bulk(request, action_type, objects, action):
    """Wagtail's bulk page delete skips ``before_delete_page``; without this it would end in
    a 500 (the submissions' protected foreign key). Nothing is deleted if any page is kept."""
    if action_type != "delete" or not issubclass(action.model, Page):
        return None
    refused = [page for page in objects if refused_page_deletion(request, page)]
    if refused:
        return redirect(action.next_url)
    return None
