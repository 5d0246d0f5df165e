"""Deleting a photo row deletes its file, once the deletion has committed."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import SubmissionPhoto


@receiver(post_delete, sender=SubmissionPhoto)
def delete_photo_file(sender, instance, **kwargs):
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
