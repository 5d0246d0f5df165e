"""``check --deploy`` warnings for backups and the erasure ledger (docs/operations.md)."""

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage, storages


@checks.register(checks.Tags.security, deploy=True)
def check_backups(app_configs=None, **kwargs):
    warnings = []
    if not getattr(settings, "BACKUP_ENCRYPTION_KEY", ""):
        warnings.append(
            checks.Warning(
                "Backup archives are not encrypted: BACKUP_ENCRYPTION_KEY is not set.",
                hint="Make a key with manage.py backup --generate-key and keep it apart from "
                "the archives (docs/operations.md, Backups).",
                id="backups.W001",
            )
        )
    ledger_local = isinstance(storages["ledger"], FileSystemStorage)
    photos_local = isinstance(storages["private"], FileSystemStorage)
    if ledger_local and not photos_local:
        # Photos in a bucket means several hosts (or a replaceable one): a ledger in one
        # host's folder is partial there and lost with the host, and a restore elsewhere would
        # bring erased data back.
        warnings.append(
            checks.Warning(
                "The erasure ledger is a folder on this host while the photos are in a bucket.",
                hint="Set LEDGER_AWS_STORAGE_BUCKET_NAME to a bucket of its own, not the "
                "backups' (docs/operations.md, The erasure ledger).",
                id="backups.W002",
            )
        )
    return warnings
