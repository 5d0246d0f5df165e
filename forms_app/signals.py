"""Deleting a photo row deletes its file and its cached preview, once the deletion has
committed; every deleted submission and photo is written to the erasure ledger.

The ledger (:mod:`backups.ledger`) is fed here, from ``post_delete``, because every way of
deleting submissions goes through Django's deletion collector and so through these signals:
the purge, an erasure request and Wagtail's per-form delete all call ``QuerySet.delete()``
(the receivers below also keep Django from deleting these rows with fast, signal-less SQL).
Those three wrap their delete in ``ledger.recording(reason)`` so the whole batch is one ledger
object written before the commit; any other delete is written after its commit.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from backups import ledger

from .models import FormSubmission, SubmissionPhoto
from .storage import thumbnail_name

logger = logging.getLogger(__name__)


@receiver(post_delete, sender=SubmissionPhoto)
def delete_photo_file(sender, instance, using, **kwargs):
    name, storage = instance.file.name, instance.file.storage
    ledger.note(
        "photos",
        {
            "id": instance.pk,
            "key": str(instance.key),
            "submission": instance.submission_id,
            "file": name,
        },
        using=using,
    )
    if name:
        # robust: one file that cannot be deleted must not stop the others of the batch.
        transaction.on_commit(
            lambda: _delete(storage, name, instance.pk), using=using, robust=True
        )


@receiver(post_delete, sender=FormSubmission)
def note_deleted_submission(sender, instance, using, **kwargs):
    ledger.note(
        "submissions",
        {
            "id": instance.pk,
            "page": instance.page_id,
            "site": instance.site_id,
            # Tells this submission from a later one given the same id after a restore.
            "submitted": instance.submit_time.isoformat() if instance.submit_time else None,
        },
        using=using,
    )


def _delete(storage, name, photo_id):
    try:
        storage.delete(name)
        storage.delete(thumbnail_name(name))  # the inbox preview, if it was ever shown
    except Exception:
        logger.error("Could not delete the file of deleted photo %s", photo_id)
        raise
