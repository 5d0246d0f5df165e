"""Where visitors' photos live: a storage with no public URL.

Locally a folder outside MEDIA_ROOT (``var/private``); in production a private S3 bucket
(``PRIVATE_AWS_STORAGE_BUCKET_NAME``) as the ``private`` entry of ``STORAGES``. Either way
the files are reached only through ``forms_app.staff.photos.submission_photo``, which checks the
user's permission first.
"""

import posixpath
import uuid

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder that is never served: ``url()`` refuses instead of guessing a media URL."""

    def url(self, name):
        raise NotImplementedError("Private files have no URL; use the permission-checked view.")


class PrivateS3Storage(S3Storage):
    """A private S3 bucket (production): objects are private, names never overwritten, and
    there is no URL either, not even a signed one, so every read goes through our view.
    """

    default_acl = "private"
    file_overwrite = False
    querystring_auth = True

    def url(self, name, *args, **kwargs):
        raise NotImplementedError("Private files have no URL; use the permission-checked view.")


class _PrivateStorage(LazyObject):
    """``storages["private"]``, looked up on first use rather than at import.

    A ``FileField`` evaluates its storage callable once, when the model class is built; this
    proxy lets settings (and tests overriding ``STORAGES``) still decide the backend.
    """

    def _setup(self):
        self._wrapped = storages["private"]


_private_storage = _PrivateStorage()


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        _private_storage._wrapped = empty


def private_storage():
    """Callable for ``FileField(storage=...)``."""
    return _private_storage


# Every photo (and its preview) is stored under this folder; the orphan sweep
# (forms_app.orphans) looks nowhere else, so it never touches a file the intake did not write.
PHOTO_FOLDER = "submissions"


def photo_upload_to(instance, filename):
    """A unique, meaningless name: never the visitor's file name, never guessable."""
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"{PHOTO_FOLDER}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def thumbnail_name(name):
    """Where a photo's cached inbox preview lives, next to it: derived, so deleting the photo
    (forms_app.signals) deletes the preview too, with no row of its own."""
    stem, _extension = posixpath.splitext(name)
    return f"{stem}.thumb.jpg"
