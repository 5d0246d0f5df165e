"""Limits counted in Django's cache: form posts per client and site, receipts per address.

The cache is Redis in production (shared by every web process) and local memory otherwise.
The client address and the receipt address are hashed with the secret key, so neither an IP
address nor an email address is stored.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_address(request):
    if settings.FORMS_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The right-most entry is the one our own load balancer added.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def count_exceeds(scope, who, limit, window):
    """Count one more for ``who`` in ``scope``; True once the count passed ``limit`` within
    ``window`` seconds."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{scope}|{who}".encode()).hexdigest()
    key = f"forms:ratelimit:{digest}"
    if cache.add(key, 1, timeout=window):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def is_rate_limited(request, scope):
    """Count this request; True once the client passed the limit within the window."""
    return count_exceeds(
        scope,
        client_address(request),
        settings.FORMS_RATE_LIMIT,
        settings.FORMS_RATE_LIMIT_WINDOW,
    )


def receipt_allowed(address):
    """Count a receipt to ``address``; False once it had its share within the window.

    Anyone can type any address into a form, so without this a receipt would let a stranger
    send our mail to someone else as often as the per-client post limit allows.
    """
    return not count_exceeds(
        "receipt",
        address.casefold(),
        settings.FORMS_RECEIPT_LIMIT,
        settings.FORMS_RECEIPT_LIMIT_WINDOW,
    )
