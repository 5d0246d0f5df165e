"""``manage.py import_policy --site HOSTNAME FILE.md [--publish]``.

A thin shell over :func:`home.policy_import.import_policy`. Import problems become a
``CommandError`` so the message is printed without a traceback and the exit code is non-zero.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from home.policy_import import PolicyImportError, import_policy


class Command(BaseCommand):
    help = (
        "Import a Markdown privacy policy as a new revision of a site's privacy policy page "
        "(a draft unless --publish is given)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The Markdown file (UTF-8).")
        parser.add_argument(
            "--site",
            required=True,
            metavar="HOSTNAME",
            help="Hostname of the Wagtail site whose policy page to update, e.g. mihvvs.dk.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the new revision instead of leaving it as a draft.",
        )

    def handle(self, *args, **options):
        try:
            result = import_policy(options["site"], options["file"], publish=options["publish"])
        except PolicyImportError as exc:
            raise CommandError(str(exc)) from exc
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(self.style.SUCCESS(result.summary()))
