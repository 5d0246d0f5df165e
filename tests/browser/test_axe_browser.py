"""axe-core (vendored under tests/browser/vendor/axe-core/, see its README) finds no WCAG 2.1
A/AA violation on any public page of either site in either language, nor on any form showing
its errors, on a phone (390×844) and on a desktop (1280×800).

The pages come from the page tree (``public_pages`` in conftest): every live page of each site
root and of its translations, each form's thank-you page, the cookie settings page and the 404
page. Pages are seen as a first-time visitor sees them, with the cookie banner. A form's error
state is its page after sending it empty; its CSRF failure page is what a visitor whose cookie
expired gets back (the form again, in the site's design).

axe is injected as a script of its own; the public pages' Content-Security-Policy allows
scripts from 'self' only, so these contexts are opened with ``bypass_csp``.
test_csp_browser.py checks the pages under their policy, without it.
"""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import public_pages

if os.environ.get("CI"):  # CI installs Playwright: a missing one fails there
    from playwright.sync_api import expect
else:
    expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ci_requires_browser"),
]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}

RUN_AXE = """
async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    return results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
    }));
}
"""


def axe_violations(page, where):
    """Every axe violation on the page as it is now: one line per rule and element."""
    page.add_script_tag(path=str(AXE))
    found = []
    for violation in page.evaluate(RUN_AXE, WCAG_21_AA):
        for node in violation["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            found.append(
                f"{where}: {violation['id']} ({violation['impact']}) at "
                f"{' '.join(map(str, node['target']))}: {violation['help']}. {summary}"
            )
    return found


def form_paths(site):
    """The paths of every live form page of ``site``, under its root and the root's
    translations."""
    from forms_app.models import FormPage

    roots = [site.root_page, *site.root_page.get_translations()]
    return [
        form_page.get_url_parts()[2]
        for root in roots
        for form_page in FormPage.objects.live().public().descendant_of(root).order_by("path")
    ]


def test_axe_is_vendored():
    head = AXE.read_text(encoding="utf-8")[:200]
    assert head.startswith("/*! axe v4."), head
    assert (AXE.parent / "LICENSE").is_file()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_no_axe_violation_on_public_pages_and_form_errors(browser, site_url, sites, viewport):
    width, height = VIEWPORTS[viewport]
    pages = public_pages()
    forms = [(key, path) for key, site in sites.items() for path in form_paths(site)]
    for key in sites:  # both sites, both languages
        assert {p.startswith("/en/") for k, p in pages if k == key} == {True, False}
        assert {p.startswith("/en/") for k, p in forms if k == key} == {True, False}

    # One context per viewport for every page: a first-time visitor (the cookie banner shows
    # throughout, as nobody answers it).
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="da-DK", bypass_csp=True
    )
    page = context.new_page()
    violations = []
    try:
        for key, path in pages:
            response = page.goto(site_url(key, path))
            assert response.status in (200, 404), (key, path, response.status)
            violations += axe_violations(page, f"{viewport} {site_url(key, path)}")

        for key, path in forms:
            page.goto(site_url(key, path))
            page.locator("form.public-form [type=submit]").click()
            page.wait_for_load_state()
            expect(page.locator("#error-summary")).to_be_visible()
            violations += axe_violations(page, f"{viewport} {site_url(key, path)} (errors)")

            # The CSRF failure page (an expired cookie): the form again, in the site's design.
            page.goto(site_url(key, path))
            context.clear_cookies()
            with page.expect_response(lambda r: r.request.method == "POST") as posted:
                page.locator("form.public-form [type=submit]").click()
            assert posted.value.status == 403, (key, path, posted.value.status)
            page.wait_for_load_state()
            expect(page.locator("form.public-form")).to_be_visible()
            violations += axe_violations(page, f"{viewport} {site_url(key, path)} (CSRF)")
    finally:
        context.close()

    assert not violations, f"{len(violations)} axe violation(s):\n" + "\n".join(violations)
