from django.core.management.base import BaseCommand

from backups.management.commands.restore import _replayed
from backups.replay import replay


class Command(BaseCommand):
    help = (
        "Delete again every submission, photo and file the erasure ledger lists (manage.py "
        "restore runs this itself). Safe to run any number of times."
    )

    def handle(self, *args, **options):
        self.stdout.write(_replayed(replay()))
