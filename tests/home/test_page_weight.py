"""Every public page of both sites, in both languages, stays light and self-hosted (issue 13):
the HTML plus every resource it makes the browser fetch (stylesheets, scripts, icons, images:
the largest candidate of a ``srcset``, and what the stylesheets' ``url()`` pull in) is under
30 KB on the wire, and no resource comes from another host.

Measured as a first-time visitor sees the page (no cookie: the consent banner and its script
included), through the test client (WhiteNoise serves the static files, the default storage
the media). "On the wire" is what production sends: text (HTML, CSS, JavaScript, SVG) gzipped
(WhiteNoise serves static files compressed; Debian's nginx.conf, which deploy/nginx.conf.sample
sits in, gzips HTML), images as they are. The ``apple-touch-icon`` is not counted (a browser
fetches it only when the page is saved to a home screen), but its host is checked. Run with
``-s`` for a table of bytes per page, raw and on the wire.
"""

import contextlib
import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from wagtail.models import Site

from tests.browser.conftest import public_pages

pytestmark = pytest.mark.django_db

LIMIT = 30 * 1024
TEXT = (".html", ".css", ".js", ".mjs", ".svg", ".json", ".xml", ".txt", ".webmanifest")
# <link rel=…> values that make the browser fetch the target.
FETCHED_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "mask-icon",
    "manifest",
    "preload",
    "modulepreload",
    "prefetch",
}
# Attributes naming a resource (or where a form sends the visitor's data).
RESOURCE_ATTRIBUTES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "form": ("action",),
    "link": ("href", "imagesrcset"),
}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")


def srcset_candidates(value):
    """``[(url, weight)]`` of a srcset: weight is the ``w`` or ``x`` descriptor (1 if none)."""
    candidates = []
    for part in value.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        weight = 1.0
        if len(bits) > 1 and bits[1][-1:] in ("w", "x"):
            with contextlib.suppress(ValueError):
                weight = float(bits[1][:-1])
        candidates.append((bits[0], weight))
    return candidates


class Resources(HTMLParser):
    """What a page makes the browser fetch, and every URL it names in a resource attribute.

    ``fetched``: URLs loaded with the page (an image counts once: the largest candidate of
    its ``<picture>``/``srcset``, the worst case). ``named``: every URL in a resource
    attribute (for the third-party check, forms' actions included). ``css``: inline CSS.
    """

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.fetched, self.named, self.css = [], [], []
        self._picture = None  # candidates of the open <picture>
        self._in_style = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if attrs.get("style"):
            self.css.append(attrs["style"])
        if tag == "style":
            self._in_style = True
        if tag == "picture":
            self._picture = []
        for attribute in RESOURCE_ATTRIBUTES.get(tag, ()):
            value = attrs.get(attribute, "").strip()
            if not value:
                continue
            if attribute.endswith("srcset"):
                self.named += [url for url, _weight in srcset_candidates(value)]
            else:
                self.named.append(value)
        if tag == "link":
            rels = set(attrs.get("rel", "").lower().split())
            if rels & FETCHED_RELS and attrs.get("href"):
                self.fetched.append(attrs["href"].strip())
        elif tag in ("script", "iframe", "embed", "frame", "track") and attrs.get("src"):
            self.fetched.append(attrs["src"].strip())
        elif tag == "video" and attrs.get("poster"):
            self.fetched.append(attrs["poster"].strip())
        elif tag == "object" and attrs.get("data"):
            self.fetched.append(attrs["data"].strip())
        elif tag in ("img", "source", "input") and (attrs.get("src") or attrs.get("srcset")):
            if tag == "input" and attrs.get("type", "").lower() != "image":
                return
            candidates = srcset_candidates(attrs.get("srcset", ""))
            if attrs.get("src"):
                candidates.append((attrs["src"].strip(), 0.0))
            if self._picture is not None:
                self._picture += candidates
            elif candidates:
                self.fetched.append(max(candidates, key=lambda c: c[1])[0])

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if tag == "picture" and self._picture is not None:
            if self._picture:
                self.fetched.append(max(self._picture, key=lambda c: c[1])[0])
            self._picture = None

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


def css_urls(css):
    return [m.group(2) or m.group(4) for m in CSS_URL.finditer(css)]


def is_fetchable(url):
    return not url.startswith(("data:", "#", "about:", "blob:", "javascript:"))


def host_of(url, base):
    return urlsplit(urljoin(base, url)).hostname


def on_the_wire(url, content, content_type=""):
    """Bytes sent for ``content``: gzipped (level 6, as Django's and nginx's) if text."""
    path = urlsplit(url).path.lower()
    if path.endswith(TEXT) or content_type.split(";")[0].strip().startswith(
        ("text/", "application/javascript", "image/svg", "application/json")
    ):
        return len(gzip.compress(content, compresslevel=6, mtime=0))
    return len(content)


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


class Fetcher:
    """Same-origin resources by URL: static files through WhiteNoise (the test client), media
    from the default storage, anything else (the brand stylesheet) through the test client."""

    def __init__(self, client, hostname):
        self.client, self.hostname = client, hostname

    def __call__(self, url):
        path = urlsplit(url).path
        if path.startswith(settings.MEDIA_URL):
            name = path.removeprefix(settings.MEDIA_URL)
            assert default_storage.exists(name), f"{url}: no such media file"
            with default_storage.open(name) as f:
                content = f.read()
            return content, on_the_wire(url, content)
        response = self.client.get(url, HTTP_HOST=self.hostname)
        assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
        content = body(response)
        return content, on_the_wire(url, content, response.get("Content-Type", ""))


def weigh(client, hostname, path):
    """``(html (raw, wire), {resource url: (raw, wire)}, [third-party urls])`` of one page."""
    base = f"http://{hostname}{path}"
    response = client.get(path, HTTP_HOST=hostname)
    assert response.status_code in (200, 404), f"{path} on {hostname}: {response.status_code}"
    html = body(response)
    html_size = (len(html), on_the_wire(path + ".html", html))
    parsed = Resources(html.decode(response.charset or "utf-8"))
    fetch = Fetcher(client, hostname)
    foreign = [url for url in parsed.named if is_fetchable(url) and host_of(url, base) != hostname]
    resources = {}
    queue = [urljoin(base, url) for url in parsed.fetched + css_urls("\n".join(parsed.css))]
    while queue:
        url = queue.pop(0)
        if not is_fetchable(url) or url in resources:
            continue
        if host_of(url, base) != hostname:
            foreign.append(url)
            continue
        content, wire = fetch(url)
        resources[url] = (len(content), wire)
        if urlsplit(url).path.endswith(".css"):
            queue += [urljoin(url, found) for found in css_urls(content.decode("utf-8"))]
    return html_size, resources, foreign


def test_every_public_page_is_light_and_self_hosted(client, sites):
    hostnames = {key: site.hostname for key, site in sites.items()}
    assert set(Site.objects.values_list("hostname", flat=True)) == set(hostnames.values())
    pages = public_pages()
    # Both sites, both languages, more than the home pages.
    for key in hostnames:
        paths = [path for site_key, path in pages if site_key == key]
        assert len([p for p in paths if p.startswith("/en/")]) >= 4, paths
        assert len([p for p in paths if not p.startswith("/en/")]) >= 4, paths

    rows, problems = [], []
    for key, path in pages:
        client.cookies.clear()  # a first-time visitor every time
        hostname = hostnames[key]
        html, resources, foreign = weigh(client, hostname, path)
        raw = html[0] + sum(size[0] for size in resources.values())
        wire = html[1] + sum(size[1] for size in resources.values())
        rows.append((hostname + path, html, len(resources), raw, wire))
        if wire >= LIMIT:
            detail = ", ".join(f"{urlsplit(u).path} {w}" for u, (_r, w) in resources.items())
            problems.append(f"{hostname}{path}: {wire} bytes (HTML {html[1]}; {detail})")
        for url in foreign:
            problems.append(f"{hostname}{path}: third-party resource {url}")

    width = max(len(row[0]) for row in rows)
    print(f"\n{'page':<{width}}  {'HTML':>6} {'gz':>6}  {'files':>5}  {'raw':>6} {'wire':>6}")
    for page, html, count, raw, wire in rows:
        print(f"{page:<{width}}  {html[0]:>6} {html[1]:>6}  {count:>5}  {raw:>6} {wire:>6}")
    assert not problems, f"{len(problems)} problem(s), limit {LIMIT} bytes:\n" + "\n".join(
        problems
    )


def test_the_measure_counts_resources_and_catches_foreign_hosts():
    """The parser itself: srcset's largest candidate, link rels, CSS, other hosts."""
    parsed = Resources(
        '<link rel="stylesheet" href="/static/a.css"><link rel="canonical" href="/x/">'
        '<link rel="icon" href="/static/i.svg"><link rel="apple-touch-icon" href="/t.png">'
        '<script src="https://cdn.example/x.js"></script>'
        '<img src="/media/s.jpg" srcset="/media/s.jpg 400w, /media/l.jpg 1200w">'
        '<picture><source srcset="/media/p.webp 2x"><img src="/media/p.jpg"></picture>'
        '<iframe src="https://www.youtube.com/embed/x"></iframe><a href="https://other.dk/">x</a>'
        '<div style="background:url(/media/bg.png)"></div>'
    )
    assert parsed.fetched == [
        "/static/a.css",
        "/static/i.svg",
        "https://cdn.example/x.js",
        "/media/l.jpg",
        "/media/p.webp",
        "https://www.youtube.com/embed/x",
    ]
    assert css_urls("\n".join(parsed.css)) == ["/media/bg.png"]
    assert "/t.png" in parsed.named
    base = "http://mihvvs.localhost/"
    foreign = {u for u in parsed.named if host_of(u, base) != "mihvvs.localhost"}
    assert foreign == {"https://cdn.example/x.js", "https://www.youtube.com/embed/x"}
