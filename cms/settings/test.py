"""Test settings: fast hashing, in-memory mail, files under a throwaway folder.

The database is SQLite unless DATABASE_URL is set (CI runs the suite on PostgreSQL).
"""

import os
import tempfile
from pathlib import Path

from .dev import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105 (tests only)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", tempfile.mkdtemp(prefix="mih-test-media-")))
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WAGTAILADMIN_BASE_URL = "http://testserver"
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="mih-test-static-"))
