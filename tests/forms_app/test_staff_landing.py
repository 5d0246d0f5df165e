"""Staff start where the work is: the casework panel on the dashboard, and an admin without
what they cannot use (page search, page counts, editors' help, the translations report)."""

import html as html_lib
import json
import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.admin.views.home import RecentEditsPanel

from forms_app.models import FormPage, FormSubmission
from forms_app.wagtail_hooks import CaseworkPanel, UnsentMailPanel, only_casework_for_staff
from tests.factories import FormSubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(quote_page, el_site, vvs_staff):
    """VVS: two new, one in progress, one customer case assigned to the VVS staffer;
    El: one new."""
    new = FormSubmissionFactory.create_batch(2, page=quote_page)
    in_progress = FormSubmissionFactory(page=quote_page, answers={"navn": "I Gang"})
    customer = FormSubmissionFactory(page=quote_page, answers={"navn": "Kunde Min"})
    FormSubmission.objects.filter(pk=in_progress.pk).update(status="in_progress")
    FormSubmission.objects.filter(pk=customer.pk).update(status="customer", assignee=vvs_staff)
    el_contact = FormPage.objects.descendant_of(el_site.root_page).get(slug="kontakt")
    FormSubmissionFactory(page=el_contact, answers={"navn": "Else El"})
    return new


def casework_panel(html):
    found = re.search(r'<section[^>]*id="casework-section".*?</section>', html, re.S)
    return found.group(0) if found else ""


def counts(panel_html):
    """``[(number, label, url)]`` of the panel's links, in order."""
    return [
        (int(number), label.strip(), html_lib.unescape(url))
        for url, number, label in re.findall(
            r'<a href="([^"]+)" class="casework-count[^"]*">\s*'
            r'<span class="casework-count__number">(\d+)</span>\s*'
            r'<span class="casework-count__label">([^<]+)</span>',
            panel_html,
        )
    ]


def sidebar(html):
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    return props.group(1)


def test_staff_dashboard_shows_their_work_first_with_links(client, vvs_staff, vvs_site, work):
    client.force_login(vvs_staff)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    panel = casework_panel(html)
    assert panel and "casework-panel--only" in html
    inbox = reverse("henvendelser:inbox")
    site = vvs_site.pk
    assert [(n, url) for n, _label, url in counts(panel)] == [
        (2, f"{inbox}?site={site}&status=new"),
        (1, f"{inbox}?site={site}&status=in_progress"),
        (1, f"{inbox}?site={site}&assignee=me"),
    ]
    # The panel comes before anything else on the dashboard.
    assert CaseworkPanel.order < min(UnsentMailPanel.order, RecentEditsPanel.order)
    # Following a link gives exactly what it counted.
    listing = client.get(counts(panel)[2][2]).content.decode()
    assert "Kunde Min" in listing and "I Gang" not in listing and "Else El" not in listing
    listing = client.get(counts(panel)[1][2]).content.decode()
    assert "I Gang" in listing and "Kunde Min" not in listing


def test_superuser_sees_each_site_in_two_queries(client, superuser, work):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    with CaptureQueriesContext(connection) as queries:
        context = CaseworkPanel(superuser).get_context_data()
    assert len(queries) == 2  # the sites, one grouped count: not one per site
    by_site = {row["site"].site_name: [n for _l, n, _u in row["links"]] for row in context["rows"]}
    assert by_site == {"MIH El ApS": [1, 0, 0], "MIH VVS ApS": [2, 1, 0]}
    client.force_login(superuser)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert casework_panel(html) and "casework-panel--only" not in html


def test_editors_without_submissions_get_no_panel(client, vvs_editor, work):
    client.force_login(vvs_editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="casework-section"' not in html


def test_pure_staff_keep_only_their_panels(vvs_staff, superuser):
    request = RequestFactory().get("/admin/")
    request.user = vvs_staff
    ours, unsent = CaseworkPanel(vvs_staff, only=True), UnsentMailPanel(1)
    panels = [RecentEditsPanel(), unsent, ours]
    only_casework_for_staff(request, panels)
    assert panels == [unsent, ours]
    request.user = superuser
    panels = [RecentEditsPanel(), ours]
    only_casework_for_staff(request, panels)
    assert len(panels) == 2


def test_staff_menu_has_no_editor_items(client, vvs_staff, vvs_editor):
    translations = reverse("wagtail_localize:translations_report")
    client.force_login(vvs_staff)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    props = sidebar(html)
    assert reverse("henvendelser:inbox") in props
    assert json.dumps(translations)[1:-1] not in props
    assert "editor-guide" not in props and "whats-new-in-wagtail" not in props
    # No page, image or document counts for them either.
    assert "w-summary__list" not in html

    client.force_login(vvs_editor)
    editor_html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "w-summary__list" in editor_html  # the editor keeps Wagtail's site summary
    props = sidebar(editor_html)
    assert json.dumps(translations)[1:-1] in props
    assert "editor-guide" in props
