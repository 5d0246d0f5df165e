"""What search engines are told: ``robots.txt``, the sitemap, and each page's ``<head>``.

* ``/robots.txt`` (:func:`robots_txt`): everything public may be crawled except the admin,
  the cookie settings and the forms' thank-you pages; it names the site's own sitemap. A host
  that is no site's (an IP address, a stray alias) is told to crawl nothing, so the default
  site it falls back to is never indexed a second time under another name.
* ``/sitemap.xml`` (:func:`sitemap`): the site's live, public pages in every language, each
  with ``hreflang`` alternates (and ``x-default``, the Danish page) where it is translated.
* The ``<head>`` (``{% seo_head %}``, :func:`head_context`): meta description, canonical link,
  Open Graph tags and the company as schema.org ``Plumber``/``Electrician`` JSON-LD, built
  from the site's company settings. Everything it looks up comes from the page-cache memo
  (:func:`home.page_cache.memo`), so a warm rendering still runs no query.

Which trade a site is: its root page's slug, the key of ``SITE_HOSTNAMES`` (``mihvvs`` is
the plumber, ``mihel`` the electrician), as everywhere else in the code.
"""

import html
import json
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from wagtail.models import Page

from . import page_cache
from .middleware import normalised_host
from .sites import site_roots

# schema.org types (both are HomeAndConstructionBusiness, a LocalBusiness).
BUSINESS_TYPES = {"mihvvs": "Plumber", "mihel": "Electrician"}
DEFAULT_BUSINESS_TYPE = "LocalBusiness"
OG_LOCALES = {"da": "da_DK", "en": "en_GB"}
DESCRIPTION_LENGTH = 160
# How long browsers and proxies may keep robots.txt and the sitemap.
CACHE_SECONDS = 3600

# -- which site --------------------------------------------------------------------------


def known_site(request):
    """The Wagtail site whose hostname the request names, or None.

    Wagtail serves the default site for any other host; robots.txt and the sitemap do not
    pretend that host is a site of ours.
    """
    site = page_cache.site_for_request(request)
    hostname, _port = normalised_host(request)
    if site is None or site.hostname.lower() != hostname:
        return None
    return site


def site_info(request, site):
    """``{"key", "home"}`` of a site, memoised: its key (the root page's slug, ``mihvvs`` or
    ``mihel``) and the path of its Danish home page (one ``@id`` for the company in every
    language)."""

    def find():
        root = site.root_page
        key = root.slug
        if key not in settings.SITE_HOSTNAMES:
            # A renamed root page: the hostname still says which company it is.
            by_hostname = {host: name for name, host in settings.SITE_HOSTNAMES.items()}
            key = by_hostname.get(site.hostname.lower(), key)
        return {"key": key, "home": root.get_url(request=request)}

    return page_cache.memo(request, ("seo-site", site.pk), find)


def business_type(key):
    return BUSINESS_TYPES.get(key, DEFAULT_BUSINESS_TYPE)


# -- opening hours -----------------------------------------------------------------------

_DAYS = {
    "Mo": ("mandag", "man", "monday", "mon"),
    "Tu": ("tirsdag", "tirs", "tir", "tuesday", "tues", "tue"),
    "We": ("onsdag", "ons", "wednesday", "wed"),
    "Th": ("torsdag", "tors", "tor", "thursday", "thurs", "thur", "thu"),
    "Fr": ("fredag", "fre", "friday", "fri"),
    "Sa": ("lørdag", "lør", "saturday", "sat"),
    "Su": ("søndag", "søn", "sunday", "sun"),
}
DAY_NAMES = {name: code for code, names in _DAYS.items() for name in names}
DAY_GROUPS = {
    "hverdage": "Mo-Fr",
    "alle hverdage": "Mo-Fr",
    "weekdays": "Mo-Fr",
    "weekend": "Sa-Su",
    "weekender": "Sa-Su",
    "weekends": "Sa-Su",
    "alle dage": "Mo-Su",
    "dagligt": "Mo-Su",
    "daily": "Mo-Su",
    "every day": "Mo-Su",
}
_DASH = r"(?:-|–|—|\btil\b|\bto\b)"
_TIME = r"\d{1,2}(?:[.:]\d{2})?"
_HOURS_LINE = re.compile(
    rf"^(?P<days>.*?)[\s:]*(?:\bkl\.?\s*)?(?P<open>{_TIME})\s*{_DASH}\s*(?P<close>{_TIME})\W*$",
    re.IGNORECASE,
)


def _time(text):
    hours, _sep, minutes = text.replace(".", ":").partition(":")
    hours, minutes = int(hours), int(minutes or 0)
    if hours > 24 or minutes > 59:
        raise ValueError(text)
    return f"{hours:02d}:{minutes:02d}"


def _days(text):
    text = " ".join(text.lower().replace(".", " ").split()).strip(" :,")
    if text in DAY_GROUPS:
        return DAY_GROUPS[text]
    codes = []
    for item in re.split(r"\s*(?:,|&|\bog\b|\band\b)\s*", text):
        start, *end = [part.strip() for part in re.split(_DASH, item, maxsplit=1)]
        if start not in DAY_NAMES or (end and end[0] not in DAY_NAMES):
            raise ValueError(item)
        codes.append(DAY_NAMES[start] + (f"-{DAY_NAMES[end[0]]}" if end else ""))
    return ",".join(codes)


def schema_opening_hours(lines):
    """schema.org ``openingHours`` (``["Mo-Th 07:00-15:30", …]``) from the editors' lines.

    "Mandag–torsdag 7.00–15.30", "Fredag kl. 7-13", "Hverdage 8.00 til 16.00" and their
    English forms are understood; a line that is no day-and-hours line ("Akutvagt efter
    aftale", "Lørdag lukket") is left out rather than guessed at.
    """
    found = []
    for line in lines:
        match = _HOURS_LINE.match(line.strip())
        if not match:
            continue
        try:
            days = _days(match["days"])
            found.append(f"{days} {_time(match['open'])}-{_time(match['close'])}")
        except ValueError:
            continue
    return found


# -- the <head> --------------------------------------------------------------------------


def plain_text(value):
    """Text of a plain or rich-text field, on one line, without markup or entities."""
    return " ".join(html.unescape(strip_tags(str(value or ""))).split())


def describe(page):
    """The page's own description: its search description, else its intro."""
    if page is None:
        return ""
    return plain_text(getattr(page, "search_description", "")) or plain_text(
        getattr(page, "intro", "")
    )


def company_line(company):
    if company is None:
        return ""
    return ", ".join(part for part in (company.company_name, company.city) if part)


def page_url(request, page):
    """The absolute URL of a page in the active language, on the host the visitor used (as
    the hreflang links are)."""
    url = page.get_url(request=request)
    return request.build_absolute_uri(url) if url else None


def json_ld(data):
    """``data`` as JSON for a ``<script type="application/ld+json">``: ``<``, ``>`` and ``&``
    escaped as Django's ``json_script`` does, so no text can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    escapes = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
    escapes.update({0x2028: "\\u2028", 0x2029: "\\u2029"})
    return mark_safe(text.translate(escapes))  # noqa: S308 (escaped just above)


def local_business(*, key, company, url, home_url, description, logo_url):
    """The company as schema.org JSON-LD data (a ``Plumber`` or an ``Electrician``); ``url`` is
    the home page in the reader's language, ``home_url`` the Danish one (its ``@id``)."""
    data = {
        "@context": "https://schema.org",
        "@type": business_type(key),
        "@id": f"{home_url or url}#business",
        "name": company.company_name,
        "url": url,
    }
    if description:
        data["description"] = description
    if company.phone:
        data["telephone"] = company.phone
    if company.email:
        data["email"] = company.email
    if company.street_address or company.postcode or company.city:
        address = {"@type": "PostalAddress"}
        for field, value in (
            ("streetAddress", company.street_address),
            ("postalCode", company.postcode),
            ("addressLocality", company.city),
        ):
            if value:
                address[field] = value
        address["addressCountry"] = "DK"
        data["address"] = address
    hours = schema_opening_hours(company.opening_hours.splitlines()) or schema_opening_hours(
        company.opening_hours_en.splitlines()
    )
    if hours:
        data["openingHours"] = hours
    if company.city:
        data["areaServed"] = {"@type": "City", "name": company.city}
    if logo_url:
        data["logo"] = logo_url
        data["image"] = logo_url
    if company.cvr_number:
        data["vatID"] = f"DK{company.cvr_number}"
        data["taxID"] = company.cvr_number
    return data


def head_context(request, page, root, versions, company):
    """Everything ``home/includes/seo_head.html`` writes into the ``<head>``.

    ``company`` is None on a host that is no site's (its 404 page): no company, no JSON-LD.
    """
    language = translation.get_language() or settings.LANGUAGE_CODE
    is_page = isinstance(page, Page) and page.pk is not None
    root_description = describe(root)
    description = (describe(page) if is_page else "") or root_description
    description = description or company_line(company)
    context = {
        "description": Truncator(description).chars(DESCRIPTION_LENGTH),
        "site_name": company.company_name if company else "",
        "og_locale": OG_LOCALES.get(language, language),
        "og_locale_alternates": [
            OG_LOCALES.get(version["code"], version["code"])
            for version in versions
            if version.get("exists") and version["code"] != language
        ],
        "title": "",
        "canonical": None,
        "noindex": False,
        "image": None,
        "json_ld": None,
    }
    if is_page:
        context["title"] = page.seo_title or page.title
        url = page_url(request, page)
        # A page's own sub-route (a form's thank-you page): never indexed, no canonical.
        if url and urlsplit(url).path == request.path:
            context["canonical"] = url
        else:
            context["noindex"] = True
    logo = company.logo if company else None
    if logo is not None and logo.file:
        context["image"] = {
            "url": request.build_absolute_uri(logo.file.url),
            "width": logo.width,
            "height": logo.height,
            "alt": logo.default_alt_text or company.company_name,
        }
    site = page_cache.site_for_request(request) if request else None
    if site is not None and root is not None and company and company.company_name:
        info = site_info(request, site)
        home = info["home"]
        context["json_ld"] = json_ld(
            local_business(
                key=info["key"],
                company=company,
                url=page_url(request, root),
                home_url=request.build_absolute_uri(home) if home else None,
                description=Truncator(root_description).chars(300),
                logo_url=context["image"]["url"] if context["image"] else None,
            )
        )
    return context


# -- the sitemap -------------------------------------------------------------------------


def site_pages(request, site):
    """The site's live, public pages in every language, for the sitemap, memoised.

    ``[{"path", "lastmod", "alternates": [(language, path), …]}]``, paths relative to the
    site; alternates (with ``x-default``, the Danish page) only for a translated page. Alias
    pages (a page shown untranslated in the other language's tree) are left out.
    """

    def find():
        roots = list(site_roots(site).live())
        if not roots:
            return []
        query = None
        for root in roots:
            condition = Page.objects.filter(path__startswith=root.path)
            query = condition if query is None else query | condition
        pages = list(
            query.live()
            .public()
            .filter(alias_of__isnull=True)
            .select_related("locale")
            .order_by("locale__language_code", "path")
        )
        paths = {}
        for page in pages:
            with translation.override(page.locale.language_code):
                url = page.get_url(request=request)
            if url:
                paths[page.pk] = url
        by_key = {}
        for page in pages:
            if page.pk in paths:
                by_key.setdefault(page.translation_key, {})[page.locale.language_code] = paths[
                    page.pk
                ]
        order = {code: index for index, (code, _name) in enumerate(settings.LANGUAGES)}
        entries = []
        for page in pages:
            if page.pk not in paths:
                continue
            versions = by_key[page.translation_key]
            alternates = []
            if len(versions) > 1:
                alternates = sorted(versions.items(), key=lambda item: order.get(item[0], 99))
                if settings.LANGUAGE_CODE in versions:
                    alternates.append(("x-default", versions[settings.LANGUAGE_CODE]))
            entries.append(
                {
                    "path": paths[page.pk],
                    "lastmod": page.last_published_at or page.latest_revision_created_at,
                    "alternates": alternates,
                }
            )
        return entries

    return page_cache.memo(request, ("seo-sitemap", site.pk), find)


class SiteSitemap(Sitemap):
    """One site's pages in both languages, with ``hreflang`` alternates."""

    limit = 50000

    def __init__(self, request, site):
        self.request = request
        self.site = site

    def items(self):
        return site_pages(self.request, self.site)

    def location(self, item):
        return self.request.build_absolute_uri(item["path"])

    def lastmod(self, item):
        return item["lastmod"]

    def _urls(self, page, protocol, domain):
        urls, lastmods = [], []
        for item in self.paginator.page(page).object_list:
            urls.append(
                {
                    "item": item,
                    "location": self.location(item),
                    "lastmod": item["lastmod"],
                    "changefreq": None,
                    "priority": None,
                    "alternates": [
                        {"lang_code": code, "location": self.request.build_absolute_uri(path)}
                        for code, path in item["alternates"]
                    ],
                }
            )
            lastmods.append(item["lastmod"])
        if lastmods and None not in lastmods:
            self.latest_lastmod = max(lastmods)
        return urls


def sitemap(request):
    """``/sitemap.xml`` of the site the host names; 404 for a host that is no site's."""
    site = known_site(request)
    if site is None:
        raise Http404("No site for this host")
    response = django_sitemap(request, {"pages": SiteSitemap(request, site)})
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


# -- robots.txt --------------------------------------------------------------------------


def disallowed_paths(request, site):
    """Paths crawlers are asked to skip on ``site``, memoised: the admin, the cookie settings
    in every language, and each live form's thank-you page."""

    def find():
        from django.urls import reverse

        paths = ["/admin/"]
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                paths.append(reverse("cookie_settings"))
        for root in site_roots(site).live():
            for page in root.get_descendants(inclusive=True).live().public().specific():
                thank_you_url = getattr(page, "thank_you_url", None)
                if callable(thank_you_url):
                    paths.append(urlsplit(thank_you_url(request)).path)
        return list(dict.fromkeys(paths))

    return page_cache.memo(request, ("seo-robots", site.pk), find)


def robots_txt(request):
    """``/robots.txt`` for the site the host names (see the module docstring)."""
    site = known_site(request)
    if site is None:
        lines = ["User-agent: *", "Disallow: /"]
    else:
        lines = ["User-agent: *", "Allow: /"]
        lines += [f"Disallow: {path}" for path in disallowed_paths(request, site)]
        lines += ["", f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}"]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response
