"""Access (art. 15) and erasure (art. 17/21) requests in the staff inbox."""

import io
import json
import re
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from forms_app.models import FormPage, FormSubmission, StaffAction, SubmissionPhoto
from tests.assertions import assert_permission_denied
from tests.factories import FormSubmissionFactory, SubmissionPhotoFactory
from tests.forms_app.conftest import private_files

pytestmark = pytest.mark.django_db

ACCESS_URL = "/admin/henvendelser/indsigt/"
ERASURE_URL = "/admin/henvendelser/sletning/"
METTE_EMAIL = "mette.hansen@example.dk"


@pytest.fixture
def mette(quote_page, contact_page):
    """Mette's two VVS submissions: a quote with two photos and a contact message."""
    quote = FormSubmissionFactory(page=quote_page)
    SubmissionPhotoFactory(submission=quote, original_name="bad.jpg")
    SubmissionPhotoFactory(submission=quote, original_name="rør.png", image_format="PNG")
    contact = FormSubmissionFactory(
        page=contact_page, answers={"telefon": "", "besked": "Kan I også se på radiatoren?"}
    )
    return quote, contact


@pytest.fixture
def other_person(quote_page):
    return FormSubmissionFactory(
        page=quote_page,
        answers={"navn": "Anders Jensen", "telefon": "87 87 87 87", "e_mail": "anders@example.dk"},
    )


@pytest.fixture
def el_mette(el_site):
    """Mette also asked MIH El for a quote, with the same email."""
    el_quote = FormPage.objects.descendant_of(el_site.root_page).get(slug="tilbud")
    return FormSubmissionFactory(page=el_quote, answers={"telefon": "11 22 33 44"})


def download(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    # Reading it all closes the response (Django's test client does that for streams).
    body = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(body))


def report_and_data(archive):
    report = archive.read("rapport.html").decode("utf-8")
    data = json.loads(archive.read("data.json"))
    return report, data


def test_urls():
    assert reverse("henvendelser:access_request") == ACCESS_URL
    assert reverse("henvendelser:erasure") == ERASURE_URL


class TestAccessRequest:
    def test_form_is_shown(self, client, vvs_staff):
        client.force_login(vvs_staff)
        response = client.get(ACCESS_URL)
        assert response.status_code == 200
        assert 'name="email"' in response.content.decode()

    def test_email_or_phone_is_required(self, client, vvs_staff, mette):
        client.force_login(vvs_staff)
        response = client.post(ACCESS_URL, {"email": "", "phone": ""})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert response.context["form"].non_field_errors()
        assert not StaffAction.objects.exists()

    def test_phone_without_digits_is_refused(self, client, vvs_staff, mette):
        """A phone of no digits must not normalise to "" and match everyone without one."""
        client.force_login(vvs_staff)
        response = client.post(ACCESS_URL, {"phone": "-- -- --"})
        assert response["Content-Type"].startswith("text/html")
        assert response.context["form"].errors["phone"]

    def test_zip_contents(self, client, vvs_staff, mette, other_person):
        quote, contact = mette
        client.force_login(vvs_staff)
        response = client.post(ACCESS_URL, {"email": "Mette.Hansen@example.dk"})
        today = timezone.localdate().isoformat()
        # Unique per request: the time to the second and six random hex digits.
        assert re.fullmatch(
            rf'attachment; filename="indsigt-{today}-\d{{6}}-[0-9a-f]{{6}}\.zip"',
            response["Content-Disposition"],
        )
        assert "no-store" in response["Cache-Control"]
        archive = download(response)
        report, data = report_and_data(archive)

        assert '<html lang="da">' in report
        assert "Mette Hansen" in report
        assert "MIH VVS ApS" in report
        assert quote.retain_until.isoformat() in report
        assert contact.retain_until.isoformat() in report
        assert quote.retention_reason in report
        assert "Datatilsynet" in report
        assert "Anders" not in report
        assert "Søndergade 12" in report  # a form field, with its label
        assert "Adresse" in report

        ids = {row["id"] for row in data["submissions"]}
        assert ids == {quote.pk, contact.pk}
        assert other_person.pk not in ids
        assert "anders@example.dk" not in archive.read("data.json").decode()
        row = next(row for row in data["submissions"] if row["id"] == quote.pk)
        assert row["email"] == METTE_EMAIL
        assert row["phone"] == "+4512345678"
        assert row["form_data"]["adresse"] == "Søndergade 12, 2. th."
        assert row["retain_until"] == quote.retain_until.isoformat()
        assert row["consent_text"] == quote.consent_text
        assert row["policy_version"] == 1
        assert row["company"] == "MIH VVS ApS"

        photos = list(SubmissionPhoto.objects.filter(submission=quote).order_by("pk"))
        assert len(photos) == 2
        assert [p["file"] for p in row["photos"]] == [
            f"billeder/{quote.pk}/1.jpg",
            f"billeder/{quote.pk}/2.png",
        ]
        for number, photo in enumerate(photos, start=1):
            extension = photo.file.name.rsplit(".", 1)[-1]
            with photo.file.open("rb") as handle:
                assert archive.read(f"billeder/{quote.pk}/{number}.{extension}") == handle.read()
        assert sorted(archive.namelist()) == sorted(
            ["rapport.html", "data.json", *(p["file"] for p in row["photos"])]
        )

    def test_only_own_sites_submissions(self, client, vvs_staff, mette, el_mette):
        client.force_login(vvs_staff)
        archive = download(client.post(ACCESS_URL, {"email": METTE_EMAIL}))
        report, data = report_and_data(archive)
        ids = {row["id"] for row in data["submissions"]}
        assert ids == {s.pk for s in mette}
        assert el_mette.pk not in ids
        assert "MIH El ApS" not in report
        assert {row["company"] for row in data["submissions"]} == {"MIH VVS ApS"}

    def test_el_staff_gets_only_el(self, client, el_staff, mette, el_mette):
        client.force_login(el_staff)
        archive = download(client.post(ACCESS_URL, {"email": METTE_EMAIL}))
        _report, data = report_and_data(archive)
        assert [row["id"] for row in data["submissions"]] == [el_mette.pk]

    def test_phone_in_another_spelling(self, client, vvs_staff, mette):
        quote, _contact = mette
        client.force_login(vvs_staff)
        archive = download(client.post(ACCESS_URL, {"phone": "+45 12345678"}))
        _report, data = report_and_data(archive)
        # The contact message has no phone, so only the quote matches by phone.
        assert [row["id"] for row in data["submissions"]] == [quote.pk]

    def test_no_match_shows_a_message(self, client, vvs_staff, mette, el_mette):
        client.force_login(vvs_staff)
        response = client.post(ACCESS_URL, {"email": "nobody@example.dk", "phone": "99999999"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert response.context["not_found"] is True
        # The request is on the record, with nothing of what was searched for.
        [action] = StaffAction.objects.all()
        assert (action.action, action.count, action.site, action.detail) == (
            "access_request",
            0,
            None,
            "",
        )

    def test_audit_counts_without_the_search_terms(self, client, vvs_staff, vvs_site, mette):
        client.force_login(vvs_staff)
        download(client.post(ACCESS_URL, {"email": METTE_EMAIL, "phone": "12 34 56 78"}))
        [action] = StaffAction.objects.all()
        assert action.action == StaffAction.Action.ACCESS_REQUEST
        assert action.user == vvs_staff
        assert action.site == vvs_site
        assert action.count == 2
        values = [str(getattr(action, f.attname)) for f in StaffAction._meta.fields]
        for value in values:
            assert "mette" not in value.lower()
            assert "12345678" not in value.replace(" ", "")

    def test_editor_is_refused(self, client, vvs_editor, mette):
        client.force_login(vvs_editor)
        assert_permission_denied(client.get(ACCESS_URL))
        assert_permission_denied(client.post(ACCESS_URL, {"email": METTE_EMAIL}))
        assert not StaffAction.objects.exists()


class TestErasure:
    def test_form_is_shown(self, client, vvs_staff):
        client.force_login(vvs_staff)
        response = client.get(ERASURE_URL)
        assert response.status_code == 200
        assert response.context["step"] == "form"

    def test_email_or_phone_is_required(self, client, vvs_staff, mette):
        client.force_login(vvs_staff)
        response = client.post(ERASURE_URL, {"step": "confirm"})
        assert response.context["step"] == "form"
        assert response.context["form"].non_field_errors()
        assert FormSubmission.objects.count() == 2

    def test_preview_lists_without_deleting(self, client, vvs_staff, mette, other_person):
        quote, contact = mette
        contact.legal_hold, contact.legal_hold_reason = True, "Tvist om regning"
        contact.save()
        client.force_login(vvs_staff)
        response = client.post(ERASURE_URL, {"step": "preview", "email": METTE_EMAIL})
        assert response.status_code == 200
        assert response.context["step"] == "preview"
        assert [s.pk for s in response.context["to_delete"]] == [quote.pk]
        assert [s.pk for s in response.context["held"]] == [contact.pk]
        html = response.content.decode()
        assert "Tvist om regning" in html
        # Name, email and a link to each submission: staff can check it is the right person.
        detail = reverse("henvendelser:detail", args=[quote.pk])
        assert f'<a href="{detail}">Mette Hansen</a>' in html
        assert f"<td>{METTE_EMAIL}</td>" in html
        assert "Anders" not in html
        assert 'name="step" value="confirm"' in html
        assert f'value="{METTE_EMAIL}"' in html
        assert FormSubmission.objects.count() == 3
        assert len(private_files()) == 2
        assert not StaffAction.objects.exists()

    def test_no_match_shows_a_message(self, client, vvs_staff, mette):
        client.force_login(vvs_staff)
        response = client.post(ERASURE_URL, {"step": "preview", "email": "nobody@example.dk"})
        assert response.context["step"] == "form"
        assert response.context["not_found"] is True

    def test_confirm_deletes_rows_and_photos(
        self,
        client,
        vvs_staff,
        vvs_site,
        mette,
        other_person,
        el_mette,
        django_capture_on_commit_callbacks,
    ):
        quote, contact = mette
        contact.legal_hold, contact.legal_hold_reason = True, "Tvist om regning"
        contact.save()
        assert len(private_files()) == 2
        client.force_login(vvs_staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                ERASURE_URL, {"step": "confirm", "email": METTE_EMAIL, "phone": ""}
            )
        assert response.status_code == 200
        assert response.context["step"] == "done"
        assert response.context["deleted_count"] == 1
        assert [s.pk for s in response.context["held"]] == [contact.pk]
        assert "Tvist om regning" in response.content.decode()

        assert not FormSubmission.objects.filter(pk=quote.pk).exists()
        assert not SubmissionPhoto.objects.exists()
        assert private_files() == []
        # Held, the other person's and the El site's submissions are untouched.
        assert FormSubmission.objects.filter(pk=contact.pk, legal_hold=True).exists()
        assert FormSubmission.objects.filter(pk=other_person.pk).exists()
        assert FormSubmission.objects.filter(pk=el_mette.pk).exists()

        [action] = StaffAction.objects.all()
        assert action.action == StaffAction.Action.ERASURE
        assert (action.site, action.count, action.user) == (vvs_site, 1, vvs_staff)
        for field in StaffAction._meta.fields:
            assert "mette" not in str(getattr(action, field.attname)).lower()

    def test_confirm_by_phone(self, client, vvs_staff, mette, django_capture_on_commit_callbacks):
        quote, contact = mette
        client.force_login(vvs_staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ERASURE_URL, {"step": "confirm", "phone": "+45 1234 5678"})
        assert response.context["deleted_count"] == 1
        assert list(FormSubmission.objects.values_list("pk", flat=True)) == [contact.pk]
        assert private_files() == []

    def test_other_company_staff_deletes_nothing_on_vvs(
        self, client, el_staff, mette, el_mette, django_capture_on_commit_callbacks
    ):
        client.force_login(el_staff)
        preview = client.post(ERASURE_URL, {"step": "preview", "email": METTE_EMAIL})
        assert [s.pk for s in preview.context["to_delete"]] == [el_mette.pk]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ERASURE_URL, {"step": "confirm", "email": METTE_EMAIL})
        assert response.context["deleted_count"] == 1  # their own site's submission only
        assert set(FormSubmission.objects.values_list("pk", flat=True)) == {s.pk for s in mette}
        assert SubmissionPhoto.objects.count() == 2
        assert len(private_files()) == 2

    def test_editor_is_refused(self, client, vvs_editor, mette):
        client.force_login(vvs_editor)
        assert_permission_denied(client.get(ERASURE_URL))
        assert_permission_denied(
            client.post(ERASURE_URL, {"step": "confirm", "email": METTE_EMAIL})
        )
        assert FormSubmission.objects.count() == 2
        assert not StaffAction.objects.exists()
