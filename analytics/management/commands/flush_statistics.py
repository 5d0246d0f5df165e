"""``manage.py flush_statistics``: write the counted visit statistics to the database now
(the worker does it once a minute); days before today are closed (see analytics.flush)."""

from django.core.management.base import BaseCommand

from analytics.flush import flush


class Command(BaseCommand):
    help = "Write the counted visit statistics to the database; close the days before today"

    def handle(self, *args, verbosity, **options):
        written = flush()
        if verbosity:
            for day, sites in sorted(written.items()):
                self.stdout.write(f"{day.isoformat()}: {sites} site(s)")
