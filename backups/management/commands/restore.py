from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from backups import ledger
from backups.archive import ArchiveError, encryption_key, list_archives, restore_archive
from backups.database import DatabaseError
from backups.replay import replay
from cms.health import worker_state


class Command(BaseCommand):
    help = (
        "Restore the database and both file storages from a backup archive (the newest by "
        "default) into an empty deployment, then replay the erasure ledger so nothing erased, "
        "purged or deleted since the backup comes back. Start the site only after it has "
        "finished."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", nargs="?", help="Archive name (default: the newest).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data this deployment holds (every table is dropped first).",
        )
        parser.add_argument("--list", action="store_true", help="List the archives and stop.")
        parser.add_argument(
            "--empty-ledger-ok",
            action="store_true",
            help="Restore although the erasure ledger holds no event (only right for a "
            "deployment that never deleted anything: an empty ledger usually means the wrong "
            "ledger storage, which would bring erased data back).",
        )

    def handle(self, *args, archive, force, list, empty_ledger_ok, **options):
        names = list_archives()
        if list:
            for name in names:
                self.stdout.write(name)
            return
        if archive is None:
            if not names:
                raise CommandError("There is no backup archive in the backups storage.")
            archive = names[-1]
        _refuse_while_a_worker_runs()
        events = _ledger_events(empty_ledger_ok)
        self.stdout.write(f"Erasure ledger: {len(events)} events in {_ledger_location()}.")
        try:
            result = restore_archive(archive, key=encryption_key(), force=force)
        except (ArchiveError, DatabaseError) as error:
            raise CommandError(str(error)) from None
        files = ", ".join(f"{count} {alias}" for alias, count in result.files.items())
        self.stdout.write(
            f"Restored {result.name} (made {result.created}): {result.vendor} database, "
            f"files: {files}."
        )
        try:
            # An archive made before a release holds the old schema: migrate it first, so the
            # replay (which loads whole rows to delete them) works on today's models.
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write("Replaying the erasure ledger…")
            report = replay(events)
        except Exception as error:
            raise CommandError(
                f"The erasure ledger could not be replayed ({error!r}). Do NOT start the site: "
                "fix the cause and run manage.py migrate and manage.py replay_ledger."
            ) from error
        self.stdout.write(_replayed(report))


def _refuse_while_a_worker_runs():
    """A worker running meanwhile could mail someone whose data is restored but not yet
    erased again: the runbook stops workers first, and this makes sure (a heartbeat the
    health check counts as live)."""
    if worker_state()[0] == "ok":
        raise CommandError(
            "A task worker is running (its heartbeat is recent). Stop every worker and web "
            "server before a restore, then run it again."
        )


def _ledger_events(empty_ok):
    """Every event of the ledger (read once: the replay uses them too)."""
    try:
        events = list(ledger.read_events())
    except Exception as error:
        raise CommandError(
            f"The erasure ledger at {_ledger_location()} cannot be read ({error!r}); without "
            "it a restore would bring erased data back."
        ) from error
    if not events and not empty_ok:
        raise CommandError(
            f"The erasure ledger at {_ledger_location()} holds no event. If this deployment "
            "has never deleted anything, pass --empty-ledger-ok; otherwise point "
            "STORAGES['ledger'] (LEDGER_ROOT or LEDGER_AWS_STORAGE_BUCKET_NAME) at the "
            "production ledger first, or erased data comes back."
        )
    return events


def _ledger_location():
    storage = ledger.ledger_storage()
    return getattr(storage, "bucket_name", None) or getattr(storage, "location", "?")


def _replayed(report):
    return (
        f"Erasure ledger replayed: {report.events} events; deleted again "
        f"{report.submissions} submissions, {report.photos} photos and {report.files} files "
        "that the backup still held."
    )
