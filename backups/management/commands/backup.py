from django.core.management.base import BaseCommand, CommandError

from backups import crypto
from backups.archive import ArchiveError, create_backup, encryption_key
from backups.database import DatabaseError
from backups.rotation import keep_counts, rotate


class Command(BaseCommand):
    help = (
        "Back up the database and every file of the public media and private photo storages "
        "into one archive in the backups storage (STORAGES['backups']), encrypted when "
        "BACKUP_ENCRYPTION_KEY is set, then delete archives beyond BACKUP_KEEP_DAILY daily "
        "and BACKUP_KEEP_MONTHLY monthly ones. Run daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-rotate", action="store_true", help="Keep every older archive this time."
        )
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Print a new random BACKUP_ENCRYPTION_KEY and do nothing else.",
        )

    def handle(self, *args, no_rotate, generate_key, **options):
        if generate_key:
            self.stdout.write(crypto.generate_key())
            return
        key = encryption_key()
        try:
            daily, monthly = keep_counts()
            result = create_backup(key=key)
        except (ArchiveError, DatabaseError) as error:
            raise CommandError(str(error)) from None
        files = ", ".join(f"{count} {alias}" for alias, count in result.files.items())
        self.stdout.write(
            f"Backup {result.name}: {result.vendor} database, files: {files}; "
            f"{result.size} bytes, {'encrypted' if result.encrypted else 'NOT encrypted'}."
        )
        if result.vanished:
            self.stdout.write(f"{result.vanished} files were deleted while the backup ran.")
        if not no_rotate:
            kept, deleted = rotate(daily=daily, monthly=monthly)
            self.stdout.write(
                f"Rotation ({daily} daily, {monthly} monthly): kept {len(kept)} archives, "
                f"deleted {len(deleted)}."
            )
