"""Template helpers for the per-site header, footer and language switcher."""

from django import template
from django.conf import settings
from django.utils import translation
from wagtail.models import Page, Site

from home import favicon, page_cache
from home.sites import site_roots

register = template.Library()


@register.simple_tag(takes_context=True)
def site_root(context):
    """The root page of the site serving this request, in the current language if translated."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    return page_cache.localized_root(request, site) if site else None


@register.simple_tag(takes_context=True)
def menu_pages(context, root):
    """Live pages directly under the site root that editors marked "show in menus"."""
    if root is None:
        return []
    return page_cache.memo(
        context.get("request"),
        ("menu", root.pk),
        lambda: list(root.get_children().live().public().in_menu().specific()),
    )


@register.simple_tag(takes_context=True)
def language_versions(context):
    """``[{code, name, url, is_current, exists}]`` for the language switcher and hreflang.

    Each language links to the translation of the current page, or to that language's home
    page where the page has not been translated.
    """
    request, page = context.get("request"), context.get("page")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    current = translation.get_language()
    translations = {}
    if isinstance(page, Page) and page.pk:
        translations = page_cache.memo(
            request,
            ("translations", page.pk),
            lambda: {
                item.locale.language_code: item
                for item in page.get_translations(inclusive=True).live().select_related("locale")
            },
        )
    roots = page_cache.memo(
        request,
        ("roots", site.pk),
        lambda: {
            item.locale.language_code: item
            for item in site_roots(site).live().select_related("locale")
        },
    )
    versions = []
    for code, name in settings.LANGUAGES:
        target = translations.get(code) or roots.get(code)
        if target is None:
            continue
        with translation.override(code):
            # Relative to this site, then absolute on the host (and port) the visitor used.
            url = request.build_absolute_uri(target.get_url(request=request))
            label = translation.gettext(name)
        versions.append(
            {
                "code": code,
                "name": label,
                "url": url,
                "is_current": code == current,
                "exists": code in translations,
            }
        )
    return versions


@register.simple_tag(takes_context=True)
def localized_version(context, page):
    """``page.localized`` (the translation in the active language, or the page), memoised."""
    return page_cache.localized(context.get("request"), page)


@register.filter
def localized_page(page):
    """The page's translation in the active language, or the page itself."""
    return page.localized if page is not None else None


@register.filter
def tel_href(number):
    """A phone number as a ``tel:`` link in E.164: spaces and dashes out, and a number
    without a country code is Danish (+45). The number is shown as written elsewhere."""
    digits = str(number or "").replace(" ", "").replace("-", "")
    if not digits:
        return ""
    if not digits.startswith("+"):
        digits = f"+45{digits}"
    return f"tel:{digits}"


@register.filter
def site_icons(company):
    """The tab and home-screen icons of a site's CompanySettings (:func:`home.favicon.site_icons`:
    the favicon image's renditions, else the initials on the brand colour)."""
    return favicon.site_icons(company)


@register.filter
def language_name(code):
    """A language code as its name in the active language ("da" → "Dansk"), from LANGUAGES."""
    return dict(settings.LANGUAGES).get(code, code)
