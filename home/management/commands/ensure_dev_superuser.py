import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Development only: create the local superuser 'admin' once. The password comes from "
        "DJANGO_SUPERUSER_PASSWORD, or is generated and printed this one time."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_superuser only runs with DEBUG on (development).")
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write(
                "Admin login: user 'admin' (password as printed when it was created; "
                "reset it with: .venv/bin/python manage.py changepassword admin)"
            )
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@localhost", password)
        if os.environ.get("DJANGO_SUPERUSER_PASSWORD"):
            self.stdout.write("Admin login: user 'admin', password from DJANGO_SUPERUSER_PASSWORD")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Admin login: user 'admin', password {password}  (shown only this once)"
                )
            )
