"""Deleting a photo row deletes its file and its cached preview, once the deletion has
committed."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import SubmissionPhoto
from .storage import thumbnail_name

logger = logging.getLogger(__name__)


@receiver(post_delete, sender=SubmissionPhoto)
def delete_photo_file(sender, instance, **kwargs):
    name, storage = instance.file.name, instance.file.storage
    if name:
        # robust: one file that cannot be deleted must not stop the others of the batch.
        transaction.on_commit(lambda: _delete(storage, name, instance.pk), robust=True)


def _delete(storage, name, photo_id):
    try:
        storage.delete(name)
        storage.delete(thumbnail_name(name))  # the inbox preview, if it was ever shown
    except Exception:
        logger.error("Could not delete the file of deleted photo %s", photo_id)
        raise
