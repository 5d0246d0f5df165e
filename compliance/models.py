"""What the compliance app stores: the signed-off access reviews (policy section 6)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

NOTE_MAX_LENGTH = 2000


class AccessReview(models.Model):
    """One sign-off of a site's access review: who reviewed it, when, and what they saw.

    ``findings`` keeps the report as it was signed off (each user's username, whether the
    account was active and idle, and which rights it held and through what), so the review
    can be shown later even after the groups have changed. Every sign-off is also a Wagtail
    log entry (``compliance.access_review.sign_off``). Nobody edits or deletes a review in
    the admin; there are no model permissions to grant (superusers only, see
    ``compliance/access_review_views.py``).
    """

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="access_reviews", verbose_name=_("site")
    )
    reviewed_at = models.DateTimeField(_("signed off at"), default=timezone.now, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed off by"),
    )
    # The reviewer's name as it was at sign-off: it stays readable if the account goes.
    reviewer_name = models.CharField(_("reviewer"), max_length=255)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    findings = models.JSONField(_("findings"), default=list, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        default_permissions = ()
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")

    def __str__(self):
        return _("Access review of %(site)s") % {"site": self.site.site_name or self.site}
