"""Admin login throttling with django-axes: who is locked out, the lockout page, and the listing.

Settings in ``cms/settings/base.py`` (``AXES_*``); the policy in short:

* every failed admin login is an ``axes.AccessAttempt`` row (username, client address,
  failures, time of the last one; never the password);
* a login is refused, even with the right password, when within ``AXES_COOLOFF_TIME``
  the client address has ``AXES_FAILURE_LIMIT`` failures (any usernames), or the username has
  that many (from any addresses);
* the username's count is not held against an address from which that user logged in
  successfully within ``AXES_KNOWN_CLIENT_DAYS`` (axes' ``AccessLog``): a guesser elsewhere can
  lock an account for strangers, never for its owner at their usual address, which still has
  its own per-address limit;
* failures during a lockout are not counted, so a lockout ends a cool-off after it began.

Superusers see the rows under Settings → Login lockouts and lift a lockout by deleting them.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy


def _failures(attempts):
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def known_client(username, ip_address, now=None):
    """Whether ``username`` logged in successfully from ``ip_address`` recently."""
    if not username or not ip_address:
        return False
    since = (now or timezone.now()) - timezone.timedelta(days=settings.AXES_KNOWN_CLIENT_DAYS)
    return AccessLog.objects.filter(
        username=username, ip_address=ip_address, attempt_time__gte=since
    ).exists()


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, counting per client address and per username (see above)."""

    def get_failures(self, request, credentials=None):
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        ip_address = request.axes_ip_address
        counts = [_failures(recent.filter(ip_address=ip_address))]
        username = get_client_username(request, credentials)
        if username and not known_client(username, ip_address, request.axes_attempt_time):
            counts.append(_failures(recent.filter(username=username)))
        return max(counts)


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page (429), in the admin's language, instead of axes' bare text."""
    cool_off = get_cool_off(request)
    return render(
        request,
        "home/admin/lockout.html",
        {
            "failure_limit": get_failure_limit(request, credentials),
            "cool_off_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        },
        status=429,
    )


def purge_login_records(now=None):
    """Delete what axes keeps longer than it needs; the daily purge calls this.

    Failed attempts older than the cool-off count for nothing any more; successful logins are
    kept ``AXES_KNOWN_CLIENT_DAYS`` to recognise the owner's address. Returns
    ``(attempts, logins)`` deleted.
    """
    now = now or timezone.now()
    attempts, _ = AccessAttempt.objects.filter(
        attempt_time__lt=now - settings.AXES_COOLOFF_TIME
    ).delete()
    logins, _ = AccessLog.objects.filter(
        attempt_time__lt=now - timezone.timedelta(days=settings.AXES_KNOWN_CLIENT_DAYS)
    ).delete()
    return attempts, logins


class SuperuserOnlyPolicy(BasePermissionPolicy):
    """Superusers may list and delete the rows; nobody adds or edits them, no group gets it."""

    actions = {"view", "delete"}

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.is_superuser and action in self.actions)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True, is_superuser=True)
        return users if self.actions.intersection(actions) else users.none()


class LockoutIndexView(IndexView):
    page_title = _("Login lockouts")

    @cached_property
    def columns(self):
        columns = super().columns
        # axes' own label, which has no Danish translation.
        columns[0].label = _("Username")
        return columns

    def get_base_queryset(self):
        threshold = timezone.now() - settings.AXES_COOLOFF_TIME
        recent = AccessAttempt.objects.filter(attempt_time__gte=threshold)

        def total(field):
            rows = (
                recent.filter(**{field: OuterRef(field)})
                .order_by()
                .values(field)
                .annotate(total=Sum("failures_since_start"))
                .values("total")
            )
            return Coalesce(Subquery(rows), 0)

        return (
            super()
            .get_base_queryset()
            .annotate(address_failures=total("ip_address"), username_failures=total("username"))
        )


def is_locked(attempt):
    """Whether the attempt's address or username is locked out now (see the module doc)."""
    limit = settings.AXES_FAILURE_LIMIT
    return max(attempt.address_failures, attempt.username_failures) >= limit


class LockoutViewSet(ModelViewSet):
    model = AccessAttempt
    icon = "lock"
    menu_label = _("Login lockouts")
    add_to_settings_menu = True
    url_prefix = "login-lockouts"
    name = "login_lockouts"
    index_view_class = LockoutIndexView
    exclude_form_fields = []
    inspect_view_enabled = True
    inspect_view_fields = [
        "username",
        "ip_address",
        "user_agent",
        "path_info",
        "failures_since_start",
        "attempt_time",
    ]
    ordering = ["-attempt_time"]
    search_fields = ["username", "ip_address"]
    list_display = [
        # The first column links to the row and carries its "Delete" (unlock) button.
        "username",
        Column("ip_address", label=_("Client address"), sort_key="ip_address"),
        Column("failures_since_start", label=_("Failures"), sort_key="failures_since_start"),
        DateColumn("attempt_time", label=_("Last failure"), sort_key="attempt_time"),
        BooleanColumn("locked", label=_("Locked out"), accessor=is_locked),
    ]

    def get_permissions_to_register(self):
        # Superusers only: nothing to grant in the group editor.
        return []
