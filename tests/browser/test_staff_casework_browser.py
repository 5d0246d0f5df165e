"""A customer-service employee starts on the dashboard's casework panel, opens a new quote,
finds the email and phone as links, adds a note and takes the case: on a desktop and a phone."""

import re

import pytest

from tests.factories import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_staff_work_a_case_from_the_dashboard(
    browser, site_url, vvs_staff, submission, screenshot, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="da-DK")
    page = context.new_page()
    page.goto(site_url("mihvvs", "/admin/login/"))
    page.locator("input[name=username]").fill(vvs_staff.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log ind", re.I)).click()

    # The dashboard: the casework panel, no page search for staff.
    panel = page.locator("#casework-section")
    expect(panel).to_be_visible()
    expect(page.locator(".w-dashboard form[role=search]")).to_be_hidden()
    new_link = panel.locator("a.casework-count").first
    expect(new_link.locator(".casework-count__number")).to_have_text("2")
    screenshot(page, f"staff-dashboard-{width}")
    new_link.click()
    expect(page).to_have_url(re.compile(r"status=new"))
    expect(page.get_by_role("cell", name="Mette Hansen")).to_be_visible()
    screenshot(page, f"staff-inbox-{width}")

    page.goto(site_url("mihvvs", f"/admin/henvendelser/{submission.pk}/"))
    expect(page.get_by_text("Utæt blandingsbatteri.")).to_be_visible()
    mail = page.locator("a[href='mailto:mette.hansen@example.dk']")
    expect(mail).to_be_visible()
    expect(page.locator("a[href='tel:+4512345678']")).to_be_visible()
    expect(page.locator(".submission-reference")).to_contain_text(f"{submission.pk:05d}")

    page.locator("textarea[name=text]").fill("Ringede til kunden, kommer torsdag kl. 8.")
    page.locator("form.submission-note-form button[type=submit]").click()
    expect(page.get_by_text("Ringede til kunden, kommer torsdag kl. 8.")).to_be_visible()
    page.locator("select[name=assignee]").select_option(str(vvs_staff.pk))
    page.locator("form[action$='/sagsbehandler/'] button[type=submit]").click()
    expect(page.locator(".submission-reference")).to_contain_text(vvs_staff.username)
    page.locator("#notes").scroll_into_view_if_needed()
    screenshot(page, f"staff-detail-casework-{width}")

    # Back on the dashboard, the case counts as the staffer's own.
    page.goto(site_url("mihvvs", "/admin/"))
    mine = page.locator("#casework-section a.casework-count").nth(2)
    expect(mine.locator(".casework-count__number")).to_have_text("1")
    context.close()

    submission.refresh_from_db()
    assert submission.assignee_id == vvs_staff.pk
    assert submission.notes.get().text == "Ringede til kunden, kommer torsdag kl. 8."
