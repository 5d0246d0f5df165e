"""The visitor's address, as seen through the proxies in front of gunicorn.

Each proxy that forwards a request appends the address it received it from to
``X-Forwarded-For``; whatever the client itself put there comes first. With
``TRUSTED_PROXY_COUNT`` proxies in front of us (nginx, a load balancer; production's default is
1), the client is the ``TRUSTED_PROXY_COUNT``-th address from the right: every entry to its
left can be forged, every entry to its right was written by one of our own proxies. With 0
(development, tests, or gunicorn answering visitors directly) it is ``REMOTE_ADDR``.

Used by the form rate limit (``forms_app.intake.ratelimit``); the admin login throttle can use
it too (django-axes: ``AXES_CLIENT_IP_CALLABLE = "cms.client_ip.client_ip"``).

Set the count to exactly the number of proxies that append: one too many lets a visitor choose
their address (the forged left entry), one too few makes every visitor one of our proxies.
"""

from django.conf import settings


def client_ip(request):
    """The client address of ``request`` (a string; empty if the server gave none)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count < 1:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < count:
        # Not through all our proxies (a direct request to gunicorn, a health probe): the peer
        # is the best we know.
        return remote
    return forwarded[-count]
