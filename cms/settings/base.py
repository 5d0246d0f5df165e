"""Production-safe base settings for the MIH sites.

Everything configurable comes from environment variables (see ``.env.example`` and the
README). ``dev.py``, ``test.py`` and ``production.py`` only change what differs.
"""

import os
from datetime import timedelta
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
    "compliance",
    # The cookie banner and the consent log (policy section 2; docs/data-protection.md)
    "cookie_consent",
    # Visit statistics counted on the server (policy section 5)
    "analytics",
    # manage.py backup / restore and the erasure ledger (docs/operations.md "Backups")
    "backups",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    # Purges a CDN or caching proxy on publish when WAGTAILFRONTENDCACHE is set (below).
    "wagtail.contrib.frontend_cache",
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
    # Admin login throttling (AccessAttempt rows; listed for superusers by home/lockouts.py)
    "axes",
    # Content-Security-Policy header (its system checks; the middleware is ours, home.middleware)
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # /healthz/ for the load balancer, answered before anything else: any Host (its IP too),
    # plain HTTP, no session or CSRF (cms.health).
    "cms.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy and Cross-Origin-Resource-Policy on every response, static files too.
    "home.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Visit statistics (analytics/): counts page views on the way out, above the page cache so
    # cached pages count too, below WhiteNoise (static files are never page views).
    "analytics.middleware.StatisticsMiddleware",
    # Anonymous content pages from the shared cache (home/page_cache.py), as early as a hit
    # may be served: below the security headers above (they run on every response) and
    # WhiteNoise (static files never look in the cache), above everything else (a hit runs
    # none of it). The CSP below is stored with each page (the same for every response of a
    # page); a www. host or a request with a body never hits.
    "home.page_cache.PageCacheMiddleware",
    # Content-Security-Policy: strict on public pages, Wagtail's needs on /admin/.
    "home.middleware.ContentSecurityPolicyMiddleware",
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
    # Every admin upload no form of ours scans (profile pictures, imports) is scanned first.
    "cms.antivirus.AdminUploadScanMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out login into our lockout page.
    "axes.middleware.AxesMiddleware",
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


def redis_cache_settings(url, key_prefix="mih"):
    """The ``default`` cache on Redis: a Redis outage makes cache misses, never errors.

    ``cms.redis_cache.ResilientRedisCache`` ignores connection errors (a miss, logged once per
    pause) and stops trying for a moment after one; the socket timeouts bound each attempt
    when Redis stops answering rather than refusing.
    """
    return {
        "BACKEND": "cms.redis_cache.ResilientRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5")),
            "SOCKET_TIMEOUT": float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5")),
        },
    }


# Cache: Redis when REDIS_URL is set (shared by every web process), local memory otherwise.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": redis_cache_settings(
            os.environ["REDIS_URL"], os.environ.get("CACHE_KEY_PREFIX", "mih")
        )
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Page cache (home/page_cache.py): anonymous content pages are kept this many seconds in the
# cache above (0: off); any publish, unpublish, move, delete or settings change replaces them
# at once on every worker. Browsers may keep a page PAGE_CACHE_MAX_AGE seconds, a CDN or
# caching proxy PAGE_CACHE_S_MAXAGE (raise it once WAGTAILFRONTENDCACHE purges that proxy).
# Off in production without REDIS_URL (production.py): per-process caches cannot share a publish.
PAGE_CACHE_ENABLED = True
# The per-process memo of lookups (site, routes, settings, menus) is dropped at every new
# generation and at the latest after this many seconds (a bump lost to a Redis outage).
PAGE_MEMO_SECONDS = int(os.environ.get("PAGE_MEMO_SECONDS", "60"))
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
PAGE_CACHE_MAX_AGE = int(os.environ.get("PAGE_CACHE_MAX_AGE", "60"))
PAGE_CACHE_S_MAXAGE = int(os.environ.get("PAGE_CACHE_S_MAXAGE", "60"))

# A CDN or caching proxy in front, purged by Wagtail's frontend_cache (as a background task)
# on every change the page cache above is refreshed for: an HTTP PURGE endpoint (Varnish,
# nginx with a purge module) and/or Cloudflare. Nothing is purged when neither is set.
WAGTAILFRONTENDCACHE = {}
if os.environ.get("FRONTEND_CACHE_PURGE_URL"):
    WAGTAILFRONTENDCACHE["proxy"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": os.environ["FRONTEND_CACHE_PURGE_URL"],
    }
if os.environ.get("FRONTEND_CACHE_CLOUDFLARE_ZONEID"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "BEARER_TOKEN": os.environ.get("FRONTEND_CACHE_CLOUDFLARE_BEARER_TOKEN", ""),
        "ZONEID": os.environ["FRONTEND_CACHE_CLOUDFLARE_ZONEID"],
    }

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
# Ours first (makemessages writes only there), then the hand-kept Danish for Wagtail's and
# Django's admin strings, which wins over the packages' own catalogues.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True
# Our date formats: English pages write "26 November 2026" (Django's English is American);
# Django's own Danish already writes "26. november 2026".
FORMAT_MODULE_PATH = ["cms.formats"]

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
    # Backup archives (manage.py backup; backups/): a folder here, a bucket in production.
    "backups": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(os.environ.get("BACKUP_ROOT", VAR_DIR / "backups"))},
    },
    # The erasure ledger (backups/ledger.py): what every erasure, purge and delete removed, so
    # a restore can delete it again. Never in the database and never in the backups.
    "ledger": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(os.environ.get("LEDGER_ROOT", VAR_DIR / "ledger"))},
    },
}
# Backups: AES-256-GCM with this key when set (manage.py backup --generate-key makes one; keep
# it apart from the archives). Rotation keeps the newest archive of each of the last
# BACKUP_KEEP_DAILY days and the first of each of the last BACKUP_KEEP_MONTHLY months.
BACKUP_ENCRYPTION_KEY = os.environ.get("BACKUP_ENCRYPTION_KEY", "")
BACKUP_KEEP_DAILY = int(os.environ.get("BACKUP_KEEP_DAILY", "7"))
BACKUP_KEEP_MONTHLY = int(os.environ.get("BACKUP_KEEP_MONTHLY", "12"))
# Where an archive is assembled before it is stored (needs room for one archive).
BACKUP_TEMP_DIR = os.environ.get("BACKUP_TEMP_DIR") or None

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
# Seconds an SMTP connect, greeting or reply may take before the worker gives up and retries
# later (mail is sent only by the worker, never in a visitor's request).
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))

# Background tasks (django-tasks): notification mail and Wagtail's own tasks (reference index,
# frontend-cache purges, image focal points, file deletion) are rows in the database, run by
# `manage.py run_worker`. django-tasks 0.12 enqueues at once (it has no ENQUEUE_ON_COMMIT), so
# a task enqueued inside a transaction is written, and rolled back, with it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A notification mail that fails is tried again after these many seconds (1 min, 5 min,
# 30 min, 2 h, 12 h; the last repeats), FORMS_MAIL_MAX_ATTEMPTS times in all, then it is
# given up and listed for staff ("Mail der ikke er sendt").
FORMS_MAIL_RETRY_DELAYS = [
    int(delay) for delay in env_list("FORMS_MAIL_RETRY_DELAYS", "60,300,1800,7200,43200")
]
FORMS_MAIL_MAX_ATTEMPTS = int(os.environ.get("FORMS_MAIL_MAX_ATTEMPTS", "6"))

# Cookie consent (cookie_consent/): a choice counts this many days, then the banner asks
# again (also after a policy revision published as a substantive change). The consent log
# keeps a consent id's entries this long after its last change (5 years, as bookkeeping
# evidence), then the daily job (purge_expired_submissions --delete) prunes them.
CONSENT_MAX_AGE_DAYS = int(os.environ.get("CONSENT_MAX_AGE_DAYS", "365"))
CONSENT_LOG_RETENTION_DAYS = int(os.environ.get("CONSENT_LOG_RETENTION_DAYS", str(5 * 365)))
# Cookie choices one client address may post per site within FORMS_RATE_LIMIT_WINDOW.
CONSENT_RATE_LIMIT = int(os.environ.get("CONSENT_RATE_LIMIT", "30"))

# Visit statistics (analytics/): counted on the server per site, batched in the cache
# (Redis) and written to the database by the worker. Page views of one visitor with no gap
# longer than this are one visit.
ANALYTICS_ENABLED = env_bool("ANALYTICS_ENABLED", True)
ANALYTICS_VISIT_GAP_SECONDS = int(os.environ.get("ANALYTICS_VISIT_GAP_SECONDS", "1800"))

# Security defaults that hold everywhere; production.py adds HTTPS-only settings.
SESSION_COOKIE_HTTPONLY = True
# The privacy policy promises session cookies that end when the browser closes.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_AGE = None
CSRF_COOKIE_HTTPONLY = True
# A refused CSRF check on a form page shows the form again with what was typed (not photos,
# consent or the honeypot) and a fresh token; elsewhere a friendly page (forms_app/intake).
CSRF_FAILURE_VIEW = "forms_app.intake.csrf_failure.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"  # Django's default, stated

# Content-Security-Policy (django-csp; home.middleware.ContentSecurityPolicyMiddleware). Public
# pages: nothing inline, no nonce (the page cache serves one body to every visitor), so the
# policy is the same for every response. The public media origin (S3 / a CDN) is added to
# img-src from the default storage's URLs; CSP_EXTRA_IMG_SRC adds more.
CSP_EXTRA_IMG_SRC = env_list("CSP_EXTRA_IMG_SRC")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *CSP_EXTRA_IMG_SRC],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# The Wagtail admin (every path under CSP_ADMIN_PATH_PREFIXES, the staff "Henvendelser" views
# and the page preview included): what its own scripts need and no more, measured with the
# browser tests (tests/browser/test_csp_browser.py). Its stylesheets and many components set
# inline style attributes.
CSP_ADMIN_PATH_PREFIXES = ["/admin/"]
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        # Wagtail's date and date-time widgets (scheduled publishing, the inbox's date filter)
        # render an inline <script> that starts their picker.
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # The live preview shows the page in a same-origin iframe.
        "frame-ancestors": ["'self'"],
    }
}
# Browser features no page of ours uses, off for every page and any frame in it.
PERMISSIONS_POLICY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]
# Other sites may not embed our responses (scripts, images, pages) in theirs.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"

# Sessions: staff are logged out after a working day without a request (sliding: every
# request moves the expiry); the cookie itself still ends when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(9 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True

# Admin login throttling (django-axes, home/lockouts.py, docs/operations.md): after
# AXES_FAILURE_LIMIT failed logins within AXES_COOLOFF_TIME, from one client address or for one
# username, further logins are refused (even with the right password) until the last failure is
# that old. A username lockout does not apply at a client address from which that user logged
# in successfully within AXES_KNOWN_CLIENT_DAYS, so a guesser elsewhere cannot keep the real
# user out; that address still has its own limit.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "60")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_KNOWN_CLIENT_DAYS = int(os.environ.get("AXES_KNOWN_CLIENT_DAYS", "30"))
# Failures during a lockout are not counted: the lockout ends a cool-off after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "home.lockouts.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "home.lockouts.lockout_response"
# The client address as the form rate limit sees it (TRUSTED_PROXY_COUNT, below).
AXES_CLIENT_IP_CALLABLE = "cms.client_ip.client_ip"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per background task run is noise, not information.
    # django-axes: its warnings (a failed login, a lockout) are kept, its per-login INFO lines
    # are not.
    "loggers": {"django_tasks": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
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

# Antivirus (cms/antivirus.py; docs/operations.md "Antivirus"): uploads (visitors' photos,
# editors' documents and images) are scanned by ClamAV's clamd before anything reads them and
# refused when infected or when clamd does not answer (fail closed). Off here (development,
# make test); on in production, where check --deploy warns when it is off.
ANTIVIRUS_ENABLED = env_bool("ANTIVIRUS_ENABLED", False)
# clamd's Unix socket (Debian's default), or tcp://host:port for a clamd elsewhere.
CLAMAV_SOCKET = os.environ.get("CLAMAV_SOCKET", "/var/run/clamav/clamd.ctl")
# Seconds each step of a scan (connect, send, clamd's verdict) may take.
CLAMAV_TIMEOUT = float(os.environ.get("CLAMAV_TIMEOUT", "10"))
# Wagtail's document and image forms, with the upload scanned first (cms/antivirus_forms.py).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.antivirus_forms.ScannedDocumentForm"
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.antivirus_forms.ScannedImageForm"
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
# How many proxies in front of gunicorn append to X-Forwarded-For (nginx, a load balancer):
# the client address is that many entries from its right, anything further left is whatever the
# client sent (cms.client_ip; used by the form rate limit and the admin login throttle). 0 (the
# default here; production's is 1) uses REMOTE_ADDR. The deprecated
# FORMS_TRUST_X_FORWARDED_FOR=1 still means 1.
TRUSTED_PROXY_COUNT = int(
    os.environ.get("TRUSTED_PROXY_COUNT", "1" if env_bool("FORMS_TRUST_X_FORWARDED_FOR") else "0")
)
# /healthz/ reports the background worker as stale when its last heartbeat is older than this
# many seconds (cms.health).
WORKER_HEARTBEAT_MAX_AGE = int(os.environ.get("WORKER_HEARTBEAT_MAX_AGE", "120"))
# A task a worker started this many seconds ago and never finished is put back in the queue
# (its worker was killed mid-task; run_worker sweeps once a minute). Far above EMAIL_TIMEOUT.
WORKER_STALLED_SECONDS = int(os.environ.get("WORKER_STALLED_SECONDS", "900"))
# Where the worker's heartbeat lives (cms/heartbeat.py): the shared cache when it is Redis (every
# host sees it); without Redis, the local-memory cache is per process, so a file under var/
# that the dev server and the worker of one host both read.
WORKER_HEARTBEAT_FILE = None if os.environ.get("REDIS_URL") else VAR_DIR / "worker-heartbeat"
# On PostgreSQL the staff CSV export's rows are written by the database (COPY), byte for byte
# the Python pipeline's file; off (0) uses the Python pipeline, as SQLite always does
# (forms_app.staff.export).
FORMS_EXPORT_COPY = env_bool("FORMS_EXPORT_COPY", True)
# Photo uploads larger than this go to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Access review (compliance/access_review.py; docs/operations.md "Yearly access review"):
# accounts with access that have not logged in for this many days are flagged, and the report
# warns when a site's last sign-off is older than the interval.
ACCESS_REVIEW_IDLE_DAYS = int(os.environ.get("ACCESS_REVIEW_IDLE_DAYS", "90"))
ACCESS_REVIEW_INTERVAL_DAYS = int(os.environ.get("ACCESS_REVIEW_INTERVAL_DAYS", "365"))
