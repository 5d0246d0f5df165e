"""Template helpers for the per-site header and footer."""

from django import template
from wagtail.models import Page, Site

register = template.Library()


@register.simple_tag(takes_context=True)
def site_root(context):
    """The root page of the site that serves this request (None outside a site)."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    return site.root_page.specific if site else None


@register.simple_tag
def menu_pages(root):
    """Live pages directly under the site root that editors marked "show in menus"."""
    if root is None:
        return Page.objects.none()
    return root.get_children().live().public().in_menu().specific()
