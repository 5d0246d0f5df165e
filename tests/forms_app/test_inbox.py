"""The staff inbox: only your own company's submissions, filters, search, detail, actions."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from forms_app.models import FormSubmission, StaffAction
from home.models import CompanySettings
from tests.forms_app.conftest import photo_bytes, upload

pytestmark = pytest.mark.django_db


def user_in(group_name, username):
    user = get_user_model().objects.create_user(username, password="x" * 16)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def submissions(client, post_quote, quote_data, el_site):
    post_quote(quote_data, {"billeder_af_installationen": [upload("a.jpg", photo_bytes("JPEG"))]})
    post_quote(
        {
            **quote_data,
            "navn": "Jens Ølgaard",
            "e_mail": "jens@example.dk",
            "telefon": "87 65 43 21",
        }
    )
    client.post(
        "/kontakt/",
        {"navn": "Else El", "e_mail": "else@example.dk", "besked": "Hej", "samtykke": "on"},
        HTTP_HOST="mihel.localhost",
    )
    client.logout()
    return {s.name: s for s in FormSubmission.objects.all()}


@pytest.fixture
def vvs_staff(client, sites):
    user = user_in("MIH VVS kundeservice", "vvs-service")
    client.force_login(user)
    return user


def inbox(client, **params):
    return client.get(reverse("henvendelser:inbox"), params).content.decode()


def test_staff_see_only_their_own_company(client, submissions, vvs_staff):
    html = inbox(client)
    assert "Mette Hansen" in html and "Jens Ølgaard" in html
    assert "Else El" not in html
    el = submissions["Else El"]
    assert client.get(reverse("henvendelser:detail", args=[el.pk])).status_code == 404


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
def test_search_and_filters(client, submissions, vvs_staff, params, expected):
    html = inbox(client, **params)
    assert {name for name in ("Mette Hansen", "Jens Ølgaard") if name in html} == expected


def test_menu_item_only_for_staff(client, submissions, vvs_staff):
    assert reverse("henvendelser:inbox") in client.get("/admin/").content.decode()
    client.force_login(user_in("MIH VVS redaktører", "vvs-editor"))
    assert reverse("henvendelser:inbox") not in client.get("/admin/").content.decode()
    assert client.get(reverse("henvendelser:inbox")).status_code in (302, 403)


def test_detail_shows_fields_photos_consent_and_retention(client, submissions, vvs_staff):
    mette = submissions["Mette Hansen"]
    html = client.get(reverse("henvendelser:detail", args=[mette.pk])).content.decode()
    assert "Søndergade 12, 2. th." in html and "Beskrivelse af opgaven" in html
    photo = mette.photos.get()
    assert reverse("henvendelser:photo", args=[photo.key]) in html
    assert mette.consent_text in html
    assert reverse("henvendelser:policy", args=[mette.pk]) in html
    assert "Version 1" in html
    assert mette.retention_reason in html


def test_policy_as_it_was(client, submissions, vvs_staff, vvs_site):
    mette = submissions["Mette Hansen"]
    policy = CompanySettings.for_site(vvs_site).privacy_policy_page
    policy.sections = [("section", {"heading": "Helt ny politik", "level": "2", "body": ""})]
    policy.save_revision().publish()
    html = client.get(reverse("henvendelser:policy", args=[mette.pk])).content.decode()
    assert "1. Generelt" in html and "Helt ny politik" not in html
    assert "Version 1" in html and "kontakt@mihvvs.dk" in html


def test_change_status_moves_retention_and_is_audited(client, submissions, vvs_staff):
    mette = submissions["Mette Hansen"]
    response = client.post(reverse("henvendelser:status", args=[mette.pk]), {"status": "customer"})
    assert response.status_code == 302
    mette.refresh_from_db()
    assert mette.status == "customer" and "Kunde" in mette.retention_reason
    entry = StaffAction.objects.get(action="status_change")
    assert (entry.user, entry.count, entry.site_id) == (vvs_staff, 1, mette.site_id)


def test_legal_hold_needs_a_reason(client, submissions, vvs_staff):
    mette = submissions["Mette Hansen"]
    url = reverse("henvendelser:legal_hold", args=[mette.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Angiv en begrundelse" in response.content.decode()
    mette.refresh_from_db()
    assert not mette.legal_hold

    client.post(url, {"reason": "Reklamationssag"})
    mette.refresh_from_db()
    assert mette.legal_hold and mette.legal_hold_reason == "Reklamationssag"
    client.post(url, {"action": "lift"})
    mette.refresh_from_db()
    assert not mette.legal_hold and mette.legal_hold_reason == ""
    assert list(StaffAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "legal_hold_set",
        "legal_hold_lifted",
    ]


def test_other_companys_staff_cannot_act(client, submissions):
    client.force_login(user_in("MIH El kundeservice", "el-service"))
    mette = submissions["Mette Hansen"]
    assert (
        client.post(
            reverse("henvendelser:status", args=[mette.pk]), {"status": "closed"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("henvendelser:legal_hold", args=[mette.pk]), {"reason": "x"}
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
    submission = FormSubmission.objects.get()
    assert reverse("henvendelser:detail", args=[submission.pk]) in mailoutbox[0].body
