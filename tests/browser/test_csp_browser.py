"""The public pages and the Wagtail admin work in chromium under their Content-Security-Policy.

Every page is loaded with a listener for ``securitypolicyviolation`` events (installed before
any page script runs) and with the console watched: a violation fails the test, so a new
inline script or style on a public page, or an admin screen that needs more than its policy
allows, is caught here.
"""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from home.models import HomePage, StandardPage

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
        `at ${event.sourceFile}:${event.lineNumber} (${event.sample})`
    );
});
"""


class Watched:
    """A page whose CSP violations (events and console messages) are collected."""

    def __init__(self, page):
        self.page = page
        self.console = []
        page.context.add_init_script(WATCH)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def violations(self):
        events = self.page.evaluate("window.__cspViolations || []")
        return events + self.console

    def assert_clean(self, where):
        found = self.violations()
        assert not found, f"CSP violations on {where}:\n" + "\n".join(found)


@pytest.fixture
def watched(page):
    return Watched(page)


def test_public_pages_work_under_the_strict_policy(watched, site_url, sites):
    page = watched.page
    response = page.goto(site_url("mihvvs"))
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    # The brand colour arrives from its stylesheet, not an inline <style>.
    brand = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand')")
    assert brand.strip() == "#0b5394"
    watched.assert_clean("the home page")

    page.get_by_role("link", name="Persondatapolitik").first.click()
    page.wait_for_url(re.compile(r"/persondatapolitik/$"))
    watched.assert_clean("the privacy policy")

    page.goto(site_url("mihel", "/en/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    watched.assert_clean("the English home page")

    # The quote form: shown, refused without consent, then sent.
    page.goto(site_url("mihvvs", "/tilbud/"))
    page.get_by_label("Navn").fill("Mette Hansen")
    page.get_by_label("Adresse").fill("Søndergade 12")
    page.get_by_label("Postnummer").fill("4000")
    page.get_by_label("Telefon").fill("12 34 56 78")
    page.get_by_label("E-mail").fill("mette@example.dk")
    page.get_by_label("Beskrivelse af opgaven").fill("Utæt blandingsbatteri.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Sæt kryds for at give dit samtykke")
    page.get_by_label(re.compile("Jeg giver samtykke")).check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/tilbud/tak/(\?ref=.*)?$"))
    watched.assert_clean("the quote form")


def log_in(page, url):
    page.goto(url("mihvvs", "/admin/login/"))
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_admin_works_under_its_policy(watched, site_url, sites, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.dk", PASSWORD)
    page = watched.page
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(site_url("mihvvs", "/admin/login/"))
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    watched.assert_clean("the admin login")

    log_in(page, site_url)
    watched.assert_clean("the dashboard")

    # The page editor (StreamField, rich text, the live preview panel).
    about = (
        StandardPage.objects.live()
        .descendant_of(HomePage.objects.get(slug="mihvvs", locale__language_code="da"))
        .first()
    )
    page.goto(site_url("mihvvs", f"/admin/pages/{about.pk}/edit/"))
    expect(page.locator("[data-streamfield-stream-container]").first).to_be_visible()
    page.get_by_role("button", name="Vis/skjul forhåndsvisning").click()
    expect(page.frame_locator("iframe#w-preview-iframe").locator("main")).to_be_visible()
    # The content checks panel runs axe over the preview.
    page.get_by_role("button", name="Vis/skjul kontrol").click()
    watched.assert_clean("the page editor")

    page.goto(site_url("mihvvs", "/admin/henvendelser/"))
    watched.assert_clean("the inbox")

    page.goto(site_url("mihvvs", "/admin/images/"))
    watched.assert_clean("the image listing")

    page.goto(site_url("mihvvs", "/admin/login-lockouts/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    watched.assert_clean("the login lockouts")

    # Logged in on the public site: Wagtail's userbar and its content checks.
    page.goto(site_url("mihvvs"))
    page.locator("wagtail-userbar").locator("[data-wagtail-userbar-trigger]").click()
    watched.assert_clean("a public page with the userbar")


def test_the_lockout_page_after_five_wrong_passwords(watched, site_url, sites, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.dk", PASSWORD)
    page = watched.page
    for _ in range(5):
        page.goto(site_url("mihvvs", "/admin/login/"))
        page.locator("input[name=username]").fill("admin")
        page.locator("input[name=password]").fill("not the password")
        page.locator("form.login-form button[type=submit]").click()
    with translation.override("da"):
        heading = gettext("Too many failed logins")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    watched.assert_clean("the lockout page")

    # The right password is refused too, with the same page.
    log_in_attempt = page.goto(site_url("mihvvs", "/admin/login/"))
    assert log_in_attempt.status == 200
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert "/admin/login/" in page.url
