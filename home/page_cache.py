"""The page cache: anonymous visitors get content pages from Django's cache, always fresh.

**What is cached.** A GET of a ``HomePage``, ``StandardPage`` or ``PrivacyPolicyPage``
(:data:`CACHEABLE_PAGE_TYPES`) by a visitor without a session or messages cookie, without a
query string and without an ``Authorization`` header, answered 200 with no ``Set-Cookie``, no
CSRF token used and no ``Cache-Control`` of its own. Form pages (CSRF), previews and the admin
(never served through a page's ``serve``), ``/healthz/``, errors and anything a logged-in user
sees are never stored. The entry is the body (byte for byte) with the headers the middleware
below this one set, the Content-Security-Policy included (the same for every response of a
public page); the middleware above it (security headers, Permissions-Policy, CORP) runs on
every response, hits too. A hit runs nothing below this middleware: one cache round trip
(the generation and the entry together), then the stored response.

**Keys.** ``page-cache:page:<sha1 of scheme://host:port, language, path, consent variant>``:
the host picks the site and is in every absolute URL of the page (the language switcher's),
the scheme too. The consent variant (:func:`cookie_consent.cookie.cache_variant`) keeps the
page with the cookie banner (a visitor without a current choice) apart from the page without.

**Freshness.** One *generation* token lives in the same cache (Redis when ``REDIS_URL`` is
set, so shared by every worker and host). Each entry records the generation it was rendered
under, and a hit needs the current one: the token and the entry come in one ``get_many``. Any
change a rendered page depends on (publish, unpublish, move, delete, view restrictions,
company settings, sites, locales, images, documents) replaces the token at once and again
after its transaction commits (:func:`bump`), so the next request on any worker renders
afresh. Entries also expire after ``PAGE_CACHE_SECONDS`` (0 turns the cache off).

**Cheaper misses.** The same generation keys a per-process memo (:func:`memo`) of what a page
render looks up besides its own content: the site for a host, the route from a path to its
page, view restrictions, company settings, the menu, the site root and the language versions.
A rendering after a miss then costs one or two queries instead of fifteen to twenty; it is as
fresh as the cache, since a new generation drops the memo.

Redis unreachable: no generation, so no cache and no memo; pages render as without either.
"""

import contextvars
import copy
import hashlib
import logging
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from wagtail.models import Page, Site

logger = logging.getLogger(__name__)

GENERATION_KEY = "page-cache:generation"
PAGE_KEY_PREFIX = "page-cache:page:"
# Set on a request whose page may be stored (before_serve_page hook, home/wagtail_hooks.py).
CACHEABLE_ATTR = "_page_cache_candidate"
# The header telling operators (and the tests) whether a response came from the cache.
STATUS_HEADER = "X-Page-Cache"
# The memo is dropped when it reaches this many entries (a bound, never reached by two sites).
MEMO_MAX_ENTRIES = 5000


def cacheable_page_types():
    from home.models import HomePage, PrivacyPolicyPage, StandardPage

    return (HomePage, StandardPage, PrivacyPolicyPage)


# -- the generation ------------------------------------------------------------------------


def _new_token():
    return uuid.uuid4().hex[:16]


def bump(**_kwargs):
    """A new generation now, and again once the current transaction commits.

    Now: this process (and its transaction) sees the change at once. After the commit: a
    worker that rendered the old content under the first new generation, before the commit,
    cannot keep it.
    """
    cache.set(GENERATION_KEY, _new_token(), timeout=None)
    transaction.on_commit(_bump_now)


def _bump_now():
    cache.set(GENERATION_KEY, _new_token(), timeout=None)
    _purge_frontend_cache()


def _purge_frontend_cache():
    """Purge every live public page from a CDN or proxy, when one is configured.

    A change of company settings or a menu shows on every page of a site, so all pages go
    (two small sites: tens of URLs). Wagtail enqueues the purge as a background task; it
    purges the published page itself on publish too.
    """
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    from wagtail.contrib.frontend_cache.utils import PurgeBatch

    batch = PurgeBatch()
    batch.add_pages(Page.objects.live().public().exclude(depth=1))
    batch.purge()


# -- the per-process memo ------------------------------------------------------------------

_memo_lock = threading.Lock()
_memo = {"generation": None, "entries": {}, "since": 0.0}
# The generation of the request this thread is answering (set by the middleware for the whole
# request, None outside one and for a visitor with a session): for code that has no request
# at hand (the form page's policy lookup and form class).
_current_generation = contextvars.ContextVar("page_cache_generation", default=None)


def memo(request, key, compute):
    """``compute()``, remembered in this process for the request's generation.

    ``request`` None: the generation of the request being answered (the middleware's). Without
    a generation (Redis down, a visitor with a session such as an editor, a shell or command,
    or no page-cache middleware ran) it is computed each time, as without the memo.
    """
    if request is None:
        generation = _current_generation.get()
    else:
        generation = getattr(request, "_page_cache_generation", None)
    if generation is None:
        return compute()
    now = time.monotonic()
    with _memo_lock:
        # A new generation drops the memo; so does its age, which bounds how long a change
        # whose generation bump was lost (Redis unreachable at that moment) can go unseen.
        if _memo["generation"] != generation or now - _memo["since"] > settings.PAGE_MEMO_SECONDS:
            _memo["generation"], _memo["entries"], _memo["since"] = generation, {}, now
        entries = _memo["entries"]
        if key in entries:
            return entries[key]
    value = compute()
    with _memo_lock:
        if _memo["generation"] == generation:
            if len(entries) >= MEMO_MAX_ENTRIES:
                entries.clear()
            entries[key] = value
    return value


def site_for_request(request):
    """Wagtail's site for the request's host and port, memoised."""
    host = request.get_host().lower()
    return memo(request, ("site", host), lambda: Site._find_for_request(request))


def localized_root(request, site):
    """The site's root page, specific, in the active language (the memo of ``site_root``)."""
    language = translation.get_language()
    return memo(request, ("root", site.pk, language), lambda: site.root_page.specific.localized)


def localized(request, page):
    """``page.localized``, memoised per page and language."""
    if page is None:
        return None
    language = translation.get_language()
    return memo(request, ("localized", page.pk, language), lambda: page.localized)


# -- the middleware ------------------------------------------------------------------------


def cache_seconds():
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 600))


def page_key(request):
    # Imported here: cookie_consent's modules import this one.
    from cookie_consent.cookie import cache_variant

    raw = "\n".join(
        [
            f"{request.scheme}://{request.get_host().lower()}",
            translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE,
            request.path,
            # Whether the banner shows: no (valid) consent cookie, or the epoch it was made in.
            cache_variant(request),
        ]
    )
    return PAGE_KEY_PREFIX + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def may_use_cache(request):
    """Whether the request is one a stored page may answer (or be stored from)."""
    meta = request.META
    if request.method not in ("GET", "HEAD") or meta.get("QUERY_STRING"):
        return False
    if "HTTP_AUTHORIZATION" in meta:
        return False
    # A body (RequestSizeLimitMiddleware, below, answers an oversized one) is never a page view.
    if meta.get("CONTENT_LENGTH") not in (None, "", "0") or "HTTP_TRANSFER_ENCODING" in meta:
        return False
    cookies = request.COOKIES
    # A session may be a logged-in editor's (the live page, never the cache); messages are
    # the visitor's own.
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def csrf_token_used(request):
    """Whether the response carries a CSRF token (``get_token`` ran; the CSRF middleware
    sets this key then, and only resets its value after setting the cookie)."""
    return "CSRF_COOKIE_NEEDS_UPDATE" in request.META


class PageCacheMiddleware:
    """Serve and store anonymous page responses; see the module docstring.

    Sits below the security-header and static-file middleware (they run on every response)
    and above everything else: CSP, canonical host, request size, session, locale, CSRF and
    auth (a hit needs none of them; the CSP header is stored with the page).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE_ENABLED:
            # Production without Redis (a cache per process): neither cache nor memo, or another
            # worker's publish would never reach this one's copies.
            return self.get_response(request)
        key = page_key(request) if may_use_cache(request) else None
        generation, entry = None, None
        try:
            found = cache.get_many([GENERATION_KEY, key] if key else [GENERATION_KEY])
            generation = found.get(GENERATION_KEY)
            if generation is None:
                # First use (or the cache was emptied): start a generation. ``add`` keeps a
                # token another worker set meanwhile. A cache that is down gives None.
                cache.add(GENERATION_KEY, _new_token(), timeout=None)
                generation = cache.get(GENERATION_KEY)
            entry = found.get(key) if key else None
        except Exception:  # noqa: BLE001 (any cache failure: render as without a cache)
            logger.warning("Page cache unavailable; rendering uncached")
            generation, entry = None, None
        # A session (an editor, maybe) skips the memo too: every lookup fresh from the database.
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        request._page_cache_generation = None if has_session else generation
        if (
            entry is not None
            and generation is not None
            and entry[0] == generation
            and cache_seconds() > 0
        ):
            return self.from_entry(entry)

        token = _current_generation.set(request._page_cache_generation)
        try:
            response = self.get_response(request)
        finally:
            _current_generation.reset(token)
        self.finish(request, response, key, generation)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Hand Wagtail its site and page route from the memo, through its request caches."""
        # Imported here: wagtail.views needs the models loaded, and the forms app imports this
        # module while they load.
        from wagtail import views as wagtail_views

        generation = getattr(request, "_page_cache_generation", None)
        if view_func is not wagtail_views.serve or generation is None:
            return None
        site = site_for_request(request)
        request._wagtail_site = site
        if site is None:
            return None
        path = view_args[0] if view_args else view_kwargs.get("path", "")
        request._wagtail_route_for_request = route(request, site, path)
        # Every page URL on the page (menu, language versions, policy link) needs the sites'
        # root paths, which Wagtail would fetch from the cache once per request.
        request._wagtail_cached_site_root_paths = memo(
            request, ("site-root-paths",), Site.get_site_root_paths
        )
        # The company settings, as CompanySettings.for_request would cache them on the request.
        from home.models import CompanySettings

        def load_company():
            company = CompanySettings.for_site(site)
            if company.logo is not None:
                # The header's logo rendition from this list, not from a cache round trip
                # (Wagtail still stores the rendition it used in the cache).
                company.logo.prefetched_renditions = list(company.logo.renditions.all())
            return company

        company = memo(request, ("company", site.pk), load_company)
        company = copy.copy(company)
        company._request = request
        setattr(request, CompanySettings.get_cache_attr_name(), company)
        return None

    @staticmethod
    def from_entry(entry):
        _generation, status, headers, content = entry
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response.headers[name] = value
        response.headers[STATUS_HEADER] = "hit"
        return response

    def finish(self, request, response, key, generation):
        candidate = getattr(request, CACHEABLE_ATTR, False)
        if not candidate or "Cache-Control" in response:
            if csrf_token_used(request) and "Cache-Control" not in response:
                # A page carrying a CSRF token (a form) is the visitor's own.
                patch_cache_control(response, private=True, no_cache=True)
            return
        user = getattr(request, "user", None)
        storable = (
            key is not None
            and generation is not None
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not csrf_token_used(request)
            and not (user is not None and user.is_authenticated)
        )
        if not storable:
            patch_cache_control(response, private=True, no_cache=True)
            return
        patch_cache_control(
            response,
            public=True,
            max_age=int(getattr(settings, "PAGE_CACHE_MAX_AGE", 60)),
            s_maxage=int(getattr(settings, "PAGE_CACHE_S_MAXAGE", 60)),
        )
        # A browser or CDN must not hand this page to someone who logs in afterwards.
        patch_vary_headers(response, ["Cookie"])
        seconds = cache_seconds()
        if request.method != "GET" or seconds <= 0:
            return
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        headers = [
            (name, value) for name, value in response.headers.items() if name != STATUS_HEADER
        ]
        entry = (generation, response.status_code, headers, response.content)
        try:
            cache.set(key, entry, timeout=seconds)
        except Exception:  # noqa: BLE001 (a full or absent cache only costs the next render)
            logger.warning("Page cache store failed", exc_info=False)
            return
        response.headers[STATUS_HEADER] = "miss"


# -- memoised routing ----------------------------------------------------------------------


def route(request, site, path):
    """Wagtail's route for ``path`` on ``site`` (``Page.route_for_request``), memoised.

    The memo holds the page the path leads to and the path left for the page's own routing
    (a routable page's sub-path); each request gets its own copy of the page to route on
    and serve, with its view restrictions and site filled in from the memo.
    """
    from django.http import Http404

    components = [component for component in path.split("/") if component]
    language = translation.get_language()

    def find():
        root = site.root_page.localized.specific
        try:
            result = root.route(request, components)
        except Http404:
            return None
        page = result[0]
        if getattr(page, "hero_image_id", None):
            page.hero_image  # noqa: B018 - loaded once, kept on the memoised page
        consumed = page.depth - root.depth
        if consumed < 0 or page.path[: len(root.path)] != root.path:
            return None  # not a plain walk down from the root: leave it to Wagtail
        return page, components[consumed:]

    found = memo(request, ("route", site.pk, language, path), find)
    if found is None:
        return None
    page, remaining = found
    page = copy.copy(page)
    restrictions = memo(
        request, ("restrictions", page.pk), lambda: list(page.get_view_restrictions())
    )
    # Instance attributes over Wagtail's methods, on this request's copy only: the
    # check_view_restrictions hook and get_site() (forms) get the memoised answers.
    page.get_view_restrictions = lambda: restrictions
    page.get_site = lambda: site
    try:
        return page.route(request, remaining)
    except Http404:
        return None


# -- invalidation --------------------------------------------------------------------------


def connect_signals():
    """Bump the generation on every change a rendered page depends on."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Locale, PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from home.models import CompanySettings

    page_published.connect(bump, dispatch_uid="page_cache_published")
    page_unpublished.connect(bump, dispatch_uid="page_cache_unpublished")
    post_page_move.connect(bump, dispatch_uid="page_cache_moved")
    # Deleting a page deletes its Page row (whatever its type); a live page is unpublished
    # first anyway. A receiver on Page alone keeps other models' bulk deletes fast.
    post_delete.connect(bump, sender=Page, dispatch_uid="page_cache_page_deleted")
    for model in (
        CompanySettings,
        Site,
        Locale,
        PageViewRestriction,
        get_image_model(),
        get_document_model(),
    ):
        name = model._meta.label_lower
        post_save.connect(bump, sender=model, dispatch_uid=f"page_cache_saved_{name}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"page_cache_deleted_{name}")
    m2m_changed.connect(
        bump,
        sender=PageViewRestriction.groups.through,
        dispatch_uid="page_cache_restriction_groups",
    )


def mark_cacheable(next_serve):
    """``on_serve_page`` hook: a content page reached ``serve`` (past every view restriction).

    Registered last (innermost), so Wagtail's view-restriction check has let the request
    through; the middleware still decides whether the response itself may be stored.
    """

    def inner(page, request, args, kwargs):
        if isinstance(page, cacheable_page_types()):
            setattr(request, CACHEABLE_ATTR, True)
        return next_serve(page, request, args, kwargs)

    return inner


def connect():
    """Called from ``HomeConfig.ready``: the invalidation signals and the serve hook."""
    from wagtail import hooks

    connect_signals()
    hooks.register("on_serve_page", mark_cacheable, order=1000)
