"""The per-site brand colour as a tiny stylesheet, so public pages need no inline ``<style>``.

The Content-Security-Policy on public pages allows styles from ``'self'`` only (no
``'unsafe-inline'``, no nonce: a page served from the page cache would carry a stale one). The
colour is in the URL (``/brand/0b5394.css``), so the response depends on nothing else: no
query, cacheable for a year by browsers, proxies and CDNs, and a new colour is a new URL.
"""

import re

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

# The same shape home.models.colour_validator accepts.
HEX_COLOUR = re.compile(r"[0-9a-f]{6}")
ONE_YEAR = 365 * 24 * 3600


@require_safe
def brand_css(request, colour):
    if not HEX_COLOUR.fullmatch(colour):
        raise Http404
    response = HttpResponse(f":root{{--brand:#{colour}}}\n", content_type="text/css")
    response["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
