from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from wagtail.models import Site

from cookie_consent.prune import cutoff, prunable_entries, prune_consent_log, retention_days
from forms_app.orphans import sweep_orphans
from forms_app.purge import purge_expired
from home.lockouts import purge_login_records


class Command(BaseCommand):
    help = (
        "Report submissions past their retention date and not on legal hold, and orphaned "
        "photo files (no photo row, older than FORMS_ORPHAN_GRACE_HOURS); delete them (rows "
        "and photo files) only with --delete, and with it old admin login records and the cookie "
        "consent log entries of visitors whose latest choice is older than "
        "CONSENT_LOG_RETENTION_DAYS. Run daily, e.g. from cron."
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

        # After the purge, whose own files go as its batches commit: what is left with no
        # row is an orphan (forms_app.orphans).
        orphans = sweep_orphans(delete=delete)
        self.stdout.write(
            f"{verb} {orphans.removed if delete else orphans.found} orphaned "
            f"photo files (no photo row, older than {orphans.grace_hours:g} hours); "
            f"{orphans.young} younger kept."
        )
        if delete:
            # Failed and successful admin logins django-axes keeps (home/lockouts.py): failures
            # past their cool-off, logins past AXES_KNOWN_CLIENT_DAYS.
            attempts, logins = purge_login_records()
            self.stdout.write(
                f"Deleted {attempts} expired failed-login records and {logins} old login records."
            )
        # The cookie consent log (cookie_consent/prune.py): every entry of a consent id whose
        # latest choice is older than CONSENT_LOG_RETENTION_DAYS.
        now = timezone.now()
        if delete:
            consent_entries = prune_consent_log(now=now, batch_size=batch_size)
        else:
            consent_entries = prunable_entries(now=now).count()
        self.stdout.write(
            f"Consent log: {consent_entries} entries older than {retention_days()} days "
            f"{'deleted' if delete else 'would be deleted'} (visitors whose latest choice is "
            f"before {cutoff(now):%Y-%m-%d %H:%M} UTC)."
        )
        if not delete and (report.count or orphans.found or consent_entries):
            self.stdout.write("Nothing was deleted. Run again with --delete to delete them.")
        if orphans.failed:
            raise CommandError(
                f"{orphans.failed} orphaned photo files could not be deleted; see the log."
            )
