"""Test settings: fast hashing, in-memory mail, files under a throwaway folder.

The database is SQLite unless DATABASE_URL is set (CI runs the suite on PostgreSQL).
"""

import atexit
import shutil
import tempfile
from pathlib import Path

from .dev import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105 (tests only)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
# Throwaway folders, removed when the test process ends.
_TMP = Path(tempfile.mkdtemp(prefix="mih-test-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
MEDIA_ROOT = _TMP / "media"
PRIVATE_MEDIA_ROOT = _TMP / "private"
STORAGES = {
    **STORAGES,
    "private": {
        "BACKEND": "forms_app.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "backups": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": _TMP / "backups"},
    },
    "ledger": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": _TMP / "ledger"},
    },
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WORKER_HEARTBEAT_FILE = None  # in the (per-test emptied) cache; the file mode has its own test
WAGTAILADMIN_BASE_URL = "http://testserver"
STATIC_ROOT = _TMP / "static"
STATIC_ROOT.mkdir()
