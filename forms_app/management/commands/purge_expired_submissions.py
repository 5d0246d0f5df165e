from django.core.management.base import BaseCommand
from wagtail.models import Site

from forms_app.purge import purge_expired


class Command(BaseCommand):
    help = (
        "Report submissions past their retention date and not on legal hold; delete them "
        "(rows and photo files) only with --delete. Run daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", help="Delete them; without it, only report."
        )
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, delete, batch_size, **options):
        report = purge_expired(delete=delete, batch_size=batch_size)
        names = dict(Site.objects.values_list("pk", "site_name"))
        for site_id, count in sorted(report.per_site.items()):
            self.stdout.write(f"  {names.get(site_id, site_id)}: {count}")
        verb = "Deleted" if delete else "Would delete"
        self.stdout.write(
            f"{verb} {report.count} submissions past their retention date "
            f"({report.files} photo files), as of {report.today}."
        )
        if not delete and report.count:
            self.stdout.write("Nothing was deleted. Run again with --delete to delete them.")
