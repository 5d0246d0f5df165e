"""The erasure ledger: what was deleted, kept where a restore cannot rewind it.

Every erasure request, retention purge, staff delete and orphan sweep writes what it removed to
the ledger: submission ids (with their form page, site and submission time, which tell a
reused id apart), photo ids, keys and storage names (our generated ``submissions/…`` names,
never the visitor's file name), the time and the reason. No names, addresses, answers or
original file names: the ledger outlives the data it lists.

The ledger is not in the database and not in the backup: it is its own storage, the
``"ledger"`` entry of ``STORAGES`` (a folder, ``var/ledger``, by default; a bucket or prefix of
its own in production). Each event is one small JSON object under a name no other event can
have (time plus a random id), written once and never changed, so any number of workers and
hosts append without coordination. After ``manage.py restore`` the whole ledger is replayed
(:mod:`backups.replay`) before the site serves again.

How deletes reach it (``forms_app.signals`` feeds :func:`note` from ``post_delete``):

* Code that deletes on purpose wraps the delete in :func:`recording` inside its transaction.
  The event is written when the block ends, *before* the transaction commits: if the ledger
  cannot be written, :class:`LedgerUnavailable` rolls the delete back, so nothing is erased
  without being listed. A purge batch, an erasure request or a staff delete is one object.
* Any other delete (a shell, a future code path) is collected per transaction and written
  once it has committed; a failure then is logged at ERROR with the event itself (ids and
  storage names only), so an operator can put it back by hand.
"""

import contextvars
import json
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .storage import walk

logger = logging.getLogger(__name__)

LEDGER_ALIAS = "ledger"
FOLDER = "events"
FORMAT = 1


class Reason(StrEnum):
    ERASURE = "erasure"  # a data subject's erasure or objection request
    PURGE = "purge"  # the daily retention purge
    STAFF_DELETE = "staff_delete"  # staff deleting chosen submissions of a form
    ORPHAN_SWEEP = "orphan_sweep"  # photo files no row pointed to
    OTHER = "delete"  # any other delete (a shell, code without its own reason)


# What staff are told when a delete is refused because the ledger could not be written.
NOT_DELETED_MESSAGE = _(
    "Nothing was deleted: the record of erasures could not be written. Try again later, and "
    "tell the administrator if it keeps failing."
)


class LedgerUnavailable(Exception):
    """The ledger could not be written; the delete that needed it must not happen."""


def ledger_storage():
    """``storages["ledger"]``; a folder ``VAR_DIR/ledger`` until settings name one."""
    if LEDGER_ALIAS in settings.STORAGES:
        return storages[LEDGER_ALIAS]
    return FileSystemStorage(location=Path(settings.VAR_DIR) / "ledger")


@dataclass
class Event:
    reason: str
    submissions: list = field(default_factory=list)
    photos: list = field(default_factory=list)
    files: list = field(default_factory=list)

    def add(self, kind, entry):
        getattr(self, kind).append(entry)

    def __bool__(self):
        return bool(self.submissions or self.photos or self.files)


def write_event(event):
    """Store ``event`` as a new object; returns its name. Raises :class:`LedgerUnavailable`."""
    now = timezone.now().astimezone(UTC)
    event_id = uuid.uuid4().hex
    document = {
        "format": FORMAT,
        "id": event_id,
        "at": now.isoformat(),
        "reason": str(event.reason),
        "submissions": event.submissions,
        "photos": event.photos,
        "files": event.files,
    }
    name = f"{FOLDER}/{now:%Y/%m/%d}/{now:%Y%m%dT%H%M%S%fZ}-{event_id}.json"
    content = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    try:
        saved = ledger_storage().save(name, ContentFile(content))
    except Exception as error:
        raise LedgerUnavailable(f"The erasure ledger could not be written: {error!r}") from error
    logger.info(
        "Erasure ledger: %s, %d submissions, %d photos, %d files",
        event.reason,
        len(event.submissions),
        len(event.photos),
        len(event.files),
    )
    return saved


# The event a `recording` block collects, and whether notes are ignored (the replay).
_recording = contextvars.ContextVar("erasure_ledger_recording", default=None)
_suppressed = contextvars.ContextVar("erasure_ledger_suppressed", default=False)


@contextmanager
def recording(reason):
    """Collect the deletes in this block into one event, written when the block ends.

    Use it inside the transaction that deletes: the event is written before the commit, and an
    error writing it (:class:`LedgerUnavailable`) rolls the delete back.
    """
    event = Event(reason)
    token = _recording.set(event)
    try:
        yield event
    finally:
        _recording.reset(token)
    if event:
        write_event(event)


@contextmanager
def suppressed():
    """Deletes in this block are not written (the replay re-deletes what the ledger lists)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def note(kind, entry, using=DEFAULT_DB_ALIAS):
    """Record one deleted thing (``kind``: "submissions", "photos" or "files")."""
    if _suppressed.get():
        return
    event = _recording.get()
    if event is not None:
        event.add(kind, entry)
        return
    connection = connections[using]
    if not connection.in_atomic_block:  # autocommit: the row is gone already
        _write_after_commit(Event(Reason.OTHER, **{kind: [entry]}))
        return
    _pending(connection, using).event.add(kind, entry)


class _Pending:
    """One transaction's deletes outside any `recording` block, written after its commit."""

    def __init__(self):
        self.event = Event(Reason.OTHER)

    def __call__(self):
        _write_after_commit(self.event)


def _pending(connection, using):
    pending = getattr(connection, "_erasure_ledger_pending", None)
    # Still this transaction's? A rollback drops its on_commit callback (and the deletes).
    if pending is None or not any(func is pending for _sids, func, _r in connection.run_on_commit):
        pending = connection._erasure_ledger_pending = _Pending()
        transaction.on_commit(pending, using=using)
    return pending


def _write_after_commit(event):
    try:
        write_event(event)
    except LedgerUnavailable:
        # The delete has committed; the log carries the event (ids and storage names, no
        # personal data) so it can be added to the ledger by hand.
        logger.exception(
            "Erasure ledger NOT written for a committed delete; add this event by hand: %s",
            json.dumps(
                {
                    "reason": str(event.reason),
                    "submissions": event.submissions,
                    "photos": event.photos,
                    "files": event.files,
                }
            ),
        )


def read_events(storage=None):
    """Every event in the ledger, oldest first (by name: time, then id)."""
    storage = storage or ledger_storage()
    for name in sorted(walk(storage, FOLDER)):
        if not name.endswith(".json"):
            continue
        with storage.open(name, "rb") as handle:
            yield json.loads(handle.read())
