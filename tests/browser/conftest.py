"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

They skip (saying why) where chromium or Playwright is missing; CI installs both.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):  # .ci/run installs it: every browser test fails, none skips
            pytest.fail(f"CI=1 but chromium is not installed at {CHROMIUM}")
        pytest.skip(f"chromium not installed at {CHROMIUM} (apt-get install chromium)")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="da-DK")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def site_url(live_server):
    """``site_url("mihvvs", "/path/")`` → the live server under that site's hostname."""
    port = live_server.url.rsplit(":", 1)[1]

    def url(key, path="/"):
        return f"http://{key}.localhost:{port}{path}"

    return url


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves a full-page PNG under test-artifacts/ to look at."""

    def take(page, name):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    return take


# Every public page of both sites in both languages (the accessibility and page-weight tests).

NOT_FOUND_PATHS = ("/findes-ikke/", "/en/does-not-exist/")


def public_pages():
    """``[(site key, path)]``: every live, unrestricted page under each site's root and under
    the root's translations, each form's thank-you page (its general thanks), the cookie
    settings page in both languages and the 404 page in both languages, read from the page
    tree (so a page added to the demo content is covered without touching the tests)."""
    from wagtail.models import Site

    found = []
    for site in Site.objects.select_related("root_page").order_by("hostname"):
        key = site.root_page.slug
        roots = [site.root_page, *site.root_page.get_translations().order_by("locale_id")]
        for root in roots:
            pages = root.get_descendants(inclusive=True).live().public().specific()
            for page in pages.order_by("path"):
                _site_id, _root_url, path = page.get_url_parts()
                found.append((key, path))
                if hasattr(page, "thank_you_url") and hasattr(page, "reverse_subpage"):
                    route = "thank_you_en" if page.locale.language_code == "en" else None
                    found.append((key, path + page.reverse_subpage(route or "thank_you_view")))
        found += [(key, "/cookies/"), (key, "/en/cookies/")]
        found += [(key, path) for path in NOT_FOUND_PATHS]
    return found


@pytest.fixture(scope="session")
def ci_requires_browser():
    """Under CI=1 (.ci/run installs chromium and Playwright) a missing one fails the test
    instead of skipping it; elsewhere the ``browser`` fixture skips, saying why."""
    if not os.environ.get("CI"):
        return
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"CI=1 but chromium is not installed at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        pytest.fail(f"CI=1 but Playwright is not installed: {error}")


@pytest.fixture
def photo_file(tmp_path):
    """A photo of the installation on the visitor's disk, to attach to the quote form."""
    path = tmp_path / "vandhane.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def submission(sites):
    """Mette's quote to MIH VVS, as the public form stores it (Jens's quote beside it)."""
    from tests.factories import FormSubmissionFactory

    FormSubmissionFactory(answers={"navn": "Jens Ølgaard", "e_mail": "jens@example.dk"})
    return FormSubmissionFactory(answers={"beskrivelse_af_opgaven": "Utæt blandingsbatteri."})
