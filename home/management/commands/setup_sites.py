from django.core.management.base import BaseCommand

from home.setup import setup_sites


class Command(BaseCommand):
    help = "Create both company sites, demo content and editor groups (safe to run again)."

    def handle(self, *args, **options):
        sites = setup_sites()
        for key, site in sites.items():
            self.stdout.write(f"{key}: {site.site_name} → {site.root_url}")
