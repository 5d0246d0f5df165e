"""The orphan sweep: delete private photo files that no photo row points to.

A photo's file is written during the intake transaction (``forms_app.intake.store``), before
its row commits. A worker killed in between (out of memory, a deploy, a lost machine) leaves a
file that no row, no inbox, no access report and no purge will ever find again: personal data
kept with no retention date. ``manage.py purge_expired_submissions`` runs
:func:`sweep_orphans` after the purge, reporting by default and deleting with ``--delete``.

Only the photo folder (``storage.PHOTO_FOLDER``) is swept, through the storage API (``listdir``
and ``get_modified_time``), so the same code serves the local folder and the S3 bucket (where
django-storages pages through the listing). A file is an orphan when it is neither a photo
row's file nor that photo's cached preview (``storage.thumbnail_name``), and it is deleted only
once it is older than the grace period (``FORMS_ORPHAN_GRACE_HOURS``): an upload still in
flight has a file and, for a moment, no row. Each folder's orphans are listed in the erasure
ledger (:mod:`backups.ledger`) before they are deleted, so a restored backup cannot bring
them back.
"""

import logging
import posixpath
from dataclasses import dataclass
from datetime import timedelta

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from backups import ledger

from .models import StaffAction, SubmissionPhoto
from .storage import PHOTO_FOLDER, private_storage, thumbnail_name

logger = logging.getLogger(__name__)

# Far longer than any request (intake's transaction lasts seconds); a shorter grace could
# delete the file of a submission that is being stored right now.
MINIMUM_GRACE = timedelta(hours=1)

# The audit entry's detail, telling the sweep's entries from the retention purge's.
AUDIT_DETAIL = "orphans"


@dataclass
class OrphanReport:
    deleted: bool
    grace: timedelta
    found: int = 0  # no row, older than the grace: deleted (or, without delete, to be)
    young: int = 0  # no row, but inside the grace: possibly an upload in flight, kept
    failed: int = 0  # found, but the storage refused to delete it

    @property
    def removed(self):
        return self.found - self.failed if self.deleted else 0

    @property
    def grace_hours(self):
        return self.grace / timedelta(hours=1)


def orphan_grace():
    """The grace period from ``FORMS_ORPHAN_GRACE_HOURS``."""
    return timedelta(hours=settings.FORMS_ORPHAN_GRACE_HOURS)


def sweep_orphans(*, delete=False, grace=None, now=None, user=None):
    """Report (and with ``delete``, remove) photo files older than ``grace`` with no row."""
    grace = orphan_grace() if grace is None else grace
    if grace < MINIMUM_GRACE:
        raise ImproperlyConfigured(
            "The orphan grace period (FORMS_ORPHAN_GRACE_HOURS) must be at least 1 hour: a "
            "shorter one could delete the photos of a submission being stored."
        )
    cutoff = (now or timezone.now()) - grace
    storage = private_storage()
    report = OrphanReport(deleted=delete, grace=grace)
    for directory, names in _walk(storage, PHOTO_FOLDER):
        if not names:
            continue
        # Read after the listing: a file listed before its row committed is younger than the
        # grace (a transaction does not last hours), so it is kept below in any case.
        kept = _referenced(directory)
        doomed = []
        for name in names:
            if name in kept:
                continue
            modified = _modified_time(storage, name)
            if modified is None:
                continue  # deleted meanwhile (the purge, or a failed upload cleaning up)
            if modified > cutoff:
                report.young += 1
                continue
            report.found += 1
            doomed.append(name)
        if delete and doomed:
            _delete_folder(storage, doomed, report)

    if report.removed:
        StaffAction.record(
            StaffAction.Action.PURGE, user=user, count=report.removed, detail=AUDIT_DETAIL
        )
    # Counts only: file names say nothing, but nothing here needs them either.
    logger.info(
        "Orphan sweep: %d orphaned photo files %s, %d failed, %d younger than %g hours kept",
        report.found,
        "deleted" if delete else "found",
        report.failed,
        report.young,
        report.grace_hours,
    )
    return report


def _walk(storage, directory):
    """``(directory, [file names])`` for ``directory`` and every folder below it."""
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return  # the local folder does not exist yet: nothing was ever stored
    yield directory, [posixpath.join(directory, name) for name in files]
    for folder in sorted(folders):
        yield from _walk(storage, posixpath.join(directory, folder))


def _referenced(directory):
    """Names in ``directory`` that rows account for: each photo's file and its preview."""
    names = set()
    # One query per folder (a month of photos), rather than every row at once.
    rows = SubmissionPhoto.objects.filter(file__startswith=f"{directory}/")
    for name in rows.values_list("file", flat=True).iterator():
        names.update((name, thumbnail_name(name)))
    return names


def _modified_time(storage, name):
    """When ``name`` was written, or None if it is gone."""
    try:
        return storage.get_modified_time(name)
    except FileNotFoundError:
        return None
    except ClientError as error:  # S3: the object was deleted after the listing
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
            return None
        raise


def _delete_folder(storage, names, report):
    """Delete one folder's orphans, once the erasure ledger lists them (one object per
    folder), so a restored backup cannot bring them back; without the ledger, none."""
    try:
        ledger.write_event(ledger.Event(ledger.Reason.ORPHAN_SWEEP, files=names))
    except ledger.LedgerUnavailable as error:
        report.failed += len(names)
        logger.error("Orphaned photo files kept: %s", error)
        return
    for name in names:
        _delete(storage, name, report)


def _delete(storage, name, report):
    try:
        storage.delete(name)
    except Exception as error:  # noqa: BLE001 - one file must not stop the sweep; counted
        report.failed += 1
        logger.error("Could not delete an orphaned photo file: %s", type(error).__name__)
