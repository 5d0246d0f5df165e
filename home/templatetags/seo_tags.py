"""``{% seo_head root=root versions=versions %}``: the page's meta description, canonical
link, Open Graph tags and the company's JSON-LD (home/seo.py)."""

from django import template

from home import seo
from home.models import CompanySettings

register = template.Library()


@register.inclusion_tag("home/includes/seo_head.html", takes_context=True)
def seo_head(context, root=None, versions=None):
    request = context.get("request")
    if request is None:
        return {}
    try:
        company = CompanySettings.for_request(request)
    except CompanySettings.DoesNotExist:  # a host that is no site's (its 404 page)
        company = None
    return seo.head_context(request, context.get("page"), root, versions or [], company)
