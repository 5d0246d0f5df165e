from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.models import Page, Site
from wagtail.permission_policies.pages import PagePermissionPolicy

from home.models import (
    POLICY_IN_USE_HOOK,
    SITE_COLLECTS_CONSENT_HOOK,
    CompanySettings,
    PrivacyPolicyPage,
    consent_refers_to,
)

from . import (
    antivirus_hooks,  # noqa: F401 - the virus scanner report's menu item and URL
    editor_hooks,  # noqa: F401 - editors see submission counts and links only with permission
)
from .models import FormPage, FormSubmission, SubmissionStatus
from .permissions import VIEW, pages_on_sites_q, sites_user_can, submissions_for
from .permissions import submission_permission_policy as policy
from .staff.mail_failures import unsent_mail
from .staff.queries import ASSIGNED_TO_ME


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


@hooks.register("register_reports_menu_item")
def register_unsent_mail_menu_item():
    return InboxMenuItem(
        _("Unsent mail"), reverse_lazy("henvendelser:unsent_mail"), icon_name="warning", order=900
    )


class UnsentMailPanel(Component):
    """On the dashboard, only when mail about the user's own sites was given up."""

    order = 50
    template_name = "forms_app/admin/unsent_mail_panel.html"

    def __init__(self, count):
        self.count = count

    def get_context_data(self, parent_context=None):
        return {"count": self.count}


@hooks.register("construct_homepage_panels")
def add_unsent_mail_panel(request, panels):
    if not policy.user_has_permission(request.user, VIEW):
        return
    count = len({m.row.pk for m in unsent_mail(request.user, given_up_only=True)})
    if count:
        panels.append(UnsentMailPanel(count))


# Staff land where the work is -----------------------------------------------------------------
#
# The dashboard is Wagtail's own, kept for everyone: a redirect would need middleware or a URL
# ahead of Wagtail's (its home view has no hook to answer with one), and would hide the
# dashboard's other panels (unsent mail) and the account summary. Instead, a casework panel
# comes first for whoever reads submissions, and for staff who edit no page it is the
# dashboard: Wagtail's page panels, page/image/document counts, page search, editors' help
# items and the translations report are taken away (Wagtail's own hooks below).


def edits_pages(user):
    """Whether ``user`` may add, edit or publish any page (Wagtail's page permissions)."""
    return PagePermissionPolicy().user_has_any_permission(user, {"add", "change", "publish"})


def staff_only(user):
    """Submission staff who edit no page: their admin is the inbox and its reports."""
    return policy.user_has_permission(user, VIEW) and not edits_pages(user)


def inbox_url(**params):
    return f"{reverse('henvendelser:inbox')}?{urlencode(params)}"


class CaseworkPanel(Component):
    """Per site the user reads: new and in-progress submissions, and those assigned to the
    user, each a link to the inbox filtered so. Two queries whatever the number of sites:
    the sites, and one grouped count."""

    name = "casework"
    order = 10  # first: before the unsent mail panel (50) and Wagtail's own (100 and up)
    template_name = "forms_app/admin/casework_panel.html"

    def __init__(self, user, *, only=False):
        self.user, self.only = user, only

    def get_context_data(self, parent_context=None):
        user = self.user
        sites = list(sites_user_can(user, VIEW).order_by("site_name", "hostname"))
        open_statuses = [SubmissionStatus.NEW, SubmissionStatus.IN_PROGRESS]
        counts = {}
        grouped = (
            submissions_for(user)
            .filter(Q(status__in=open_statuses) | Q(assignee=user))
            .order_by()
            .values("site_id", "status")
            .annotate(n=Count("pk"), mine=Count("pk", filter=Q(assignee=user)))
        )
        for row in grouped:
            site = counts.setdefault(row["site_id"], {"mine": 0})
            site[row["status"]] = row["n"]
            site["mine"] += row["mine"]
        rows = []
        for site in sites:
            found = counts.get(site.pk, {})
            rows.append(
                {
                    "site": site,
                    "links": [
                        (
                            label,
                            found.get(key, 0),
                            inbox_url(site=site.pk, **params),
                        )
                        for key, label, params in (
                            (SubmissionStatus.NEW, _("New"), {"status": SubmissionStatus.NEW}),
                            (
                                SubmissionStatus.IN_PROGRESS,
                                _("In progress"),
                                {"status": SubmissionStatus.IN_PROGRESS},
                            ),
                            ("mine", _("Assigned to me"), {"assignee": ASSIGNED_TO_ME}),
                        )
                    ],
                }
            )
        classname = "w-panel--dashboard casework-panel"
        if self.only:  # admin.css hides the dashboard's page search when this is all there is
            classname += " casework-panel--only"
        return {"rows": rows, "classname": classname, "inbox_url": reverse("henvendelser:inbox")}


@hooks.register("construct_homepage_panels")
def add_casework_panel(request, panels):
    if policy.user_has_permission(request.user, VIEW):
        panels.append(CaseworkPanel(request.user, only=staff_only(request.user)))


@hooks.register("construct_homepage_panels", order=100)  # after every app's panels are in
def only_casework_for_staff(request, panels):
    """Staff who edit no page see their work only (and the unsent mail warning)."""
    if staff_only(request.user):
        panels[:] = [p for p in panels if isinstance(p, (CaseworkPanel, UnsentMailPanel))]


@hooks.register("construct_homepage_summary_items")
def no_page_counts_for_staff(request, summary_items):
    """ "24 sider", images and documents: nothing staff who edit no page can open."""
    if staff_only(request.user):
        summary_items.clear()


# Help items for editors (Wagtail's release notes and editor guide, each a "new" badge).
EDITOR_HELP_ITEMS = ("whats-new-in-wagtail-", "editor-guide")


@hooks.register("construct_help_menu")
def no_editor_help_for_staff(request, menu_items):
    if staff_only(request.user):
        menu_items[:] = [
            item for item in menu_items if not item.name.startswith(EDITOR_HELP_ITEMS)
        ]


@hooks.register("construct_reports_menu")
def no_translations_report_without_pages(request, menu_items):
    """wagtail-localize's Translations report lists pages to translate: nothing for a user who
    edits no page (its menu item shows itself to everyone)."""
    if edits_pages(request.user):
        return
    try:
        report_url = reverse("wagtail_localize:translations_report")
    except NoReverseMatch:
        return
    menu_items[:] = [item for item in menu_items if str(item.url) != report_url]


@hooks.register("insert_global_admin_css")
def inbox_css():
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))


def refused_page_deletion(request, page):
    """Whether ``page`` must stay; if so, the user is told why.

    A form page with submissions, or a policy whose revisions prove someone's consent,
    cannot be deleted: the submissions must be erased or purged first.
    """
    pages = page.get_descendants(inclusive=True)
    referring = FormSubmission.objects.filter(Q(page__in=pages) | Q(policy_page__in=pages))
    if not referring.exists():
        return False
    messages.error(
        request,
        _(
            "“%(title)s” cannot be deleted: submissions refer to it or to a page below it "
            "(as their form, or as the privacy policy they consented to). They are deleted "
            "when their retention date has passed."
        )
        % {"title": page.specific_deferred.get_admin_display_title()},
    )
    return True


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


# The privacy policy cannot vanish under the forms ------------------------------------------
#
# A form's consent text links to its site's privacy policy, and every submission's proof names
# the policy it was given under. Unpublishing that policy, or moving it to another site, would
# leave forms collecting consent that links to a 404, and proofs pointing at a page the
# visitor can no longer read. Deleting it is refused above (while submissions refer to it).


@hooks.register(POLICY_IN_USE_HOOK)
def policy_in_use(privacy_policy):
    """Whether consent is given or was given under ``privacy_policy``: it (or a translation of
    it) is the ``CompanySettings.privacy_policy_page`` of a site with live form pages, or a
    submission's ``policy_page`` is this very page."""
    if FormSubmission.objects.filter(policy_page=privacy_policy).exists():
        return True
    site_ids = CompanySettings.objects.filter(
        privacy_policy_page__translation_key=privacy_policy.translation_key
    ).values("site_id")
    sites = Site.objects.filter(pk__in=site_ids)
    return sites.exists() and FormPage.objects.live().filter(pages_on_sites_q(sites)).exists()


@hooks.register(SITE_COLLECTS_CONSENT_HOOK)
def site_has_live_forms(site):
    """Whether ``site`` (in any language) has live form pages, which all ask for consent."""
    return (
        FormPage.objects.live().filter(pages_on_sites_q(Site.objects.filter(pk=site.pk))).exists()
    )


def policies_in_use(pages, with_descendants=False):
    """The privacy policies among ``pages`` (and below them, if ``with_descendants``) that
    consent refers to."""
    query = Q(pk__in=[page.pk for page in pages])
    if with_descendants:
        for page in pages:
            query |= Q(path__startswith=page.path)
    # Every answer of the hook: the forms' (above) and the cookie consent log's.
    return [
        policy for policy in PrivacyPolicyPage.objects.filter(query) if consent_refers_to(policy)
    ]


def refuse(request, policies, message):
    for privacy_policy in policies:
        messages.error(request, message % {"title": privacy_policy.get_admin_display_title()})
    return bool(policies)


UNPUBLISH_REFUSED = _(
    "The privacy policy “%(title)s” cannot be unpublished: the site's forms link to it, or "
    "submissions or visitors' cookie choices refer to it as the policy their consent was "
    "given under. Edit and publish it instead."
)
MOVE_REFUSED = _(
    "The privacy policy “%(title)s” cannot be moved to another site: the site's forms link "
    "to it, or submissions or visitors' cookie choices refer to it as the policy their "
    "consent was given under."
)


def moved_out_of_site(policies, destination):
    """The policies among ``policies`` that would land on another site below
    ``destination``."""
    site = destination.get_site()
    return [policy for policy in policies if site is None or policy.get_site() != site]


@hooks.register("before_unpublish_page")
def keep_policy_in_use_published(request, page):
    with_descendants = bool(request.POST.get("include_descendants"))
    if refuse(request, policies_in_use([page], with_descendants), UNPUBLISH_REFUSED):
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_move_page")
def keep_policy_in_use_on_its_site(request, page, destination):
    policies = moved_out_of_site(policies_in_use([page], with_descendants=True), destination)
    if refuse(request, policies, MOVE_REFUSED):
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_bulk_action")
def keep_policy_in_use_in_bulk(request, action_type, objects, action):
    """Wagtail's bulk unpublish and move skip the page hooks above. Nothing is done if any
    page is kept."""
    if action_type not in {"unpublish", "move"} or not issubclass(action.model, Page):
        return None
    options = action.cleaned_form.cleaned_data
    if action_type == "unpublish":
        policies = policies_in_use(objects, bool(options.get("include_descendants")))
        refused = refuse(request, policies, UNPUBLISH_REFUSED)
    else:
        policies = policies_in_use(objects, with_descendants=True)
        refused = refuse(request, moved_out_of_site(policies, options["chooser"]), MOVE_REFUSED)
    return redirect(action.next_url) if refused else None
