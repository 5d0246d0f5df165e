"""Limits counted in Django's cache: form posts per client and site, receipts per address.

A form's limit counts what was stored: a post that was refused (a missing field, a bad photo,
a changed consent text) does not use up the quota, so a visitor behind a shared address
(carrier NAT) who corrects a form a few times is not locked out (:func:`submission_limited`
before, :func:`count_submission` after a stored submission). A much higher ceiling counts
every post (:func:`posts_limited`), so refused posts cannot be sent without end either.

The cache is Redis in production (shared by every web process) and local memory otherwise.
The client address and the receipt address are hashed with the secret key, so neither an IP
address nor an email address is stored.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

from cms.client_ip import client_ip

logger = logging.getLogger(__name__)


class CacheUnavailable(Exception):
    """The cache could not count (Redis down): the caller decides whether to let it pass."""


# Every post counts against this many times the stored-submission limit (refused ones too).
POST_CEILING_FACTOR = 5


def _key(scope, who):
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{scope}|{who}".encode()).hexdigest()
    return f"forms:ratelimit:{digest}"


def count_exceeds(scope, who, limit, window):
    """Count one more for ``who`` in ``scope``; True once the count passed ``limit`` within
    ``window`` seconds. Raises :class:`CacheUnavailable` when the cache cannot count.

    The production cache (``cms.redis_cache``) answers ``None`` instead of raising when Redis
    is down; any other backend's error counts the same.
    """
    key = _key(scope, who)
    try:
        added = cache.add(key, 1, timeout=window)
        if added is None:
            raise CacheUnavailable
        if added:
            return limit < 1
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window)
            count = 1
        if count is None:
            raise CacheUnavailable
    except CacheUnavailable:
        raise
    except Exception as error:
        raise CacheUnavailable from error
    return count > limit


def is_rate_limited(request, scope, limit=None):
    """Count this request; True once the client passed ``limit`` (``FORMS_RATE_LIMIT``)
    within the window.

    Fails open: while the cache is down every post is let through (and logged, without the
    client's address), so an outage never stops a visitor; counting resumes by itself.
    """
    try:
        return count_exceeds(
            scope,
            client_ip(request),
            settings.FORMS_RATE_LIMIT if limit is None else limit,
            settings.FORMS_RATE_LIMIT_WINDOW,
        )
    except CacheUnavailable:
        logger.warning("Form rate limit not applied (%s): the cache is unavailable", scope)
        return False


def submission_limited(request, scope):
    """True once the client had ``FORMS_RATE_LIMIT`` submissions stored in ``scope`` within
    the window. Only looks: :func:`count_submission` counts a stored one. Fails open."""
    try:
        count = cache.get(_key(scope, client_ip(request)))
    except Exception:  # noqa: BLE001 - fail open, as counting does
        count = None
    return count is not None and count >= settings.FORMS_RATE_LIMIT


def count_submission(request, scope):
    """Count one stored submission of the client in ``scope`` (:func:`submission_limited`).

    Fails open: while the cache is down nothing is counted (logged, without the address).
    """
    try:
        count_exceeds(
            scope, client_ip(request), settings.FORMS_RATE_LIMIT, settings.FORMS_RATE_LIMIT_WINDOW
        )
    except CacheUnavailable:
        logger.warning("Form rate limit not applied (%s): the cache is unavailable", scope)


def posts_limited(request, scope):
    """Count this post, stored or refused; True once the client passed
    ``POST_CEILING_FACTOR`` × ``FORMS_RATE_LIMIT`` posts in ``scope`` within the window."""
    return is_rate_limited(
        request, f"{scope}:posts", limit=settings.FORMS_RATE_LIMIT * POST_CEILING_FACTOR
    )


def receipt_allowed(address, submission_id):
    """Count the receipt of submission ``submission_id`` to ``address``; False once the
    address had its share within the window.

    Anyone can type any address into a form, so without this a receipt would let a stranger
    send our mail to someone else as often as the per-client post limit allows. Counted once
    per submission, so a retried receipt (its send failed) is not counted again. Raises
    :class:`CacheUnavailable` while the cache cannot count: the worker then retries the receipt
    later like a failed send, rather than send it uncounted (the post limit is open then too)
    or drop it.
    """
    window = settings.FORMS_RECEIPT_LIMIT_WINDOW
    try:
        first = cache.add(f"forms:receipt-counted:{submission_id}", 1, timeout=window)
    except Exception as error:
        raise CacheUnavailable from error
    if first is None:
        raise CacheUnavailable
    if not first:
        return True  # counted (and let through) by an earlier attempt
    return not count_exceeds("receipt", address.casefold(), settings.FORMS_RECEIPT_LIMIT, window)
