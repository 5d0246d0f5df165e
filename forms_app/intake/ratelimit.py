"""A per-client, per-site limit on form posts, counted in Django's cache.

The cache is Redis in production (shared by every web process) and local memory otherwise.
The client address is hashed with the secret key, so no IP address is stored.
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


def is_rate_limited(request, scope):
    """Count this request; True once the client passed the limit within the window."""
    digest = hashlib.sha256(
        f"{settings.SECRET_KEY}|{scope}|{client_address(request)}".encode()
    ).hexdigest()
    key = f"forms:ratelimit:{digest}"
    window = settings.FORMS_RATE_LIMIT_WINDOW
    if cache.add(key, 1, timeout=window):
        return settings.FORMS_RATE_LIMIT < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    return count > settings.FORMS_RATE_LIMIT
