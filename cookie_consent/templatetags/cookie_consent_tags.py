"""``{% cookie_banner %}`` (base.html) and ``{% cookie_categories %}`` (the cookie tables)."""

from django import template

from cookie_consent import banner, registry
from cookie_consent.state import current_consent

register = template.Library()


@register.inclusion_tag("cookie_consent/banner.html", takes_context=True)
def cookie_banner(context):
    """The banner, when the visitor has no current choice (and the page is not the cookie
    settings page itself). The page cache keys pages by this (cookie.cache_variant)."""
    request = context.get("request")
    if request is None or context.get("hide_cookie_banner"):
        return {"show": False}
    if current_consent(request) is not None:
        return {"show": False}
    found = banner.banner_context(request)
    if found is None:
        return {"show": False}
    return {
        "show": True,
        "request": request,
        "settings": context.get("settings"),
        "next": request.get_full_path(),
        **found,
    }


@register.simple_tag
def cookie_categories():
    """``[(key, label, [CookieInfo…])]`` from :mod:`cookie_consent.registry`."""
    return registry.by_category()
