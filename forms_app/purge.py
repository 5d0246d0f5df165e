"""The retention purge: delete submissions past ``retain_until`` that are not on legal hold.

What has expired is decided in :mod:`forms_app.retention` (``FormSubmission.objects.expired``);
this module only deletes it, safely.

``manage.py purge_expired_submissions`` is a thin shell over :func:`purge_expired`. Without
``delete`` it only reports. Deleting goes in batches, each in its own transaction; a batch's
photo files are removed once that batch has committed (``forms_app.signals``), so a failure
never leaves a row whose file is gone. Each batch writes what it deleted to the erasure ledger
(:mod:`backups.ledger`) as one object, so a restored backup cannot bring it back. Running it
twice is harmless: the second run finds nothing to do.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from backups import ledger

from .models import FormSubmission, StaffAction, SubmissionPhoto

logger = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    today: object
    deleted: bool
    count: int = 0
    files: int = 0
    per_site: Counter = field(default_factory=Counter)


def purge_expired(*, today=None, delete=False, batch_size=1000, user=None):
    """Report (and with ``delete``, remove) what has passed its retention date."""
    today = today or timezone.localdate()
    expired = FormSubmission.objects.expired(today)
    report = PurgeReport(today=today, deleted=delete)
    if not delete:
        for row in expired.order_by().values("site_id").annotate(n=Count("pk")):
            report.per_site[row["site_id"]] = row["n"]
        report.count = sum(report.per_site.values())
        report.files = SubmissionPhoto.objects.filter(submission__in=expired).count()
        return report

    while True:
        with transaction.atomic():
            # Locked, so a legal hold set meanwhile waits for us or is seen by us.
            batch = list(
                expired.order_by("pk")
                .select_for_update()
                .values_list("pk", "site_id")[:batch_size]
            )
            if not batch:
                break
            ids = [pk for pk, _site in batch]
            report.files += SubmissionPhoto.objects.filter(submission_id__in=ids).count()
            # Photo rows go with their submission (cascade); their files after commit. The
            # batch is one erasure-ledger object, written before the commit (no ledger, no
            # delete: LedgerUnavailable rolls the batch back and stops the purge).
            with ledger.recording(ledger.Reason.PURGE):
                expired.filter(pk__in=ids).delete()
        report.count += len(ids)
        report.per_site.update(site for _pk, site in batch)

    for site_id, count in report.per_site.items():
        StaffAction.record(StaffAction.Action.PURGE, user=user, site_id=site_id, count=count)
    logger.info("Purged %d expired submissions and %d photo files", report.count, report.files)
    return report
