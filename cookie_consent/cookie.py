"""The consent cookie and the statistics cookie: the one contract every part reads.

``mih_consent`` (category "Nødvendige"): the visitor's choice, signed so it cannot be forged:
consent id, the site's re-consent epoch it was made under, and whether "Statistik" was chosen.
It lives ``CONSENT_MAX_AGE_DAYS`` (365): a choice older than that no longer counts and the
banner shows again. A choice made under an older epoch (a substantive policy change was
published since, :class:`cookie_consent.models.ReconsentEvent`) does not count either.

``mih_visitor`` (category "Statistik"): set only when the visitor chooses statistics, deleted
when they withdraw; a random id and the day it was first set, so a visitor counts as returning
on later days. Never set for anyone else.
"""

import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils import timezone

CONSENT_COOKIE = "mih_consent"
VISITOR_COOKIE = "mih_visitor"
_SALT = "cookie_consent.consent"


def max_age_seconds():
    return int(getattr(settings, "CONSENT_MAX_AGE_DAYS", 365)) * 24 * 3600


@dataclass(frozen=True)
class Consent:
    consent_id: uuid.UUID
    epoch: int
    statistics: bool


def read_consent(request):
    """The visitor's choice from their cookie, or None (absent, forged or expired).

    Checked once per request: the page cache's key, the banner and the statistics all ask,
    and each check is an HMAC (remembered on the request with the cookie value it read)."""
    raw = request.COOKIES.get(CONSENT_COOKIE)
    if not raw:
        return None
    remembered = getattr(request, "_mih_consent", None)
    if remembered is not None and remembered[0] == raw:
        return remembered[1]
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(raw, max_age=max_age_seconds())
        consent_id, epoch, statistics = value.split(":")
        consent = Consent(uuid.UUID(consent_id), int(epoch), statistics == "1")
    except (signing.BadSignature, ValueError):
        consent = None
    request._mih_consent = (raw, consent)
    return consent


def write_consent(response, consent):
    value = f"{consent.consent_id}:{consent.epoch}:{int(consent.statistics)}"
    response.set_cookie(
        CONSENT_COOKIE,
        signing.TimestampSigner(salt=_SALT).sign(value),
        max_age=max_age_seconds(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def cache_variant(request):
    """The page cache's variant for this visitor: pages differ only in whether the banner
    shows, which depends on the cookie's epoch against the site's current one (a new epoch
    also starts a new page-cache generation)."""
    consent = read_consent(request)
    return "none" if consent is None else f"e{consent.epoch}"


def read_visitor(request):
    """``(visitor id, first day as "YYYYMMDD")`` from the statistics cookie, or None."""
    raw = request.COOKIES.get(VISITOR_COOKIE, "")
    visitor_id, _sep, first_day = raw.partition(".")
    if len(visitor_id) != 32 or len(first_day) != 8 or not first_day.isdigit():
        return None
    return visitor_id, first_day


def write_visitor(response, request):
    """Set the statistics cookie, keeping the id and first day of an existing one."""
    existing = read_visitor(request)
    if existing is None:
        existing = (secrets.token_hex(16), timezone.localdate().strftime("%Y%m%d"))
    response.set_cookie(
        VISITOR_COOKIE,
        ".".join(existing),
        max_age=max_age_seconds(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def delete_visitor(response):
    response.delete_cookie(VISITOR_COOKIE, samesite="Lax")
