"""The audit trail of what staff and the purge did with submissions (counts, never content)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StaffAction(models.Model):
    """Audit trail of what staff and the purge did with submissions: who, when, which site,
    how many. It never holds personal data: no names, addresses or search terms.
    """

    class Action(models.TextChoices):
        EXPORT = "export", _("Export")
        ACCESS_REQUEST = "access_request", _("Access request")
        ERASURE = "erasure", _("Erasure")
        STATUS_CHANGE = "status_change", _("Status change")
        LEGAL_HOLD_SET = "legal_hold_set", _("Legal hold set")
        LEGAL_HOLD_LIFTED = "legal_hold_lifted", _("Legal hold lifted")
        PURGE = "purge", _("Retention purge")
        NOTE_ADDED = "note_added", _("Note added")
        NOTE_DELETED = "note_deleted", _("Note deleted")
        ASSIGNED = "assigned", _("Assignee changed")

    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("number of submissions"), default=0)
    detail = models.CharField(
        _("detail"), max_length=100, blank=True, help_text=_("For example the export format.")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("staff action")
        verbose_name_plural = _("staff actions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} ({self.count})"

    @classmethod
    def record(cls, action, *, user=None, site=None, site_id=None, count=0, detail=""):
        """One entry; an anonymous user (or none, as for the purge) is stored as no user."""
        if user is not None and not user.is_authenticated:
            user = None
        if site is not None:
            site_id = site.pk
        return cls.objects.create(
            action=action, user=user, site_id=site_id, count=count, detail=detail
        )

    @classmethod
    def record_per_site(cls, action, submissions, *, user=None, detail=""):
        """One entry per site the submissions belong to, with that site's count."""
        counts = submissions.order_by().values("site_id").annotate(n=models.Count("pk"))
        return [
            cls.record(action, user=user, site_id=row["site_id"], count=row["n"], detail=detail)
            for row in counts
        ]
