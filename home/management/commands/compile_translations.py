"""Compile the .po catalogues under LOCALE_PATHS to .mo with polib.

That is the project's own catalogue (``locale/``, made by makemessages) and the hand-kept
Danish for Wagtail's and Django's admin strings (``locale_overrides/``), both .po and
djangojs.po.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt`` on the machine; polib (already
installed with wagtail-localize) does the same in pure Python, so a fresh clone needs no
system package to get a Danish site.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Compile the .po catalogues of every LOCALE_PATHS folder (locale/, locale_overrides/) "
        "to .mo (no gettext install needed)."
    )

    def handle(self, *args, **options):
        for locale_dir in map(Path, settings.LOCALE_PATHS):
            for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                shown = (
                    mo_path.relative_to(settings.BASE_DIR)
                    if mo_path.is_relative_to(settings.BASE_DIR)
                    else mo_path
                )
                self.stdout.write(f"Compiled {shown}")
