"""Which responses are page views, and who the visitor is, without keeping who they are.

A response counts when it is a Wagtail page (served by Wagtail's ``serve`` view, or from the
page cache, which only holds those) answered ``200 text/html`` to a ``GET`` of a public path
(not the admin, previews, ``/healthz/``, documents, the brand stylesheet, the consent
endpoint, the sitemap, static or media files; with or without ``/en/``), by a visitor who is
not logged in and whose user agent is neither missing nor on the crawler list
(:mod:`analytics.bots`), and is not a browser's speculative prefetch.

**The visitor** is a keyed hash (BLAKE2b, 128 bits) under the day's secret salt:

* with "Statistik" chosen (:func:`cookie_consent.state.statistics_allowed`) and a valid
  ``mih_visitor`` cookie: of the site and the cookie's random id; the visitor is
  *returning* when the cookie's first day is before today;
* otherwise: of the site, the client address truncated to its network (IPv4 /24, IPv6 /48;
  :func:`cms.client_ip.client_ip`) and the user agent. No cookie is read or set.

The salt is new each day and deleted when the day closes, so a hash cannot be recomputed or
linked across days, and the hashes themselves are deleted with it. Neither the address, the
user agent, the cookie id nor a hash is ever written to the database or the log.
"""

import hashlib
import ipaddress
import logging
from dataclasses import dataclass

from django.conf import settings
from wagtail.models import Site

from cms.client_ip import client_ip
from cookie_consent.cookie import read_visitor
from cookie_consent.state import statistics_allowed
from home.page_cache import STATUS_HEADER, memo, site_for_request

from . import days
from .bots import is_bot
from .referrers import bare_host, classify
from .stores import current_store

logger = logging.getLogger(__name__)

# Set on the request by the middleware's process_view when Wagtail's serve view answers it.
PAGE_ATTR = "_analytics_wagtail_page"
# Paths that are never pages (also under /en/).
EXCLUDED_PREFIXES = (
    "/admin/",
    "/healthz",
    "/documents/",
    "/brand/",
    "/cookies/",
    "/sitemap.xml",
    "/static/",
    "/media/",
    "/favicon.ico",
    "/robots.txt",
)
MAX_PATH_LENGTH = 255


@dataclass(frozen=True)
class View:
    day: object  # datetime.date
    site_id: int
    path: str
    visitor: str
    returning: bool
    referrer: tuple | None


def excluded_path(path):
    if path.startswith("/en/"):
        path = path[3:]
    return path.startswith(EXCLUDED_PREFIXES)


def is_page_view(request, response):
    """Whether ``response`` to ``request`` is a page view to count (see the module doc)."""
    if request.method != "GET" or response.status_code != 200:
        return False
    if not (response.get(STATUS_HEADER) == "hit" or getattr(request, PAGE_ATTR, False)):
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if excluded_path(request.path) or getattr(request, "is_preview", False):
        return False
    meta = request.META
    if "prefetch" in meta.get("HTTP_SEC_PURPOSE", "") or meta.get("HTTP_PURPOSE") == "prefetch":
        return False
    if is_bot(meta.get("HTTP_USER_AGENT", "")):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        # Only a visitor with a session can be logged in (a page-cache hit never has one).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
    return True


def truncated_address(address):
    """The network of a client address: IPv4 /24, IPv6 /48 ("" if it is not an address)."""
    parts = address.split(".")
    if len(parts) == 4 and all(part.isdigit() and int(part) <= 255 for part in parts):
        return f"{int(parts[0])}.{int(parts[1])}.{int(parts[2])}.0"  # the common case, fast
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def visitor_hash(salt, *parts):
    data = "\x00".join(str(part) for part in parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, key=salt, digest_size=16).hexdigest()


def site_hosts(request):
    """The bare hostnames of every Wagtail site (memoised with the page cache's generation)."""
    return memo(
        request,
        ("analytics-site-hosts",),
        lambda: frozenset(bare_host(h) for h in Site.objects.values_list("hostname", flat=True)),
    )


def count_view(request, response):
    """Count ``response`` if it is a page view; True if it was counted."""
    if not is_page_view(request, response):
        return False
    site = getattr(request, "_wagtail_site", None) or site_for_request(request)
    if site is None:
        return False
    day = days.today()
    store = current_store()
    salt = store.salt(day)
    if salt is None:
        return False
    returning = False
    cookie = read_visitor(request) if statistics_allowed(request, site) else None
    if cookie is not None and cookie[1] == days.day_key(day):
        # The cookie was set today: the pages this visitor saw before choosing were counted by
        # address and browser, so today they stay counted that way (one visitor, one visit).
        cookie = None
    if cookie is not None:
        cookie_id, first_day = cookie
        visitor = visitor_hash(salt, site.pk, "cookie", cookie_id)
        returning = first_day < days.day_key(day)
    else:
        address = truncated_address(client_ip(request))
        visitor = visitor_hash(salt, site.pk, address, request.META.get("HTTP_USER_AGENT", ""))
    referrer = None
    referer = request.META.get("HTTP_REFERER")
    if referer:
        own = {bare_host(request.get_host()), bare_host(site.hostname)}
        referrer = classify(referer, own, site_hosts(request))
    view = View(day, site.pk, request.path[:MAX_PATH_LENGTH], visitor, returning, referrer)
    return store.record(view)
