"""The storages a backup reads and writes, through Django's storage API (folders or S3).

* What is backed up: ``FILE_STORAGES``, public media (``"default"``) and visitors' photos
  (``"private"``, :func:`forms_app.storage.private_storage`), every file of each.
* Where archives go: ``STORAGES["backups"]`` (a folder ``var/backups`` until settings name
  one; an S3 bucket in production).

On S3 files are listed with their sizes in one paged listing and read and written as streams
(django-storages' own ``open()`` would first copy each object into memory).
"""

import posixpath
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from storages.utils import clean_name

from forms_app.storage import private_storage

BACKUPS_ALIAS = "backups"
FILE_STORAGES = ("default", "private")


def file_storage(alias):
    if alias == "private":
        return private_storage()
    return storages[alias]


def backup_storage():
    if BACKUPS_ALIAS in settings.STORAGES:
        return storages[BACKUPS_ALIAS]
    return FileSystemStorage(location=Path(settings.VAR_DIR) / "backups")


def _bucket(storage):
    """The boto3 bucket behind an S3 storage, or None for anything else."""
    storage = getattr(storage, "_wrapped", storage)  # the private storage's lazy proxy
    return getattr(storage, "bucket", None) if hasattr(storage, "bucket_name") else None


def _key(storage, name):
    storage = getattr(storage, "_wrapped", storage)
    return storage._normalize_name(clean_name(name))


def _prefix(storage):
    location = (getattr(storage, "_wrapped", storage).location or "").strip("/")
    return f"{location}/" if location else ""


def list_files(storage):
    """``(name, size)`` of every file in the storage, sorted by name."""
    bucket = _bucket(storage)
    if bucket is not None:
        prefix = _prefix(storage)
        found = [
            (item.key[len(prefix) :], item.size)
            for item in bucket.objects.filter(Prefix=prefix)
            if not item.key.endswith("/")
        ]
        return sorted(found)
    return sorted((name, storage.size(name)) for name in walk(storage, ""))


def walk(storage, directory):
    """Every file name under ``directory`` ("" for all) of a storage, by listing folders."""
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(directory, name) if directory else name
    for folder in folders:
        yield from walk(storage, posixpath.join(directory, folder) if directory else folder)


def has_files(storage):
    bucket = _bucket(storage)
    if bucket is not None:
        wrapped = getattr(storage, "_wrapped", storage)
        prefix = (wrapped.location or "").strip("/")
        return any(
            True for _ in bucket.objects.filter(Prefix=f"{prefix}/" if prefix else "").limit(1)
        )
    return next(walk(storage, ""), None) is not None


def open_stream(storage, name):
    """A binary stream of the file's bytes (a context manager)."""
    bucket = _bucket(storage)
    if bucket is not None:
        return _Closing(bucket.Object(_key(storage, name)).get()["Body"])
    return storage.open(name, "rb")


class _Closing:
    def __init__(self, body):
        self.body = body

    def read(self, size=-1):
        return self.body.read(None if size is None or size < 0 else size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.body.close()
