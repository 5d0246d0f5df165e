"""Production-safe base settings for the MIH sites.

Everything configurable comes from environment variables (see ``.env.example`` and the
README). ``dev.py``, ``test.py`` and ``production.py`` only change what differs.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def parse_site_hostnames(value):
    """Parse ``SITE_HOSTNAMES`` ("mihvvs=mihvvs.dk,mihel=mihel.dk") into a dict.

    The key is the site's root-page slug (how the code identifies a site); the value is the
    canonical hostname that Wagtail's ``Site`` record answers to.
    """
    hostnames = {}
    for item in value.split(","):
        if not item.strip():
            continue
        key, sep, hostname = item.partition("=")
        if not sep or not key.strip() or not hostname.strip():
            raise ImproperlyConfigured(
                f"SITE_HOSTNAMES entries must look like key=hostname, got {item!r}"
            )
        hostnames[key.strip()] = hostname.strip().lower()
    return hostnames


DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

# Which hostname each company's site answers to. Development defaults to *.localhost, which
# browsers resolve to loopback without any hosts-file edits.
SITE_HOSTNAMES = parse_site_hostnames(
    os.environ.get("SITE_HOSTNAMES", "mihvvs=mihvvs.localhost,mihel=mihel.localhost")
)

# The port Wagtail's Site records carry: 80 gives http:// page URLs, 443 https:// ones.
SITE_PORT = int(os.environ.get("SITE_PORT", "80"))

INSTALLED_APPS = [
    "home",
    "forms_app",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "home.middleware.CanonicalHostMiddleware",
    # 413 for a body larger than any form needs, before anything reads it (CSRF reads
    # request.POST in process_view, which runs after every middleware's __call__).
    "home.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Language from the URL: /en/… is English, everything else Danish (never the browser's
    # Accept-Language, so a Danish page is always Danish).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# Database: PostgreSQL (psycopg 3) via DATABASE_URL in production; a SQLite file under var/
# for a newcomer.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# The embedded database's options (also used by the tests that prove concurrent posts on it).
SQLITE_OPTIONS = {
    # Every transaction takes the write lock when it begins, waiting its turn up to the
    # timeout: a deferred one that has read first cannot wait for the lock and fails
    # with "database is locked" when another process writes at the same time.
    "transaction_mode": "IMMEDIATE",
    "timeout": int(os.environ.get("SQLITE_TIMEOUT", "20")),
    # WAL: readers never block the writer, nor the writer them.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        **SQLITE_OPTIONS,
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by every web process), local memory otherwise.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "mih"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Danish first, English as a translation.
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# Static and media files
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Visitors' photos: outside MEDIA_ROOT, no public URL; served only by a checked view.
    "private": {
        "BACKEND": "forms_app.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Email
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@mihvvs.dk")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Security defaults that hold everywhere; production.py adds HTTPS-only settings.
SESSION_COOKIE_HTTPONLY = True
# The privacy policy promises session cookies that end when the browser closes.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_AGE = None
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per background task run is noise, not information.
    "loggers": {"django_tasks": {"level": "WARNING"}},
}

# Wagtail
WAGTAIL_SITE_NAME = "MIH VVS · MIH El"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# No SVG: an editor-uploaded SVG can carry script.
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Wagtail's default, set here because the request size cap for /admin/ reads it.
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# No avatars from Gravatar: fetching one tells a third party which staff member's email hash
# is being shown, from the viewer's browser (policy section 6). Wagtail's default image instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Visitor forms: photos, rate limit. See docs/data-protection.md.
FORMS_PHOTO_MAX_COUNT = int(os.environ.get("FORMS_PHOTO_MAX_COUNT", "8"))
FORMS_PHOTO_MAX_BYTES = int(os.environ.get("FORMS_PHOTO_MAX_BYTES", str(15 * 1024 * 1024)))
FORMS_PHOTO_MAX_TOTAL_BYTES = int(
    os.environ.get("FORMS_PHOTO_MAX_TOTAL_BYTES", str(40 * 1024 * 1024))
)
# A request body may be this much larger than the photos (text fields, multipart framing);
# anything larger is refused with 413 before it is read (home.middleware).
REQUEST_BODY_MARGIN_BYTES = int(os.environ.get("REQUEST_BODY_MARGIN_BYTES", str(2 * 1024 * 1024)))
# 50 megapixels: more than any phone camera (48 MP JPEG or HEIC), far less than a
# decompression bomb. PNG and WebP are decoded whole (WebP at ~16 bytes a pixel) and are never
# a camera's format: 12.6 MP (4096 x 3072) each.
FORMS_PHOTO_MAX_PIXELS = int(os.environ.get("FORMS_PHOTO_MAX_PIXELS", str(50_000_000)))
FORMS_PHOTO_MAX_PIXELS_PNG_WEBP = int(
    os.environ.get("FORMS_PHOTO_MAX_PIXELS_PNG_WEBP", str(12_600_000))
)
# Pixels one submission may make us decode, weighted by what a pixel costs to decode
# (forms_app.intake.photos.DECODE_COST: JPEG 1, at the reduced size libjpeg decodes it at; PNG
# 2; WebP and HEIC 3): bounds a request's CPU time to about 3 s (tests/bench/photo_cost.py).
# Eight 12 MP JPEG phone photos fit, or five 12 MP HEIC, or one 48 MP HEIC and a bit.
FORMS_PHOTO_MAX_TOTAL_PIXELS = int(
    os.environ.get("FORMS_PHOTO_MAX_TOTAL_PIXELS", str(200_000_000))
)
# Photos are stored at most this long edge (16.7 MP): detail enough for staff, and an
# ordinary 12 MP phone photo (4032 x 3024) is kept at its own size.
FORMS_PHOTO_MAX_EDGE = int(os.environ.get("FORMS_PHOTO_MAX_EDGE", "4096"))
# The daily purge also deletes private photo files with no photo row (a worker killed between
# writing the file and committing the row), but only files older than this many hours, so an
# upload in flight is never touched (forms_app.orphans; at least 1).
FORMS_ORPHAN_GRACE_HOURS = int(os.environ.get("FORMS_ORPHAN_GRACE_HOURS", "24"))
# At most this many form posts per client and site within the window (seconds).
FORMS_RATE_LIMIT = int(os.environ.get("FORMS_RATE_LIMIT", "10"))
FORMS_RATE_LIMIT_WINDOW = int(os.environ.get("FORMS_RATE_LIMIT_WINDOW", "600"))
# At most this many receipts to one email address within the window (seconds), on all sites
# together: a visitor can type anyone's address.
FORMS_RECEIPT_LIMIT = int(os.environ.get("FORMS_RECEIPT_LIMIT", "3"))
FORMS_RECEIPT_LIMIT_WINDOW = int(os.environ.get("FORMS_RECEIPT_LIMIT_WINDOW", str(24 * 3600)))
# Behind a load balancer, the client is the right-most address it adds to X-Forwarded-For.
FORMS_TRUST_X_FORWARDED_FOR = env_bool("FORMS_TRUST_X_FORWARDED_FOR")
# Photo uploads larger than this go to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
