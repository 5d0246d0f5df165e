"""Replaying the erasure ledger: delete again whatever a restore brought back.

Runs after every restore, before the site serves (``manage.py restore`` does it; ``manage.py
replay_ledger`` runs it alone). For every event in the ledger (:mod:`backups.ledger`):

* a submission listed there is deleted if a row with that id *and* that submission time
  exists (a restore resets id sequences, so a later submission may carry a listed id: the
  time tells them apart), with its photo rows;
* a photo row with a listed key is deleted;
* a listed file (a photo's file, its preview, an orphan) is deleted from the private storage
  if it is there.

It is idempotent: a second run finds nothing. Its own deletes are not written to the ledger
again (they are in it already).
"""

import posixpath
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from forms_app.models import FormSubmission, SubmissionPhoto
from forms_app.storage import private_storage, thumbnail_name

from . import ledger
from .storage import list_files

# Ids per query: well under SQLite's limit of bound parameters.
CHUNK = 500


@dataclass
class ReplayReport:
    events: int = 0
    submissions: int = 0
    photos: int = 0
    files: int = 0


def replay(events=None):
    """Delete again what ``events`` (by default the whole ledger) list."""
    report = ReplayReport()
    submitted, keys, names = {}, set(), set()
    for event in ledger.read_events() if events is None else events:
        report.events += 1
        for entry in event.get("submissions", []):
            submitted.setdefault(entry["id"], set()).add(entry.get("submitted"))
        for entry in event.get("photos", []):
            if entry.get("key"):
                keys.add(entry["key"])
            if entry.get("file"):
                names.update((entry["file"], thumbnail_name(entry["file"])))
        names.update(event.get("files", []))

    storage = private_storage()
    # One listing rather than a request per listed name (the ledger grows for years).
    folders = {posixpath.dirname(name) for name in names}
    present = sorted(
        name
        for name, _size in list_files(storage)
        if posixpath.dirname(name) in folders and name in names
    )

    with ledger.suppressed(), transaction.atomic():
        doomed = []
        ids = sorted(submitted)
        for start in range(0, len(ids), CHUNK):
            rows = FormSubmission.objects.filter(pk__in=ids[start : start + CHUNK])
            for pk, submit_time in rows.values_list("pk", "submit_time"):
                if _same_time(submit_time, submitted[pk]):
                    doomed.append(pk)
        for start in range(0, len(doomed), CHUNK):
            chunk = doomed[start : start + CHUNK]
            report.photos += SubmissionPhoto.objects.filter(submission_id__in=chunk).count()
            report.submissions += (
                FormSubmission.objects.filter(pk__in=chunk)
                .delete()[1]
                .get(FormSubmission._meta.label, 0)
            )
        keys = sorted(keys)
        for start in range(0, len(keys), CHUNK):
            deleted = SubmissionPhoto.objects.filter(key__in=keys[start : start + CHUNK]).delete()
            report.photos += deleted[1].get(SubmissionPhoto._meta.label, 0)
    # The deleted photo rows' files went as the transaction committed (forms_app.signals).
    for name in present:
        storage.delete(name)
    report.files = len(present)
    return report


def _same_time(value, listed):
    for text in listed:
        if text is None:
            return True  # a submission without a time: the id alone must do
        if value is not None and datetime.fromisoformat(text) == value:
            return True
    return False
