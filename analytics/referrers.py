"""Where a visit came from, grouped: ``(kind, source)`` or None.

* the same site (its hostname, with or without ``www.``) or no usable ``Referer``: None;
* the other company's site (any hostname of a Wagtail ``Site``): ``("own", host)``;
* a search engine: ``("search", name)``, e.g. ``("search", "Google")`` for google.dk,
  www.google.co.uk or the Google app;
* anything else: ``("other", host)``, the host without ``www.``.

Only the host is ever kept: never the path or query of the referring page (they can carry
search terms or personal data).
"""

from urllib.parse import urlsplit

# Label of a search engine's domain → its name. The label must be followed only by short
# labels (a TLD such as com, dk, co.uk, com.au), so google.dk and search.brave.com match and
# google.example.com does not.
SEARCH_ENGINES = {
    "google": "Google",
    "bing": "Bing",
    "duckduckgo": "DuckDuckGo",
    "yahoo": "Yahoo",
    "ecosia": "Ecosia",
    "yandex": "Yandex",
    "baidu": "Baidu",
    "startpage": "Startpage",
    "qwant": "Qwant",
    "brave": "Brave Search",
    "kagi": "Kagi",
    "mojeek": "Mojeek",
    "seznam": "Seznam",
    "naver": "Naver",
    "sogou": "Sogou",
    "aol": "AOL",
    "swisscows": "Swisscows",
    "metager": "MetaGer",
}
MAX_SOURCE_LENGTH = 255


def bare_host(host):
    """``host`` in lower case, without a port or a leading ``www.``."""
    host = (host or "").strip().lower().rstrip(".")
    if host.startswith("["):  # an IPv6 literal with a port
        host = host.split("]", 1)[0] + "]"
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def search_engine(host):
    """The search engine's name for a (bare) host, or None."""
    labels = host.split(".")
    for index, label in enumerate(labels[:-1]):
        name = SEARCH_ENGINES.get(label)
        if name and all(len(rest) <= 3 for rest in labels[index + 1 :]):
            return name
    return None


def classify(referer, own_host, site_hosts):
    """``(kind, source)`` for a ``Referer`` header, or None (none, unusable, or our own site).

    ``own_host``: the bare host the request came to (and its site's hostname, if different,
    as an iterable); ``site_hosts``: the bare hostnames of every Wagtail site.
    """
    if not referer:
        return None
    try:
        parts = urlsplit(referer.strip())
        host = parts.hostname
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme == "android-app":
        # The Google app sends android-app://com.google.android.googlequicksearchbox/...
        return ("search", "Google") if host and "google" in host else None
    if scheme not in ("http", "https") or not host:
        return None
    host = bare_host(host)
    if not host or host in own_host:
        return None
    if host in site_hosts:
        return ("own", host[:MAX_SOURCE_LENGTH])
    name = search_engine(host)
    if name:
        return ("search", name)
    return ("other", host[:MAX_SOURCE_LENGTH])
