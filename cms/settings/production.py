"""Production: secrets and hosts only from the environment, HTTPS everywhere."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SITE_HOSTNAMES, env_bool, env_list

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")

if not os.environ.get("SITE_HOSTNAMES"):
    # Without it, setup_sites would point both sites at *.localhost.
    raise ImproperlyConfigured("SITE_HOSTNAMES must be set in production.")
SITE_PORT = int(os.environ.get("SITE_PORT", "443"))

# Each company's hostname and its www. alias (CanonicalHostMiddleware redirects www. away).
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [
    host for hostname in SITE_HOSTNAMES.values() for host in (hostname, f"www.{hostname}")
]

# Without Redis each gunicorn worker has its own memory cache: a publish would reach only the
# worker that handled it, and the others would serve their stale copy. So without REDIS_URL
# the page cache and its memo are off.
PAGE_CACHE_ENABLED = bool(os.environ.get("REDIS_URL"))
# Visit statistics likewise: without Redis each worker would count with its own daily salt
# (one visitor counted once per process), keep that salt past midnight and write to the
# database in the request. Off unless Redis is there; check --deploy says so.
ANALYTICS_ENABLED = bool(os.environ.get("REDIS_URL")) and env_bool("ANALYTICS_ENABLED", True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Production runs behind one proxy that appends the client to X-Forwarded-For (nginx, or the
# load balancer): see base.py and docs/deployment.md.
# (The deprecated FORMS_TRUST_X_FORWARDED_FOR no longer changes this; set TRUSTED_PROXY_COUNT.)
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Uploads are scanned by clamd (cms/antivirus.py); ANTIVIRUS_ENABLED=0 turns it off and
# check --deploy then warns.
ANTIVIRUS_ENABLED = env_bool("ANTIVIRUS_ENABLED", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # Wagtail's live preview shows the page in a same-origin iframe, so frames stay
    # SAMEORIGIN rather than DENY (the XFrameOptions middleware still blocks other origins).
    "security.W019",
]
# HSTS preloading is a commitment for the company domains that the client makes, not us:
# turn it on with SECURE_HSTS_PRELOAD=1 once they have decided.
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Files on S3-compatible storage (django-storages) so web servers keep nothing on local disk:
# public media (images, documents) in one bucket, visitors' photos in a private one.
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "file_overwrite": False,
            "querystring_auth": False,
        },
    }
if os.environ.get("PRIVATE_AWS_STORAGE_BUCKET_NAME"):
    STORAGES["private"] = {
        "BACKEND": "forms_app.storage.PrivateS3Storage",
        "OPTIONS": {"bucket_name": os.environ["PRIVATE_AWS_STORAGE_BUCKET_NAME"]},
    }
# Backup archives and the erasure ledger in buckets of their own (docs/operations.md "Backups"):
# the ledger must survive what a restore rewinds, so never the backups' bucket.
if os.environ.get("BACKUP_AWS_STORAGE_BUCKET_NAME"):
    STORAGES["backups"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["BACKUP_AWS_STORAGE_BUCKET_NAME"],
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
if os.environ.get("LEDGER_AWS_STORAGE_BUCKET_NAME"):
    STORAGES["ledger"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["LEDGER_AWS_STORAGE_BUCKET_NAME"],
            "default_acl": "private",
            "location": os.environ.get("LEDGER_AWS_LOCATION", "erasure-ledger"),
            "file_overwrite": False,
        },
    }
