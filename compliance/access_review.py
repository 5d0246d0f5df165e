"""Access review (policy section 6, "access only where needed"): who can do what on each site.

For every site the report lists each user who can

* view the site's submissions, export them, or delete and erase them (erasure requests need
  the delete permission): asked of ``forms_app.permissions.submission_permission_policy``,
  the ``SitePermissionPolicy`` every staff surface asks;
* edit or publish the site's privacy policy page (Danish and English): asked of Wagtail's
  ``PagePermissionTester`` (``page.permissions_for_user``), the check the page editor makes;
* change the site's ``CompanySettings``: asked of the permission policy Wagtail's settings
  registry registered for it (the one the Settings menu and edit view ask).

Whether a user holds a right is always the answer of that machinery, never worked out here.
What is worked out here is only *how* they hold it, for the reviewer to act on: superuser, a
group's grant on this site, a group's or the user's own global permission (a global
permission means every site), or a workflow task.

An inactive account can do nothing, but it is still listed with the rights it would have the
moment someone ticks "active" again (the machinery is asked about the same account marked
active, in memory only): an access review is where such dormant rights are found and removed.

Accounts that never logged in, or not within ``ACCESS_REVIEW_IDLE_DAYS`` (90), are flagged;
a site whose last sign-off is older than ``ACCESS_REVIEW_INTERVAL_DAYS`` (365) is due.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import GroupPagePermission, GroupSitePermission, Page, Site
from wagtail.permissions import policy_registry

from forms_app.models import FormSubmission
from forms_app.permissions import DELETE, EXPORT, VIEW, submission_permission_policy
from home.models import CompanySettings, PrivacyPolicyPage
from home.sites import site_roots

from .models import AccessReview

IDLE_DAYS = 90
REVIEW_INTERVAL_DAYS = 365

LOG_ACTION = "compliance.access_review.sign_off"


def idle_days():
    return getattr(settings, "ACCESS_REVIEW_IDLE_DAYS", IDLE_DAYS)


def review_interval_days():
    return getattr(settings, "ACCESS_REVIEW_INTERVAL_DAYS", REVIEW_INTERVAL_DAYS)


@dataclass(frozen=True)
class Capability:
    key: str
    label: str


VIEW_SUBMISSIONS = Capability("view_submissions", _("View submissions"))
EXPORT_SUBMISSIONS = Capability("export_submissions", _("Export submissions"))
ERASE_SUBMISSIONS = Capability(
    "erase_submissions", _("Delete submissions and answer erasure requests")
)
EDIT_POLICY = Capability("edit_policy", _("Edit the privacy policy"))
PUBLISH_POLICY = Capability("publish_policy", _("Publish the privacy policy"))
CHANGE_SETTINGS = Capability("change_settings", _("Change company settings"))
CAPABILITIES = [
    VIEW_SUBMISSIONS,
    EXPORT_SUBMISSIONS,
    ERASE_SUBMISSIONS,
    EDIT_POLICY,
    PUBLISH_POLICY,
    CHANGE_SETTINGS,
]
SUBMISSION_ACTIONS = {
    VIEW_SUBMISSIONS.key: VIEW,
    EXPORT_SUBMISSIONS.key: EXPORT,
    ERASE_SUBMISSIONS.key: DELETE,
}

# How a right is held.
SUPERUSER = "superuser"
GROUP = "group"  # a group's grant on this site (or on the policy page's tree)
GROUP_GLOBAL = "group_global"  # a group's global permission: every site
OWN_GLOBAL = "own_global"  # the user's own global permission: every site
PAGE_OWNER = "page_owner"  # "add" on the tree and owner of the page
WORKFLOW = "workflow"  # the page's current workflow task lets them edit
OTHER = "other"


@dataclass(frozen=True)
class Source:
    kind: str
    group: str = ""

    def __str__(self):
        if self.kind == SUPERUSER:
            return str(_("Superuser"))
        if self.kind == GROUP:
            return self.group
        if self.kind == GROUP_GLOBAL:
            return str(_("%(group)s (every site)") % {"group": self.group})
        if self.kind == OWN_GLOBAL:
            return str(_("Own permission (every site)"))
        if self.kind == PAGE_OWNER:
            return str(_("%(group)s (own pages)") % {"group": self.group})
        if self.kind == WORKFLOW:
            return str(_("Workflow task"))
        return str(_("Other"))

    def as_dict(self):
        return {"kind": self.kind, "group": self.group}


@dataclass
class AccessRow:
    """One user's rights on one site."""

    user: object
    grants: dict = field(default_factory=dict)  # capability key -> [Source], only those held
    idle: bool = False
    never_logged_in: bool = False

    @property
    def username(self):
        return self.user.get_username()

    @property
    def full_name(self):
        return self.user.get_full_name()

    @property
    def email(self):
        return self.user.email

    @property
    def is_active(self):
        return self.user.is_active

    @property
    def last_login(self):
        return self.user.last_login

    @property
    def flagged(self):
        return self.idle or self.never_logged_in

    def holds(self, capability):
        return capability.key in self.grants

    def sources(self, capability):
        return self.grants.get(capability.key, [])

    def sources_text(self, capability):
        return "; ".join(str(source) for source in self.sources(capability))

    def as_dict(self):
        return {
            "username": self.username,
            "active": self.is_active,
            "last_login": self.last_login,
            "idle": self.idle,
            "never_logged_in": self.never_logged_in,
            "grants": {
                key: [source.as_dict() for source in sources]
                for key, sources in self.grants.items()
            },
        }


@dataclass
class SiteAccess:
    """A site's access report: the rows, its policy pages and its last sign-off."""

    site: Site
    rows: list
    policy_pages: list
    last_review: AccessReview | None
    review_due: bool

    @property
    def flagged_count(self):
        return sum(1 for row in self.rows if row.flagged)

    def holders(self, capability):
        """Usernames holding ``capability`` (active or not)."""
        return {row.username for row in self.rows if row.holds(capability)}


def sites_for(user):
    """The sites whose access review ``user`` may see and sign off: superusers, every site."""
    if user.is_active and user.is_superuser:
        return Site.objects.order_by("site_name", "hostname")
    return Site.objects.none()


def policy_pages(site):
    """The site's privacy policy pages in every language, and the one its settings name."""
    query = Q(pk__in=[])
    for root in site_roots(site):
        query |= Q(path__startswith=root.path)
    pages = {page.pk: page for page in PrivacyPolicyPage.objects.filter(query)}
    chosen = CompanySettings.for_site(site).privacy_policy_page_id
    if chosen and chosen not in pages:
        page = PrivacyPolicyPage.objects.filter(pk=chosen).first()
        if page is not None:
            pages[page.pk] = page
    return sorted(pages.values(), key=lambda page: page.path)


def candidate_users():
    """Every account that can hold a right at all: superusers and anyone with a group or a
    permission of their own (Django's ``ModelBackend`` grants nothing else)."""
    User = get_user_model()
    return (
        User.objects.filter(
            Q(is_superuser=True) | Q(groups__isnull=False) | Q(user_permissions__isnull=False)
        )
        .distinct()
        .order_by(User.USERNAME_FIELD)
        .prefetch_related("groups__permissions", "user_permissions")
    )


def _probe(user):
    """``user`` as the machinery sees it if the account were active (a fresh copy from the
    database, never saved: the caches each policy keeps on the user stay on the copy)."""
    if user.is_active:
        return user
    probe = get_user_model().objects.get(pk=user.pk)
    probe.is_active = True
    return probe


def _permission(model, codename):
    content_type = ContentType.objects.get_for_model(model)
    return Permission.objects.get(content_type=content_type, codename=codename)


def _site_sources(user, permission, site_grants):
    """How ``user`` holds ``permission`` on the site (``site_grants``: the site's
    ``(group id, permission id)`` pairs)."""
    if user.is_superuser:
        return [Source(SUPERUSER)]
    sources = []
    if any(own.pk == permission.pk for own in user.user_permissions.all()):
        sources.append(Source(OWN_GLOBAL))
    for group in user.groups.all():
        if any(granted.pk == permission.pk for granted in group.permissions.all()):
            sources.append(Source(GROUP_GLOBAL, group.name))
        elif (group.pk, permission.pk) in site_grants:
            sources.append(Source(GROUP, group.name))
    return sources


def _page_sources(user, pages, codename, page_grants, *, owner_counts=False):
    """How ``user`` holds the page permission ``codename`` on any of ``pages``
    (``page_grants``: ``(group id, codename, page path)`` on their ancestors)."""
    if user.is_superuser:
        return [Source(SUPERUSER)]
    sources = []
    for group in user.groups.all():
        for group_id, granted, path in page_grants:
            if group_id != group.pk or not any(page.path.startswith(path) for page in pages):
                continue
            if granted == codename:
                sources.append(Source(GROUP, group.name))
            elif (
                owner_counts
                and granted == "add_page"
                and any(page.owner_id == user.pk for page in pages if page.path.startswith(path))
            ):
                sources.append(Source(PAGE_OWNER, group.name))
    return list(dict.fromkeys(sources))


def site_access(site, now=None):
    """The access report of ``site``."""
    now = now or timezone.now()
    idle_since = now - timedelta(days=idle_days())
    pages = policy_pages(site)
    settings_policy = policy_registry.get_by_type(CompanySettings)
    permissions = {
        key: _permission(FormSubmission, f"{action}_formsubmission")
        for key, action in SUBMISSION_ACTIONS.items()
    }
    permissions[CHANGE_SETTINGS.key] = _permission(CompanySettings, "change_companysettings")
    site_grants = set(
        GroupSitePermission.objects.filter(site=site).values_list("group_id", "permission_id")
    )
    ancestors = Q(pk__in=[])
    for page in pages:
        ancestors |= Q(pk__in=Page.objects.ancestor_of(page, inclusive=True))
    page_grants = list(
        GroupPagePermission.objects.filter(page__in=Page.objects.filter(ancestors)).values_list(
            "group_id", "permission__codename", "page__path"
        )
    )

    rows = []
    for user in candidate_users():
        probe = _probe(user)
        held = {}
        for key, action in SUBMISSION_ACTIONS.items():
            if submission_permission_policy.user_has_permission_for_instance(probe, action, site):
                held[key] = _site_sources(user, permissions[key], site_grants)
        if settings_policy.user_has_permission_for_instance(probe, "change", site):
            held[CHANGE_SETTINGS.key] = _site_sources(
                user, permissions[CHANGE_SETTINGS.key], site_grants
            )
        testers = [page.permissions_for_user(probe) for page in pages]
        if any(tester.can_edit() for tester in testers):
            held[EDIT_POLICY.key] = _page_sources(
                user, pages, "change_page", page_grants, owner_counts=True
            ) or [Source(WORKFLOW)]
        if any(tester.can_publish() for tester in testers):
            held[PUBLISH_POLICY.key] = _page_sources(user, pages, "publish_page", page_grants)
        if not held:
            continue
        held = {key: sources or [Source(OTHER)] for key, sources in held.items()}
        rows.append(
            AccessRow(
                user=user,
                grants={c.key: held[c.key] for c in CAPABILITIES if c.key in held},
                idle=user.last_login is not None and user.last_login < idle_since,
                never_logged_in=user.last_login is None,
            )
        )
    last_review = last_review_of(site)
    return SiteAccess(
        site=site,
        rows=rows,
        policy_pages=pages,
        last_review=last_review,
        review_due=review_is_due(last_review, now),
    )


def last_review_of(site):
    return AccessReview.objects.filter(site=site).select_related("reviewed_by").first()


def review_is_due(last_review, now=None):
    """No sign-off yet, or the last one is older than the review interval (a year)."""
    if last_review is None:
        return True
    now = now or timezone.now()
    return last_review.reviewed_at < now - timedelta(days=review_interval_days())


def days_since(moment: datetime | None, now=None):
    if moment is None:
        return None
    return ((now or timezone.now()) - moment).days


def sign_off(site, user, note="", now=None):
    """Record that ``user`` reviewed ``site``'s access now: the review with the report as it
    stands, and a Wagtail log entry (Reports → Site history). Returns the review."""
    now = now or timezone.now()
    report = site_access(site, now)
    with transaction.atomic():
        review = AccessReview.objects.create(
            site=site,
            reviewed_at=now,
            reviewed_by=user,
            reviewer_name=user.get_full_name() or user.get_username(),
            note=note,
            findings=[row.as_dict() for row in report.rows],
        )
        # No personal data in the log: the site, counts, and whether there is a note.
        log(
            review,
            LOG_ACTION,
            user=user,
            data={
                "site_id": site.pk,
                "site_name": site.site_name,
                "users": len(report.rows),
                "flagged": report.flagged_count,
                "has_note": bool(note),
            },
        )
    return review
