"""Infected uploads, counted for the owner (policy section 6: antivirus).

:mod:`cms.antivirus` refuses an infected upload and sends ``virus_found``; the receiver here
keeps one row per refused file: when, what kind of upload, which site if known, and the
scanner's name for what it found. Nothing else: no file, no file name, no visitor or address.
The "Virus scanner" report (``forms_app.antivirus_hooks``) counts them per month and kind.
"""

from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import GroupCollectionPermission, GroupSitePermission

from cms.antivirus import Upload, virus_found


class VirusDetection(models.Model):
    """One upload the virus scanner refused as infected. Holds no personal data."""

    detected_at = models.DateTimeField(_("detected"), default=timezone.now, db_index=True)
    kind = models.CharField(_("upload"), max_length=20, choices=Upload.choices)
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signature = models.CharField(_("signature"), max_length=255)

    class Meta:
        ordering = ["-detected_at"]
        verbose_name = _("virus detection")
        verbose_name_plural = _("virus detections")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.signature}"


def site_for_collection(collection_id):
    """The one site whose groups may use this collection (each company's editors have their
    own collection), or None."""
    try:
        collection_id = int(collection_id)
    except (TypeError, ValueError):
        return None
    groups = GroupCollectionPermission.objects.filter(collection_id=collection_id).values("group")
    sites = {
        permission.site
        for permission in GroupSitePermission.objects.filter(group__in=groups).select_related(
            "site"
        )
    }
    return sites.pop() if len(sites) == 1 else None


@receiver(virus_found, dispatch_uid="forms_app_count_virus")
def count_virus(sender, *, kind, signature, site=None, collection_id=None, **kwargs):
    if site is None and collection_id is not None:
        site = site_for_collection(collection_id)
    # A savepoint: a failed insert must not break a surrounding transaction on PostgreSQL.
    with transaction.atomic():
        VirusDetection.objects.create(kind=kind, signature=signature[:255], site=site)
