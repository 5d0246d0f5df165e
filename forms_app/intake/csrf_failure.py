"""The page a visitor gets when Django's CSRF check refuses a post (``CSRF_FAILURE_VIEW``).

The CSRF cookie lives until the browser closes; a phone that restarts its browser and restores
the tab sends the form without one. Instead of Django's bare 403 the visitor gets, in the
site's own design:

- a post to a form page: that form again, with what they typed (every answer except photos,
  which no browser lets a page refill, the consent tick, which they must give again, and the
  honeypot), a fresh token and the phone number, so nothing is lost;
- anything else: a short explanation, a link to the page again and the phone number.

Status 403 either way. Nothing is stored and nothing is counted. Should the friendly page fail
to render, Django's own page is shown rather than an error.
"""

import logging
from urllib.parse import urlsplit

import django.forms
from django.template.response import TemplateResponse
from django.views.csrf import csrf_failure as django_csrf_failure
from wagtail.models import Page, Site

from home.models import CompanySettings

from ..models import FormPage
from .forms import RESERVED_FIELD_NAMES, PhotosField

logger = logging.getLogger(__name__)

TEMPLATE = "forms_app/csrf_failure.html"


def csrf_failure(request, reason=""):
    try:
        # The form comes back filled in only for a post that provably came from this site:
        # otherwise another website could make our page show our form with answers it chose
        # (its own e-mail address, say) and the visitor might send it.
        same_site = posted_from_this_site(request)
        response = (form_again(request) if same_site else None) or friendly_page(request)
        return response.render()
    except Exception:
        logger.exception("The friendly CSRF failure page failed; Django's own is shown")
        return django_csrf_failure(request, reason)


def posted_from_this_site(request):
    """Whether the browser says the post came from a page of this very host: its ``Origin``
    (sent with every form post by current browsers), else ``Sec-Fetch-Site``, else the
    ``Referer``. Without any of them, or with another site's, it did not."""
    host = request.get_host().lower()
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return origin.lower() == f"{request.scheme}://{host}"
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    return bool(referer.netloc) and referer.netloc.lower() == host


def company_for(request):
    site = Site.find_for_request(request)
    return CompanySettings.for_site(site) if site else None


def form_page_posted_to(request):
    """The live, unrestricted form page whose form ``request`` posted, or None."""
    if request.method != "POST":
        return None
    result = Page.route_for_request(request, request.path_info)
    if result is None:
        return None
    page, args, _kwargs = result
    page = page.specific
    if not isinstance(page, FormPage) or not page.live or list(page.get_view_restrictions()):
        return None
    # A routable page's route names its view: only the form itself, not the thank-you page.
    view = args[0] if args else None
    if getattr(view, "__name__", None) != "form_view":
        return None
    return page


def kept_values(form, data):
    """The posted answers to ``form``'s editor fields, as its initial values."""
    kept = {}
    for name, field in form.fields.items():
        if name in RESERVED_FIELD_NAMES or isinstance(field, PhotosField) or name not in data:
            continue
        if isinstance(field, django.forms.MultipleChoiceField):
            kept[name] = data.getlist(name)
        else:
            kept[name] = data.get(name)
    return kept


def form_again(request):
    """The form page's form with the refused post's values, or None if it was no form's."""
    page = form_page_posted_to(request)
    if page is None:
        return None
    form = page.get_form(page=page, user=request.user)
    form.initial = kept_values(form, request.POST)
    form.photos_chosen = {
        name for name in form.photo_field_names() if any(request.FILES.getlist(name))
    }
    return page.render_form(
        request, form, status=403, csrf_failed=True, company=company_for(request)
    )


def friendly_page(request):
    return TemplateResponse(
        request,
        TEMPLATE,
        {"company": company_for(request), "again_url": request.path},
        status=403,
    )
