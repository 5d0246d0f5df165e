"""Reports → Access review: the sites, each site's report (HTML, CSV, XLSX) and its sign-off.

Superusers only. A per-site permission was considered (a ``GroupSitePermission`` on
``AccessReview``, as company settings have) and not chosen: the report names every superuser
and every group of the install, and whoever signs off must be able to act on it (remove a
user from a group, deactivate an account), which in this install only superusers can
(``setup_sites`` grants no user or group management). Everyone else is refused with
Wagtail's ``permission_denied`` and does not see the menu item.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn, StatusFlagColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies.base import BasePermissionPolicy

from forms_app.staff.export import neutralise

from . import access_review
from .models import NOTE_MAX_LENGTH, AccessReview

INDEX_URL_NAME = "compliance_access_review"
SITE_URL_NAME = "compliance_access_review_site"


class SuperuserOnlyPolicy(BasePermissionPolicy):
    """Active superusers may see and sign off access reviews; nothing to grant to a group."""

    actions = {"view", "add"}

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.is_superuser and action in self.actions)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


permission_policy = SuperuserOnlyPolicy(AccessReview)


def _days_ago(moment):
    days = access_review.days_since(moment)
    return "" if days is None else days


def flag_text(row):
    if row.never_logged_in:
        return gettext("Never logged in")
    if row.idle:
        return gettext("Idle for %(days)s days") % {"days": _days_ago(row.last_login)}
    return ""


def review_status(report):
    return gettext("Due") if report.review_due else gettext("Up to date")


class AccessReviewIndexView(ReportView):
    """Every site the user may review, with its last sign-off and whether a review is due."""

    page_title = _("Access review")
    header_icon = "key"
    template_name = "compliance/access_review_index.html"
    permission_policy = permission_policy
    permission_required = "view"
    paginate_by = None

    columns = [
        TitleColumn(
            "site",
            label=_("Site"),
            accessor="site.site_name",
            get_url=lambda report: reverse(SITE_URL_NAME, args=[report.site.pk]),
        ),
        Column("users", label=_("Users with access"), accessor=lambda r: len(r.rows)),
        Column("flagged", label=_("Idle or never logged in"), accessor="flagged_count"),
        DateColumn("last_review", label=_("Last signed off"), accessor="last_review.reviewed_at"),
        Column("reviewer", label=_("Signed off by"), accessor="last_review.reviewer_name"),
        Column("status", label=_("Yearly review"), accessor=review_status),
    ]

    def get_queryset(self):
        now = timezone.now()
        return [access_review.site_access(site, now) for site in self.sites]

    @cached_property
    def sites(self):
        return access_review.sites_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["idle_days"] = access_review.idle_days()
        context["interval_days"] = access_review.review_interval_days()
        return context

    @cached_property
    def show_export_buttons(self):
        return False


class SignOffForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("I have checked that every user listed needs this access"),
        error_messages={"required": _("Confirm that you have checked the list.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example what you changed, or why an account keeps its access."),
    )


def _text(value):
    return "" if value is None else value


class AccessReviewSiteView(ReportView):
    """One site's report: every user with a right, how they hold it, and the sign-off form.

    ``?export=csv`` (or ``xlsx``) downloads the same rows. CSV cells that a spreadsheet would
    read as a formula get the export pipeline's neutralisation (``forms_app.staff.export``);
    Wagtail's XLSX writes every text cell as text.
    """

    page_title = _("Access review")
    header_icon = "key"
    template_name = "compliance/access_review.html"
    permission_policy = permission_policy
    permission_required = "view"
    paginate_by = None

    @cached_property
    def site(self):
        return get_object_or_404(access_review.sites_for(self.request.user), pk=self.kwargs["pk"])

    @cached_property
    def report(self):
        return access_review.site_access(self.site)

    def get_page_subtitle(self):
        return self.site.site_name

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse(INDEX_URL_NAME), "label": _("Access review")},
            {"url": "", "label": self.site.site_name},
        ]

    @cached_property
    def header_title(self):
        return self.site.site_name

    @cached_property
    def columns(self):
        return [
            Column("username", label=_("Username"), accessor="username"),
            Column("full_name", label=_("Name"), accessor="full_name"),
            StatusFlagColumn(
                "is_active",
                label=_("Account"),
                accessor="is_active",
                true_label=_("Active"),
                false_label=_("Inactive"),
            ),
            DateColumn("last_login", label=_("Last login"), accessor="last_login"),
            Column("flag", label=_("Flag"), accessor=flag_text),
            *[
                Column(
                    capability.key,
                    label=capability.label,
                    accessor=lambda row, capability=capability: row.sources_text(capability),
                )
                for capability in access_review.CAPABILITIES
            ],
        ]

    def get_queryset(self):
        return self.report.rows

    def get_filename(self):
        return f"adgangsgennemgang-{self.site.root_page.slug}-{timezone.localdate():%Y-%m-%d}"

    @cached_property
    def list_export(self):
        return [
            "site",
            "username",
            "full_name",
            "email",
            "is_active",
            "last_login",
            "flag",
            *[capability.key for capability in access_review.CAPABILITIES],
        ]

    @cached_property
    def export_headings(self):
        return {
            "site": _("Site"),
            "username": _("Username"),
            "full_name": _("Name"),
            "email": _("Email"),
            "is_active": _("Active"),
            "last_login": _("Last login"),
            "flag": _("Flag"),
            **{capability.key: capability.label for capability in access_review.CAPABILITIES},
        }

    def to_row_dict(self, row):
        return {
            "site": self.site.site_name,
            "username": row.username,
            "full_name": row.full_name,
            "email": row.email,
            "is_active": gettext("Yes") if row.is_active else gettext("No"),
            "last_login": (
                timezone.localtime(row.last_login).strftime("%Y-%m-%d %H:%M")
                if row.last_login
                else ""
            ),
            "flag": flag_text(row),
            **{
                capability.key: row.sources_text(capability)
                for capability in access_review.CAPABILITIES
            },
        }

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, _text(value), export_format)
        return neutralise(value) if export_format == self.FORMAT_CSV else value

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            report=self.report,
            site=self.site,
            capabilities=access_review.CAPABILITIES,
            sign_off_form=getattr(self, "sign_off_form", None) or SignOffForm(),
            can_sign_off=permission_policy.user_has_permission(self.request.user, "add"),
            idle_days=access_review.idle_days(),
            interval_days=access_review.review_interval_days(),
            reviews=AccessReview.objects.filter(site=self.site)[:10],
        )
        return context

    def post(self, request, *args, **kwargs):
        if not permission_policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        form = SignOffForm(request.POST)
        if not form.is_valid():
            self.sign_off_form = form
            messages.error(request, gettext("The review was not signed off."))
            return self.get(request, *args, **kwargs)
        access_review.sign_off(self.site, request.user, form.cleaned_data["note"])
        messages.success(
            request,
            gettext("The access review of %(site)s is signed off.")
            % {"site": self.site.site_name},
        )
        return redirect(SITE_URL_NAME, self.site.pk)
