"""The per-site brand colour as a tiny stylesheet, so public pages need no inline ``<style>``.

The Content-Security-Policy on public pages allows styles from ``'self'`` only (no
``'unsafe-inline'``, no nonce: a page served from the page cache would carry a stale one). The
colour is in the URL (``/brand/0b5394.css``), so the response depends on nothing else: no
query, cacheable for a year by browsers, proxies and CDNs, and a new colour is a new URL.

Besides ``--brand`` the stylesheet sets two shades derived from it, so an editor's colour
choice stays readable (WCAG AA) wherever site.css uses it:

- ``--brand-dark``: the hover and focus background of brand-coloured buttons (white text on
  it is at least as readable as on the brand colour, which the settings form keeps at 4.5:1);
- ``--brand-text``: the brand colour as text and icons on the light backgrounds (white, the
  grey boxes): the brand colour itself when it is dark enough, else the first darker shade
  that reaches 4.5:1 on every light background in :data:`LIGHT_BACKGROUNDS`.

tests/home/test_brand_contrast.py checks every pairing site.css uses with both sites' colours.
"""

import re

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

# The same shape home.models.colour_validator accepts.
HEX_COLOUR = re.compile(r"[0-9a-f]{6}")
ONE_YEAR = 365 * 24 * 3600

# The light backgrounds site.css puts text on (--bg, --surface, the "saved" notice).
LIGHT_BACKGROUNDS = ("#ffffff", "#f3f5f8", "#e6f4ea")
# AA for normal text, with a little room for rounding in browsers.
TEXT_CONTRAST = 4.6
# How much darker the hover background is than the brand colour (mixed with black).
HOVER_DARKEN = 0.15


def _channels(colour):
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)]


def relative_luminance(colour):
    """WCAG 2 relative luminance of ``#rrggbb``."""
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (channel / 255 for channel in _channels(colour))
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first, second):
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


def darken(colour, amount):
    """``colour`` mixed with ``amount`` (0–1) of black, as ``#rrggbb``."""
    return "#" + "".join(f"{round(c * (1 - amount)):02x}" for c in _channels(colour))


def text_shade(colour):
    """The brand colour, darkened only as far as needed to read on every light background."""
    for step in range(0, 101, 2):
        shade = darken(colour, step / 100)
        if all(contrast_ratio(shade, bg) >= TEXT_CONTRAST for bg in LIGHT_BACKGROUNDS):
            return shade
    return "#000000"


def brand_shades(colour):
    """``{"brand": …, "brand-dark": …, "brand-text": …}`` for ``#rrggbb`` (lower case)."""
    colour = "#" + colour.lstrip("#").lower()
    return {
        "brand": colour,
        "brand-dark": darken(colour, HOVER_DARKEN),
        "brand-text": text_shade(colour),
    }


def brand_stylesheet(colour):
    """The body of ``/brand/<colour>.css``."""
    shades = brand_shades(colour)
    return ":root{" + ";".join(f"--{name}:{value}" for name, value in shades.items()) + "}\n"


@require_safe
def brand_css(request, colour):
    if not HEX_COLOUR.fullmatch(colour):
        raise Http404
    response = HttpResponse(brand_stylesheet(colour), content_type="text/css")
    response["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
