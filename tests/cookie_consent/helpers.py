"""Shared by the cookie consent tests: posting a choice as the banner's form does."""

from django.utils import translation

from cookie_consent import cookie

VVS = "mihvvs.localhost"
EL = "mihel.localhost"


def danish(text):
    with translation.override("da"):
        return translation.gettext(text)


def choose(client, action, host=VVS, path="/cookies/", origin=None, **data):
    """POST a choice from a page of ``host`` (Origin: that host), as the banner's form."""
    origin = origin if origin is not None else f"http://{host}"
    headers = {"HTTP_HOST": host}
    headers.update(
        {
            key: data.pop(key)
            for key in list(data)
            if key.startswith("HTTP_") or key == "REMOTE_ADDR"
        }
    )
    if origin:
        headers["HTTP_ORIGIN"] = origin
    return client.post(path, {"action": action, **data}, **headers)


def banner_shown(response):
    return b'id="cookie-banner"' in response.content


def visitor_set(response):
    morsel = response.cookies.get(cookie.VISITOR_COOKIE)
    return morsel is not None and morsel.value != "" and morsel["max-age"] != 0


def visitor_deleted(response):
    morsel = response.cookies.get(cookie.VISITOR_COOKIE)
    return morsel is not None and morsel.value == "" and morsel["max-age"] == 0
