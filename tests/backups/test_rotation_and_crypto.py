"""Rotation keeps exactly N daily and M monthly archives; the archive encryption refuses a
wrong key, a changed byte and a cut-off file."""

import io
import os
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from backups import crypto
from backups.archive import archive_name, list_archives
from backups.rotation import rotate
from backups.storage import backup_storage


def store_archive(when, encrypted=False):
    name = archive_name(when, encrypted=encrypted)
    backup_storage().save(name, ContentFile(b"archive"))
    return name


def test_rotation_keeps_exactly_n_daily_and_m_monthly():
    names = {}
    day = date(2026, 1, 1)
    while day <= date(2026, 4, 20):  # one backup a day at 03:30 Danish time (01:30 UTC)
        names[day] = store_archive(datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC))
        day += timedelta(days=1)
    # A second backup on the last day (by hand, later): the day's newest is the daily one.
    extra = store_archive(datetime(2026, 4, 20, 14, 0, tzinfo=UTC))
    backup_storage().save("notes.txt", ContentFile(b"not an archive"))

    kept, deleted = rotate(daily=7, monthly=3)

    daily = [names[date(2026, 4, d)] for d in range(14, 20)] + [extra]
    monthly = [names[date(2026, m, 1)] for m in (2, 3, 4)]
    assert set(kept) == set(daily + monthly)
    assert len(kept) == 7 + 3
    assert set(list_archives()) == set(kept)
    assert len(deleted) == len(names) + 1 - 10
    assert backup_storage().exists("notes.txt")  # not ours: left alone
    # Run again: nothing more goes.
    assert rotate(daily=7, monthly=3) == (kept, [])


@pytest.mark.django_db(transaction=True)
def test_rotation_after_each_backup(settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_MONTHLY = 1, 0
    old = store_archive(datetime(2025, 12, 1, 2, 0, tzinfo=UTC))
    out = io.StringIO()
    call_command("backup", stdout=out)
    assert "Rotation (1 daily, 0 monthly): kept 1 archives, deleted 1." in out.getvalue()
    [name] = list_archives()
    assert name != old


def encrypt(data, key, chunk_size=None):
    raw = io.BytesIO()
    writer = crypto.EncryptingWriter(raw, key)
    writer.write(data)
    writer.close()
    return raw.getvalue()


def decrypt(blob, key):
    return io.BufferedReader(crypto.DecryptingReader(io.BytesIO(blob), key)).read()


def test_encryption_round_trip_across_chunks():
    key = crypto.load_key(crypto.generate_key())
    data = os.urandom(crypto.CHUNK_SIZE * 2 + 123)
    blob = encrypt(data, key)
    assert data[:1000] not in blob
    assert decrypt(blob, key) == data
    assert decrypt(encrypt(b"", key), key) == b""


def test_wrong_key_changed_byte_and_cut_off_file_are_refused():
    key = crypto.load_key(crypto.generate_key())
    blob = encrypt(os.urandom(crypto.CHUNK_SIZE + 10), key)
    with pytest.raises(crypto.DecryptionError, match="another key"):
        decrypt(blob, crypto.load_key(crypto.generate_key()))
    changed = bytearray(blob)
    changed[crypto.HEADER_SIZE + 100] ^= 1
    with pytest.raises(crypto.DecryptionError, match="damaged"):
        decrypt(bytes(changed), key)
    # Cut after the first whole chunk: every byte left is authentic, but the end is missing.
    first_chunk_end = crypto.HEADER_SIZE + 4 + crypto.CHUNK_SIZE + 16
    with pytest.raises(crypto.DecryptionError, match="truncated"):
        decrypt(blob[:first_chunk_end], key)


def test_a_malformed_key_is_refused_clearly():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="32 bytes in URL-safe base64"):
        crypto.load_key("too-short")
    assert crypto.load_key("") is None


def test_deploy_checks_warn_about_plain_archives_and_a_local_ledger(settings):
    from backups.checks import check_backups

    settings.BACKUP_ENCRYPTION_KEY = ""
    assert [w.id for w in check_backups()] == ["backups.W001"]
    settings.BACKUP_ENCRYPTION_KEY = crypto.generate_key()
    assert check_backups() == []
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "forms_app.storage.PrivateS3Storage",
            "OPTIONS": {"bucket_name": "mih-fotos"},
        },
    }
    assert [w.id for w in check_backups()] == ["backups.W002"]
    settings.STORAGES = {
        **settings.STORAGES,
        "ledger": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "mih-ledger"},
        },
    }
    assert check_backups() == []
