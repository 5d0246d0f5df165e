"""Re-consent after a substantive policy change, and fresh pages after banner edits."""

from wagtail.models import Site

from home import page_cache
from home.sites import site_roots

from .models import ReconsentEvent


def site_of_page(page):
    """The site whose tree (in any language) holds ``page``, or None."""
    for site in Site.objects.select_related("root_page"):
        if any(page.path.startswith(root.path) for root in site_roots(site)):
            return site
    return None


def policy_published(sender, instance, revision=None, **kwargs):
    """``page_published`` of a ``PrivacyPolicyPage``: a revision published with "Substantive
    change" ticked starts a new re-consent epoch for its site (every earlier choice is stale,
    so the banner shows again). The page row's flag is cleared, so a later publish without
    the edit form (a scheduled one, say) does not ask again."""
    if not getattr(instance, "substantive_change", False):
        return
    site = site_of_page(instance)
    if site is None:
        return
    ReconsentEvent.objects.create(site=site, policy_revision=revision)
    type(instance).objects.filter(pk=instance.pk).update(substantive_change=False)
    instance.substantive_change = False
    # The publish already started a new page-cache generation; the epoch is memoised per
    # generation, so start another now that the event exists.
    page_cache.bump()


def banner_settings_saved(sender, instance, created=False, **kwargs):
    """Edited banner words show at once. A row made on first show (``for_site``, with the
    default words just rendered) changes nothing on the pages."""
    if not created:
        page_cache.bump()


def connect():
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published

    from home.models import PrivacyPolicyPage

    from .models import CookieBannerSettings

    page_published.connect(
        policy_published, sender=PrivacyPolicyPage, dispatch_uid="cookie_consent_reconsent"
    )
    post_save.connect(
        banner_settings_saved,
        sender=CookieBannerSettings,
        dispatch_uid="page_cache_saved_cookie_consent.cookiebannersettings",
    )
    post_delete.connect(
        page_cache.bump,
        sender=CookieBannerSettings,
        dispatch_uid="page_cache_deleted_cookie_consent.cookiebannersettings",
    )
    for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            page_cache.bump,
            sender=ReconsentEvent,
            dispatch_uid=f"page_cache_{name}_cookie_consent.reconsentevent",
        )
