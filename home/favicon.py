"""Each site's icon in the browser tab: the editor's favicon image, or its initials.

With ``CompanySettings.favicon`` set, the icons are Wagtail renditions of it (32 px PNG for the
tab, 180 px for the iPhone home screen). Without one, they are made here from the company
name's initials on the brand colour, like home/brand.py's stylesheet: everything the icon
shows is in its URL (``/brand/icon/0b5394/MIH%20VVS%20ApS.svg``), so the response depends on
nothing else and is cacheable for a year; a new name or colour is a new URL. The paths are
under ``/brand/``, which the visit statistics never count.

``/favicon.ico``, which browsers ask for on their own, redirects to the right icon for the
host. No view here reads a session or sets a cookie.
"""

import io
import re
from xml.sax.saxutils import escape

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_safe
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.models import Site

from .brand import HEX_COLOUR, ONE_YEAR

# Legal forms left out of the initials: "MIH VVS ApS" → "MV".
LEGAL_FORMS = {"APS", "A/S", "AS", "IVS", "I/S", "IS", "K/S", "P/S", "SMBA", "AMBA", "FMBA"}
PNG_SIZES = (32, 180)
MAX_NAME_LENGTH = 100  # CompanySettings.company_name's max_length
# How long a browser keeps /favicon.ico's redirect: a new favicon shows within a day.
REDIRECT_MAX_AGE = 24 * 3600


def initials(name):
    """Up to two capital letters (or digits) for ``name``: its first and last words' first."""
    words = re.split(r"[\s\-–.,&+]+", name)
    words = [word for word in words if word and word.upper() not in LEGAL_FORMS]
    letters = [next((c for c in word if c.isalnum()), "") for word in words]
    letters = [letter for letter in letters if letter]
    if not letters:
        return "?"
    chosen = letters[:1] + letters[1:][-1:]
    return "".join(chosen).upper()


def icon_svg(colour, name):
    """A rounded square in ``#colour`` with ``name``'s initials in white."""
    letters = initials(name)
    font_size = 60 if len(letters) == 1 else 44
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" rx="18" fill="#{colour}"/>'
        f'<text x="50" y="50" dy=".35em" text-anchor="middle" fill="#fff" '
        f'font-family="system-ui,-apple-system,Segoe UI,Roboto,Arial,sans-serif" '
        f'font-size="{font_size}" font-weight="700">{escape(letters)}</text></svg>'
    )


def icon_png(colour, name, size):
    """The same icon as :func:`icon_svg` as a PNG of ``size`` px (iPhones take no SVG)."""
    scale = 4 if size < 64 else 2  # drawn larger and scaled down, for smooth edges
    big = size * scale
    image = PILImage.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    # The home screen rounds the corners itself: a full square at 180 px.
    radius = round(big * 0.18) if size < 64 else 0
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius, fill=f"#{colour}")
    letters = initials(name)
    font = ImageFont.load_default(size=round(big * (0.6 if len(letters) == 1 else 0.44)))
    draw.text((big / 2, big / 2), letters, fill="white", font=font, anchor="mm")
    image = image.resize((size, size), PILImage.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _immutable(response):
    response["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response


def _checked(colour, name):
    if not HEX_COLOUR.fullmatch(colour) or not name or len(name) > MAX_NAME_LENGTH:
        raise Http404


@require_safe
def favicon_svg(request, colour, name):
    _checked(colour, name)
    return _immutable(HttpResponse(icon_svg(colour, name), content_type="image/svg+xml"))


@require_safe
def favicon_png(request, colour, size, name):
    _checked(colour, name)
    if size not in PNG_SIZES:
        raise Http404
    return _immutable(HttpResponse(icon_png(colour, name, size), content_type="image/png"))


def site_icons(company):
    """``{"icon": url, "icon_type": mime type, "png32": url, "touch": url}`` for a site's
    CompanySettings (``None``, or a template's empty value on a host with no site: the default
    colour and a plain "?")."""
    if getattr(company, "favicon_id", None):
        image = company.favicon
        png32 = image.get_rendition("fill-32x32|format-png").url
        return {
            "icon": png32,
            "icon_type": "image/png",
            "png32": png32,
            "touch": image.get_rendition("fill-180x180|format-png").url,
        }
    colour = (getattr(company, "brand_colour", "") or "#0b5394").lstrip("#").lower()
    name = getattr(company, "company_name", "") or "?"
    return {
        "icon": reverse("favicon_svg", kwargs={"colour": colour, "name": name}),
        "icon_type": "image/svg+xml",
        "png32": reverse("favicon_png", kwargs={"colour": colour, "size": 32, "name": name}),
        "touch": reverse("favicon_png", kwargs={"colour": colour, "size": 180, "name": name}),
    }


@require_safe
def favicon_ico(request):
    """Redirect to the 32 px PNG of the host's site (the default site on an unknown host)."""
    from .models import CompanySettings

    site = Site.find_for_request(request)
    company = CompanySettings.for_site(site) if site is not None else None
    response = HttpResponseRedirect(site_icons(company)["png32"])
    response["Cache-Control"] = f"public, max-age={REDIRECT_MAX_AGE}"
    response["Vary"] = "Host"
    return response
