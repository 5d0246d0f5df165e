"""``/cookies/`` (Danish) and ``/en/cookies/`` (English): the cookie settings page (GET) and
the endpoint every consent form posts to (POST).

The banner's form sits on cached pages, so it cannot carry a CSRF token: the view is
``csrf_exempt`` and instead refuses any POST whose ``Origin`` (or, without one, ``Referer``)
is not this host. A forged cross-site POST could otherwise only change the visitor's own
cookie choice; refusing it keeps the log honest.

Each accepted POST writes one :class:`~cookie_consent.models.ConsentRecord` (no IP address,
no user agent), sets the consent cookie, and sets or deletes the statistics cookie.
"""

import json
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from forms_app.intake.ratelimit import is_rate_limited
from home.page_cache import localized, localized_root, memo, site_for_request

from . import banner, cookie, registry
from .models import BannerTextVersion, ConsentRecord
from .state import current_consent, current_epoch

ACTIONS = ("accept_all", "reject_all", "save")


def same_origin(request):
    """Whether the POST names this host (and, on HTTPS, HTTPS) as where it came from."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    if request.is_secure() and parts.scheme != "https":
        return False
    return parts.netloc.lower() == request.get_host().lower()


def wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def refuse(request, status, message):
    if wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def company_settings(request, site):
    from home.models import CompanySettings

    return memo(request, ("company", site.pk), lambda: CompanySettings.for_site(site))


def privacy_policy(request, site):
    """The site's privacy policy page in the active language (live), or None."""
    policy = company_settings(request, site).privacy_policy_page
    policy = localized(request, policy)
    return policy if policy is not None and policy.live else None


def home_url(request, site):
    root = localized_root(request, site)
    return root.get_url(request=request) or "/"


def safe_next(request, site):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return home_url(request, site)


def shown_text_version(request, site, language):
    """The banner text the form was rendered with (its hidden field), when it is a version of
    this site and language; else the words shown now."""
    raw = request.POST.get("text_version", "")
    if raw.isdigit():
        found = BannerTextVersion.objects.filter(pk=int(raw), site=site, language=language).first()
        if found is not None:
            return found
    heading, text = banner.banner_words(request, site, language)
    return BannerTextVersion.for_words(site, language, heading, text)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def cookie_settings(request):
    site = site_for_request(request)
    if site is None:
        raise Http404("No site for this host")
    if request.method == "POST":
        return record_choice(request, site)
    consent = current_consent(request, site)
    stored = cookie.read_consent(request)
    language = translation.get_language()
    heading, text = banner.banner_words(request, site, language)
    context = {
        "consent": consent,
        "consent_id": stored.consent_id if stored is not None else None,
        "statistics_checked": consent is not None and consent.statistics,
        "saved": request.GET.get("saved") == "1",
        "categories": registry.by_category(),
        "policy": privacy_policy(request, site),
        "heading": heading,
        "text": text,
        "text_version": banner.text_version_id(request, site, language),
        "hide_cookie_banner": True,
        "versions": language_links(request),
    }
    return render(request, "cookie_consent/cookie_settings.html", context)


def language_links(request):
    """The language switcher's entries for this page: /cookies/ in each language."""
    from django.urls import reverse

    current = translation.get_language()
    versions = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            url = request.build_absolute_uri(reverse("cookie_settings"))
            label = gettext(name)
        versions.append(
            {
                "code": code,
                "name": label,
                "url": url,
                "is_current": code == current,
                "exists": True,
            }
        )
    return versions


def record_choice(request, site):
    if not same_origin(request):
        return refuse(
            request,
            403,
            gettext("Your choice was not saved: the form was not sent from this website."),
        )
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return refuse(request, 400, gettext("Unknown choice. Please choose again."))
    # A script can fake the Origin header: bound how many log entries one address can add
    # (each is kept for years). Counted in the shared cache, the address hashed; fails open.
    if is_rate_limited(request, f"cookie-consent:{site.pk}", limit=settings.CONSENT_RATE_LIMIT):
        return refuse(
            request,
            429,
            gettext("Too many choices from your address. Please wait a few minutes."),
        )
    language = translation.get_language() or "da"
    previous = current_consent(request, site)
    statistics = action == "accept_all" or (
        action == "save" and request.POST.get("statistics") in ("1", "on", "true")
    )
    if previous is not None and previous.statistics and not statistics:
        method = ConsentRecord.Method.WITHDRAW
    else:
        method = {
            "accept_all": ConsentRecord.Method.ACCEPT_ALL,
            "reject_all": ConsentRecord.Method.REJECT_ALL,
            "save": ConsentRecord.Method.CUSTOM,
        }[action]
    stored = cookie.read_consent(request)
    consent_id = stored.consent_id if stored is not None else uuid.uuid4()
    policy = privacy_policy(request, site)
    epoch = current_epoch(request, site)
    ConsentRecord.objects.create(
        consent_id=consent_id,
        site=site,
        method=method,
        statistics=statistics,
        language=language,
        banner_text=shown_text_version(request, site, language),
        policy_revision_id=policy.live_revision_id if policy is not None else None,
        epoch=epoch,
    )
    if wants_json(request):
        response = HttpResponse(json.dumps({"ok": True}), content_type="application/json")
    else:
        response = HttpResponseRedirect(safe_next(request, site), status=303)
    cookie.write_consent(response, cookie.Consent(consent_id, epoch, statistics))
    if statistics:
        cookie.write_visitor(response, request)
    else:
        cookie.delete_visitor(response)
    return response
