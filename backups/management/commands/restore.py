from django.core.management.base import BaseCommand, CommandError

from backups.archive import ArchiveError, encryption_key, list_archives, restore_archive
from backups.database import DatabaseError
from backups.replay import replay


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

    def handle(self, *args, archive, force, list, **options):
        names = list_archives()
        if list:
            for name in names:
                self.stdout.write(name)
            return
        if archive is None:
            if not names:
                raise CommandError("There is no backup archive in the backups storage.")
            archive = names[-1]
        try:
            result = restore_archive(archive, key=encryption_key(), force=force)
        except (ArchiveError, DatabaseError) as error:
            raise CommandError(str(error)) from None
        files = ", ".join(f"{count} {alias}" for alias, count in result.files.items())
        self.stdout.write(
            f"Restored {result.name} (made {result.created}): {result.vendor} database, "
            f"files: {files}."
        )
        self.stdout.write("Replaying the erasure ledger…")
        try:
            report = replay()
        except Exception as error:
            raise CommandError(
                f"The erasure ledger could not be replayed ({error!r}). Do NOT start the site: "
                "fix the cause and run manage.py replay_ledger."
            ) from error
        self.stdout.write(_replayed(report))


def _replayed(report):
    return (
        f"Erasure ledger replayed: {report.events} events; deleted again "
        f"{report.submissions} submissions, {report.photos} photos and {report.files} files "
        "that the backup still held."
    )
