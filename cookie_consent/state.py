"""Whether the visitor of a request has a current choice, and whether it allows statistics.

A choice is current when the consent cookie is valid (signed, younger than
``CONSENT_MAX_AGE_DAYS``) and was made under the site's current re-consent epoch: the id of
the site's latest :class:`~cookie_consent.models.ReconsentEvent` (0 before any). The epoch is
memoised per page-cache generation (publishing a policy starts a new one).
"""

from home.page_cache import memo, site_for_request

from .cookie import read_consent
from .models import ReconsentEvent


def current_epoch(request, site=None):
    """The re-consent epoch of the request's site (0 when there is no site or no event)."""
    site = site if site is not None else site_for_request(request)
    if site is None:
        return 0

    def latest():
        event = ReconsentEvent.objects.filter(site=site).order_by("-id").first()
        return event.pk if event is not None else 0

    return memo(request, ("consent-epoch", site.pk), latest)


def current_consent(request, site=None):
    """The visitor's current choice (:class:`~cookie_consent.cookie.Consent`), or None when
    they have none that counts (no cookie, expired, forged, or made before the latest
    substantive policy change): then the banner shows and nothing optional is allowed."""
    consent = read_consent(request)
    if consent is None or consent.epoch != current_epoch(request, site):
        return None
    return consent


def statistics_allowed(request, site=None):
    """Whether the visitor's current choice includes "Statistik"."""
    consent = current_consent(request, site)
    return consent is not None and consent.statistics
