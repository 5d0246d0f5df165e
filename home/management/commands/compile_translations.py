"""Compile the .po catalogues under LOCALE_PATHS to .mo with polib.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt`` on the machine; polib (already
installed with wagtail-localize) does the same in pure Python, so a fresh clone needs no
system package to get a Danish site.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po to .mo (no gettext install needed)."

    def handle(self, *args, **options):
        for locale_dir in map(Path, settings.LOCALE_PATHS):
            for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                self.stdout.write(f"Compiled {mo_path.relative_to(settings.BASE_DIR)}")
