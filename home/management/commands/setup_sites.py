from django.core.management.base import BaseCommand
from django.db import transaction

from home.setup import setup_sites


class Command(BaseCommand):
    help = "Create both company sites, demo content and editor groups (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            help="Set every site's port to this one (make run passes the port it serves on, so "
            "'Vis live', the sitemap and links in the admin work on a developer's machine). "
            "Without it an existing site's port is left as it is.",
        )

    def handle(self, *args, port=None, **options):
        sites = setup_sites()
        if port is not None:
            with transaction.atomic():
                for site in sites.values():
                    if site.port != port:
                        site.port = port
                        site.save(update_fields=["port"])
        for key, site in sites.items():
            self.stdout.write(f"{key}: {site.site_name} → {site.root_url}")
