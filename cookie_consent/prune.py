"""Pruning the consent log: a visitor's choices are kept while they may still be asked about.

Every entry of a consent id goes once the id's *latest* entry is older than
``CONSENT_LOG_RETENTION_DAYS`` (default five years): an id with a recent change keeps its whole
history, so the proof of what the visitor chose, and when they changed their mind, stays whole.
Banner text versions that no entry refers to any more, and that were first shown before the
same cutoff, go too (a version still in use is made again the next time the banner shows it).

``purge_expired_submissions`` (the daily job) calls :func:`prune_consent_log` with ``--delete``
and reports :func:`prunable_entries` without it.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from .models import BannerTextVersion, ConsentRecord

DEFAULT_RETENTION_DAYS = 5 * 365
BATCH_SIZE = 1000


def retention_days():
    return int(getattr(settings, "CONSENT_LOG_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def cutoff(now=None):
    """Entries of a consent id whose latest entry is older than this go."""
    return (now or timezone.now()) - timedelta(days=retention_days())


def expired_consent_ids(before):
    """A subquery: the consent ids whose latest entry is older than ``before`` (one
    ``GROUP BY consent_id HAVING MAX(created_at) < before``)."""
    return (
        ConsentRecord.objects.order_by()
        .values("consent_id")
        .annotate(latest=Max("created_at"))
        .filter(latest__lt=before)
        .values("consent_id")
    )


def prunable_entries(now=None):
    """The entries :func:`prune_consent_log` would delete at ``now``."""
    return ConsentRecord.objects.filter(consent_id__in=expired_consent_ids(cutoff(now)))


def prune_consent_log(now=None, batch_size=BATCH_SIZE):
    """Delete every entry of each consent id whose latest entry is older than the retention
    period, in batches of ``batch_size`` (each its own short statement, so the log is never
    locked for long), then the banner text versions nobody refers to that are older than the
    cutoff. Returns the number of log entries deleted.

    Each batch's ``DELETE`` asks the subquery again, so an id that got a new entry while the
    prune ran keeps all of its entries.
    """
    before = cutoff(now)
    deleted = 0
    while True:
        batch = list(
            ConsentRecord.objects.filter(consent_id__in=expired_consent_ids(before))
            .order_by()
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            break
        count, _per_model = ConsentRecord.objects.filter(
            pk__in=batch, consent_id__in=expired_consent_ids(before)
        ).delete()
        deleted += count
        if not count:
            break  # every id of the batch got a new entry in the meantime
    prune_banner_texts(before)
    return deleted


def prune_banner_texts(before):
    """Delete banner text versions first shown before ``before`` that no entry refers to
    (``ConsentRecord.banner_text`` is ``PROTECT``: a referenced version is never deleted)."""
    referenced = ConsentRecord.objects.order_by().values("banner_text_id")
    count, _per_model = (
        BannerTextVersion.objects.filter(created_at__lt=before).exclude(pk__in=referenced).delete()
    )
    return count
