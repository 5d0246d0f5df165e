"""The staff inbox: only your own company's submissions, filters, search, detail, actions."""

import re

import pytest
from django.urls import reverse

from forms_app.models import FormPage, FormSubmission, StaffAction
from home.models import CompanySettings
from tests.assertions import assert_permission_denied
from tests.factories import FormSubmissionFactory
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def submissions(quote_page, el_site):
    """Two VVS quotes (Mette's with a photo) and a contact message to MIH El."""
    el_contact = FormPage.objects.descendant_of(el_site.root_page).get(slug="kontakt")
    made = [
        FormSubmissionFactory(page=quote_page, with_photo=True),
        FormSubmissionFactory(
            page=quote_page,
            answers={
                "navn": "Jens Ølgaard",
                "e_mail": "jens@example.dk",
                "telefon": "87 65 43 21",
            },
        ),
        FormSubmissionFactory(
            page=el_contact,
            answers={"navn": "Else El", "e_mail": "else@example.dk", "besked": "Hej"},
        ),
    ]
    return {submission.name: submission for submission in made}


@pytest.fixture
def staff_client(client, vvs_staff):
    """The test client, logged in as MIH VVS customer service."""
    client.force_login(vvs_staff)
    return client


def inbox(client, **params):
    return client.get(reverse("henvendelser:inbox"), params).content.decode()


def test_staff_see_only_their_own_company(staff_client, submissions):
    html = inbox(staff_client)
    assert "Mette Hansen" in html and "Jens Ølgaard" in html
    assert "Else El" not in html
    el = submissions["Else El"]
    assert staff_client.get(reverse("henvendelser:detail", args=[el.pk])).status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "ølgaard"}, {"Jens Ølgaard"}),
        ({"q": "METTE.hansen@example"}, {"Mette Hansen"}),
        ({"q": "8765 4321"}, {"Jens Ølgaard"}),
        ({"status": "customer"}, set()),
        ({"legal_hold": "false"}, {"Mette Hansen", "Jens Ølgaard"}),
    ],
)
def test_search_and_filters(staff_client, submissions, params, expected):
    html = inbox(staff_client, **params)
    assert {name for name in ("Mette Hansen", "Jens Ølgaard") if name in html} == expected


def names_in_order(html, names=("Mette Hansen", "Jens Ølgaard")):
    return sorted((html.index(name), name) for name in names if name in html)


def test_sorting_pagination_and_results_only_refresh(staff_client, submissions, settings):
    """Wagtail's listing does the work: sortable columns, pages of results, and a URL that
    returns just the results for an in-place refresh."""
    by_name = inbox(staff_client, ordering="name")
    assert [name for _at, name in names_in_order(by_name)] == ["Jens Ølgaard", "Mette Hansen"]
    by_name_desc = inbox(staff_client, ordering="-name")
    assert [name for _at, name in names_in_order(by_name_desc)] == ["Mette Hansen", "Jens Ølgaard"]

    results = staff_client.get(reverse("henvendelser:inbox_results"), {"q": "ølgaard"})
    html = results.content.decode()
    assert results.status_code == 200 and "<html" not in html
    assert "Jens Ølgaard" in html and "Mette Hansen" not in html

    FormSubmissionFactory.create_batch(50, answers={"navn": "Masse Afsender"})
    first, second = inbox(staff_client), inbox(staff_client, p=2)
    assert first.count("Masse Afsender") == 50 and "Mette Hansen" not in first
    assert "Mette Hansen" in second and "Jens Ølgaard" in second


def test_site_column_only_for_users_of_several_sites(staff_client, submissions, superuser):
    def site_cells(html):
        return re.findall(r"<td[^>]*>\s*(MIH [A-Za-z]+ ApS)\s*</td>", html)

    assert site_cells(inbox(staff_client)) == []
    staff_client.force_login(superuser)
    assert sorted(site_cells(inbox(staff_client))) == ["MIH El ApS", "MIH VVS ApS", "MIH VVS ApS"]


def test_legal_hold_is_tagged_in_the_list(staff_client, submissions):
    mette = submissions["Mette Hansen"]
    FormSubmission.objects.filter(pk=mette.pk).update(legal_hold=True)
    html = inbox(staff_client)
    tags = re.findall(r'class="w-status[^"]*">\s*juridisk tilbageholdelse\s*</span>', html)
    assert len(tags) == 1


def test_export_buttons_carry_the_search_filter_and_sort(staff_client, submissions):
    html = inbox(staff_client, q="jens", status="new", ordering="name", p="1")
    export = reverse("henvendelser:export")
    for fmt in ("csv", "xlsx"):
        assert f"{export}?q=jens&amp;status=new&amp;ordering=name&amp;format={fmt}" in html
    assert reverse("henvendelser:access_request") in html
    assert reverse("henvendelser:erasure") in html


def test_menu_item_only_for_staff(staff_client, submissions, vvs_editor):
    assert reverse("henvendelser:inbox") in staff_client.get("/admin/").content.decode()
    staff_client.force_login(vvs_editor)
    assert reverse("henvendelser:inbox") not in staff_client.get("/admin/").content.decode()
    assert_permission_denied(staff_client.get(reverse("henvendelser:inbox")))


def test_detail_shows_fields_photos_consent_and_retention(staff_client, submissions):
    mette = submissions["Mette Hansen"]
    html = staff_client.get(reverse("henvendelser:detail", args=[mette.pk])).content.decode()
    assert "Søndergade 12, 2. th." in html and "Beskrivelse af opgaven" in html
    photo = mette.photos.get()
    assert reverse("henvendelser:photo", args=[photo.key]) in html
    assert mette.consent_text in html
    assert reverse("henvendelser:policy", args=[mette.pk]) in html
    assert "Version 1" in html
    assert mette.retention_reason in html
    # The consent language by name, not as a code ("Sprog: Dansk", not "da").
    assert mette.consent_language == "da"
    assert "<dd>Dansk</dd>" in html and "<dd>da</dd>" not in html


def test_policy_as_it_was(staff_client, submissions, vvs_site):
    mette = submissions["Mette Hansen"]
    policy = CompanySettings.for_site(vvs_site).privacy_policy_page
    policy.sections = [("section", {"heading": "Helt ny politik", "level": "2", "body": ""})]
    policy.save_revision().publish()
    html = staff_client.get(reverse("henvendelser:policy", args=[mette.pk])).content.decode()
    assert "1. Generelt" in html and "Helt ny politik" not in html
    assert "Version 1" in html and "kontakt@mihvvs.dk" in html


def test_change_status_moves_retention_and_is_audited(staff_client, submissions, vvs_staff):
    mette = submissions["Mette Hansen"]
    response = staff_client.post(
        reverse("henvendelser:status", args=[mette.pk]), {"status": "customer"}
    )
    assert response.status_code == 302
    mette.refresh_from_db()
    assert mette.status == "customer" and "Kunde" in mette.retention_reason
    entry = StaffAction.objects.get(action="status_change")
    assert (entry.user, entry.count, entry.site_id) == (vvs_staff, 1, mette.site_id)


def test_legal_hold_needs_a_reason(staff_client, submissions):
    mette = submissions["Mette Hansen"]
    url = reverse("henvendelser:legal_hold", args=[mette.pk])
    response = staff_client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Angiv en begrundelse" in response.content.decode()
    mette.refresh_from_db()
    assert not mette.legal_hold

    staff_client.post(url, {"category": "legal_claim", "reason": "Reklamationssag"})
    mette.refresh_from_db()
    assert mette.legal_hold and mette.legal_hold_reason == "Reklamationssag"
    assert mette.legal_hold_category == "legal_claim"
    staff_client.post(url, {"action": "lift"})
    mette.refresh_from_db()
    assert not mette.legal_hold and mette.legal_hold_reason == ""
    assert mette.legal_hold_category == ""
    assert list(StaffAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "legal_hold_set",
        "legal_hold_lifted",
    ]


def test_other_companys_staff_cannot_act(client, submissions, el_staff):
    client.force_login(el_staff)
    mette = submissions["Mette Hansen"]
    assert (
        client.post(
            reverse("henvendelser:status", args=[mette.pk]), {"status": "closed"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("henvendelser:legal_hold", args=[mette.pk]),
            {"category": "legal_claim", "reason": "x"},
        ).status_code
        == 404
    )
    assert client.get(reverse("henvendelser:policy", args=[mette.pk])).status_code == 404
    mette.refresh_from_db()
    assert mette.status == "new" and not mette.legal_hold


def test_notification_links_to_the_detail_page(
    client, post_quote, quote_data, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        post_quote(quote_data)
    run_tasks()  # the worker sends the queued mail
    submission = FormSubmission.objects.get()
    assert reverse("henvendelser:detail", args=[submission.pk]) in mailoutbox[0].body
