"""One archive per backup: the database and every file of both storages, in one tar stream.

Members, in order::

    manifest.json                 format, time, database vendor, encrypted or not
    database.pgdump | database.sqlite3
    files/default/<name>          public media (images, documents, renditions)
    files/private/<name>          visitors' photos and their previews
    summary.json                  how many files of each storage: a restore that does not
                                  reach it, or counts otherwise, was cut short

The tar is written to a temporary file (``BACKUP_TEMP_DIR``, else the system's), encrypted on
the way when ``BACKUP_ENCRYPTION_KEY`` is set (:mod:`backups.crypto`), then stored in the
backups storage as ``mih-backup-<UTC time>.tar`` (``.tar.enc`` when encrypted). Nothing holds
the archive in memory: files are streamed in, the upload to S3 is streamed out.

The database is dumped first, then the files are copied: a photo written meanwhile is in the
archive without a row (the orphan sweep removes it after a restore), and one deleted meanwhile
is skipped and counted (its row, if dumped, is in the erasure ledger and goes in the replay).
"""

import json
import re
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.utils import timezone

from . import crypto, database
from .storage import (
    FILE_STORAGES,
    backup_storage,
    file_storage,
    has_files,
    list_files,
    open_stream,
)

FORMAT = 1
NAME_RE = re.compile(r"^mih-backup-(?P<stamp>\d{8}T\d{6}Z)\.tar(?P<enc>\.enc)?$")


class ArchiveError(Exception):
    """The archive cannot be made or restored; the message says why."""


@dataclass
class BackupResult:
    name: str
    size: int
    encrypted: bool
    vendor: str
    files: dict = field(default_factory=dict)
    vanished: int = 0


@dataclass
class RestoreResult:
    name: str
    vendor: str
    created: str
    files: dict = field(default_factory=dict)


def encryption_key():
    return crypto.load_key(getattr(settings, "BACKUP_ENCRYPTION_KEY", ""))


def stamp_of(name):
    match = NAME_RE.match(name)
    if not match:
        return None
    return datetime.strptime(match["stamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def list_archives(storage=None):
    """Archive names in the backups storage, oldest first."""
    storage = storage or backup_storage()
    try:
        _folders, names = storage.listdir("")
    except FileNotFoundError:
        return []
    return sorted((n for n in names if NAME_RE.match(n)), key=stamp_of)


def create_backup(*, key=None, storage=None, now=None):
    storage = storage or backup_storage()
    vendor = database.vendor()
    now = now or _free_moment(storage, key is not None)
    name = archive_name(now, encrypted=key is not None)
    result = BackupResult(name=name, size=0, encrypted=key is not None, vendor=vendor)
    temp_dir = getattr(settings, "BACKUP_TEMP_DIR", None)
    with tempfile.TemporaryDirectory(prefix="mih-backup-", dir=temp_dir) as tmp:
        dump_path = Path(tmp) / database.SUPPORTED[vendor]
        database.dump(str(dump_path))
        archive_path = Path(tmp) / name
        with archive_path.open("wb") as raw:
            out = crypto.EncryptingWriter(raw, key) if key else raw
            with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                _add_json(tar, "manifest.json", _manifest(now, vendor, key is not None))
                tar.add(dump_path, arcname=dump_path.name)
                dump_path.unlink()  # the disk holds one copy at a time
                for alias in FILE_STORAGES:
                    count, vanished = _add_storage(tar, alias)
                    result.files[alias] = count
                    result.vanished += vanished
                _add_json(tar, "summary.json", {"files": result.files})
            if key:
                out.close()
        result.size = archive_path.stat().st_size
        with archive_path.open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise ArchiveError(f"The backups storage stored the archive as {saved}, not {name}.")
    return result


def archive_name(now, *, encrypted):
    return f"mih-backup-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar" + (".enc" if encrypted else "")


def _free_moment(storage, encrypted):
    """Now, or a second later if an archive of this second exists (names are per second)."""
    while True:
        now = timezone.now()
        if not storage.exists(archive_name(now, encrypted=encrypted)):
            return now
        time.sleep(0.2)


def _manifest(now, vendor, encrypted):
    return {
        "format": FORMAT,
        "created": now.astimezone(UTC).isoformat(),
        "database": vendor,
        "encrypted": encrypted,
        "storages": list(FILE_STORAGES),
    }


def _add_json(tar, name, data):
    payload = json.dumps(data, indent=2).encode()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(payload), int(time.time()), 0o600
    tar.addfile(info, _BytesReader(payload))


class _BytesReader:
    def __init__(self, data):
        self._data, self._offset = data, 0

    def read(self, size=-1):
        end = len(self._data) if size is None or size < 0 else self._offset + size
        chunk = self._data[self._offset : end]
        self._offset += len(chunk)
        return chunk


def _add_storage(tar, alias):
    storage = file_storage(alias)
    count = vanished = 0
    for name, size in list_files(storage):
        info = tarfile.TarInfo(f"files/{alias}/{name}")
        info.size, info.mtime, info.mode = size, int(time.time()), 0o600
        try:
            with open_stream(storage, name) as handle:
                tar.addfile(info, handle)
        except FileNotFoundError:
            vanished += 1  # deleted since the listing (before anything of it was written)
            continue
        count += 1
    return count, vanished


# -- restore ------------------------------------------------------------------------------


def restore_archive(name, *, key=None, storage=None, force=False):
    """Bring the database and both storages back from the archive ``name``.

    Refuses a deployment that holds data unless ``force``; the caller replays the erasure
    ledger afterwards (:func:`backups.replay.replay`).
    """
    storage = storage or backup_storage()
    if not NAME_RE.match(name):
        raise ArchiveError(f"{name} is not a backup archive name (mih-backup-….tar[.enc]).")
    if not storage.exists(name):
        raise ArchiveError(f"There is no archive {name} in the backups storage.")
    encrypted = name.endswith(".enc")
    if encrypted and key is None:
        raise ArchiveError(
            f"{name} is encrypted: set BACKUP_ENCRYPTION_KEY to the key it was made with."
        )
    if not force:
        _refuse_unless_empty()

    # Read the whole archive once without writing anything (every chunk decrypted and
    # authenticated, the file counts checked against its summary), so a wrong key or a file
    # cut short is found before the database is replaced, never half way through.
    for dry_run in (True, False):
        with open_stream(storage, name) as raw:
            try:
                stream = crypto.DecryptingReader(raw, key) if encrypted else raw
                result = _unpack(name, stream, force, dry_run=dry_run)
            except crypto.DecryptionError as error:
                raise ArchiveError(str(error)) from None
            except tarfile.TarError as error:
                raise ArchiveError(f"{name} is not a readable archive: {error}") from None
    return result


def _refuse_unless_empty():
    held = database.contents()
    for alias in FILE_STORAGES:
        if has_files(file_storage(alias)):
            held[f"files in the {alias} storage"] = "some"
    if held:
        listed = ", ".join(f"{count} {what}" for what, count in held.items())
        raise ArchiveError(
            f"This deployment already holds data ({listed}). Restore into an empty database "
            "and empty storages, or pass --force to replace what is there."
        )


def _unpack(name, stream, force, dry_run=False):
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        members = iter(tar)
        first = next(members, None)
        if first is None or first.name != "manifest.json":
            raise ArchiveError(f"{name} is not a backup archive (no manifest first).")
        manifest = json.loads(tar.extractfile(first).read())
        if manifest.get("format") != FORMAT:
            raise ArchiveError(f"{name} has format {manifest.get('format')}; expected {FORMAT}.")
        vendor = database.vendor()
        if manifest["database"] != vendor:
            raise ArchiveError(
                f"{name} holds a {manifest['database']} database; this deployment uses "
                f"{vendor}. Restore it into a {manifest['database']} database."
            )
        result = RestoreResult(name=name, vendor=vendor, created=manifest["created"])
        result.files = dict.fromkeys(FILE_STORAGES, 0)
        summary = None
        restored_database = False
        for member in members:
            if member.name == database.SUPPORTED[vendor]:
                if not dry_run:
                    _restore_database(tar, member)
                restored_database = True
            elif member.name.startswith("files/") and member.isfile():
                _alias_name = member.name[len("files/") :]
                alias, _slash, file_name = _alias_name.partition("/")
                if alias not in FILE_STORAGES or not file_name:
                    raise ArchiveError(f"{name} holds an unexpected file {member.name}.")
                if not dry_run:
                    _restore_file(tar, member, file_storage(alias), file_name, force)
                result.files[alias] += 1
            elif member.name == "summary.json":
                summary = json.loads(tar.extractfile(member).read())
        if not restored_database:
            raise ArchiveError(f"{name} holds no database.")
        if summary is None or summary.get("files") != result.files:
            raise ArchiveError(
                f"{name} is incomplete (cut short?): restored files {result.files}, the archive "
                f"lists {summary and summary.get('files')}. Restore another archive."
            )
    return result


def _restore_database(tar, member):
    temp_dir = getattr(settings, "BACKUP_TEMP_DIR", None)
    with tempfile.TemporaryDirectory(prefix="mih-restore-", dir=temp_dir) as tmp:
        path = Path(tmp) / member.name
        with path.open("wb") as out:
            shutil.copyfileobj(tar.extractfile(member), out, 1 << 20)
        database.restore(str(path))


def _restore_file(tar, member, storage, name, force):
    if storage.exists(name):
        if not force:
            raise ArchiveError(f"The file {name} exists already; pass --force to replace it.")
        storage.delete(name)
    temp_dir = getattr(settings, "BACKUP_TEMP_DIR", None)
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, dir=temp_dir) as spool:
        shutil.copyfileobj(tar.extractfile(member), spool, 1 << 20)
        spool.seek(0)
        saved = storage.save(name, File(spool, name=name))
    if saved != name:
        raise ArchiveError(f"The file {name} was stored as {saved}.")
