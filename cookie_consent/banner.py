"""What the banner shows on a site in a language, remembered per page-cache generation.

A warm page render must not query the database for the banner: the settings row and the id
of the :class:`~cookie_consent.models.BannerTextVersion` for the words shown come from
:func:`home.page_cache.memo` (saving the banner settings starts a new generation,
``cookie_consent.apps``).
"""

from django.utils import translation

from home.page_cache import memo, site_for_request

from .models import BannerTextVersion, CookieBannerSettings


def banner_settings(request, site):
    return memo(request, ("cookie-banner", site.pk), lambda: CookieBannerSettings.for_site(site))


def banner_words(request, site, language=None):
    """``(heading, text)`` of the banner on ``site`` in ``language`` (default: active)."""
    language = language or translation.get_language() or "da"
    return banner_settings(request, site).words(language)


def text_version_id(request, site, language=None):
    """The id of the :class:`BannerTextVersion` of the words shown now (made on first show)."""
    language = language or translation.get_language() or "da"
    heading, text = banner_words(request, site, language)
    digest = BannerTextVersion.digest_for(language, heading, text)
    return memo(
        request,
        ("cookie-banner-version", site.pk, language, digest),
        lambda: BannerTextVersion.for_words(site, language, heading, text).pk,
    )


def banner_context(request):
    """The template context of the banner for the request's site, or None without a site."""
    site = site_for_request(request)
    if site is None:
        return None
    language = translation.get_language() or "da"
    heading, text = banner_words(request, site, language)
    return {
        "site": site,
        "heading": heading,
        "text": text,
        "text_version": text_version_id(request, site, language),
    }
