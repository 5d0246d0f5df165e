"""Each backup test gets its own empty public media folder, backups folder and ledger folder
(the private photo folder comes from tests/conftest.py), and helpers to look at everything a
deployment holds and to wipe it."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from backups.storage import FILE_STORAGES, file_storage, list_files, open_stream

# The loopback S3 server and its credentials, shared with the private-bucket tests.
from tests.forms_app.conftest import CREDENTIALS, needs_moto, s3_endpoint  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_content_types():
    """These tests flush and restore the database, which renumbers content types: start each
    with Django's content-type cache empty, as a new process would."""
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def backup_folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "backups"},
        },
        "ledger": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "ledger"},
        },
    }
    settings.BACKUP_ENCRYPTION_KEY = ""
    return tmp_path


@pytest.fixture
def ledger_down(settings, tmp_path):
    """The erasure ledger cannot be written (its folder lies under a file)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "ledger": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocker / "ledger"},
        },
    }


def s3_storage_settings(endpoint, bucket, backend="storages.backends.s3.S3Storage"):
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": "eu-north-1",
            "access_key": CREDENTIALS["aws_access_key_id"],
            "secret_key": CREDENTIALS["aws_secret_access_key"],
        },
    }


def all_files():
    """``{(storage alias, name): bytes}`` of every file in both file storages."""
    found = {}
    for alias in FILE_STORAGES:
        storage = file_storage(alias)
        for name, _size in list_files(storage):
            with open_stream(storage, name) as handle:
                found[alias, name] = handle.read()
    return found


def wipe(*, fresh_database=False):
    """Lose everything: the database's rows (or, ``fresh_database``, every table) and every
    file of both storages. The backups and the ledger survive, as on another machine."""
    if fresh_database:
        tables = connection.introspection.table_names(include_views=False)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                quoted = ", ".join(map(connection.ops.quote_name, tables))
                cursor.execute(f"DROP TABLE {quoted} CASCADE")
            else:
                cursor.execute("PRAGMA foreign_keys = OFF")
                for table in tables:
                    cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
                cursor.execute("PRAGMA foreign_keys = ON")
        assert connection.introspection.table_names() == []
    else:
        call_command("flush", interactive=False, verbosity=0)
    for alias in FILE_STORAGES:
        storage = file_storage(alias)
        for name, _size in list_files(storage):
            storage.delete(name)
    assert all_files() == {}
