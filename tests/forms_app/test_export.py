"""The staff export: CSV and XLSX of the inbox's filter, own company only, audited, safe."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time
from openpyxl import load_workbook

from forms_app.models import (
    FormField,
    FormPage,
    FormSubmission,
    StaffAction,
    SubmissionPhoto,
    SubmissionStatus,
)
from forms_app.staff.export import (
    FIXED_COLUMNS,
    csv_stream,
    export_columns,
    iter_rows,
    neutralise,
    xlsx_file,
)
from home.models import PrivacyPolicyPage
from tests.assertions import assert_permission_denied, assert_sent_to_login
from tests.factories import FormSubmissionFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/henvendelser/eksport/"
BOM = "\ufeff"
FIXED_KEYS = [key for key, _label in FIXED_COLUMNS]


# Danish letters, a formula and an international phone number, as a visitor types them.
TRICKY_ANSWERS = {
    "navn": "Søren Ærø-Åberg",
    "adresse": "=SUM(A1)",
    "telefon": "+45 12 34 56 78",
    "beskrivelse_af_opgaven": "Utæt rør på badeværelset; vandet løber ud på gulvet.",
}


@pytest.fixture
def submissions(quote_page, el_site):
    """Two VVS quotes (one in summer with a photo, one in winter) and one El quote."""
    with freeze_time("2026-05-20 08:30:00"):  # UTC; 10:30 summer time in Copenhagen
        FormSubmissionFactory(page=quote_page, answers=TRICKY_ANSWERS, with_photo=True)
    with freeze_time("2026-01-15 08:30:00"):  # UTC; 09:30 winter time in Copenhagen
        FormSubmissionFactory(page=quote_page)
    el_quote = FormPage.objects.descendant_of(el_site.root_page).get(slug="tilbud")
    FormSubmissionFactory(
        page=el_quote, answers={"navn": "Elsebeth El-kunde", "e_mail": "el@example.dk"}
    )
    return FormSubmission.objects.order_by("submit_time")


def labels(*names):
    """The export's column labels as the Danish admin shows them."""
    with translation.override("da"):
        return [translation.gettext(name) for name in names]


def get_csv(client, **params):
    response = client.get(EXPORT_URL, {"format": "csv", **params})
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8")
    return response, text


def csv_rows(text):
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :])))


def as_dicts(rows):
    """Rows as dicts: fixed columns by key ("phone"), the form's own fields by label ("Telefon").

    Labels alone are ambiguous: the normalised "Telefon" column and the form's "Telefon"
    field share a Danish label.
    """
    header, *body = rows
    keys = [*FIXED_KEYS, *header[len(FIXED_KEYS) :]]
    assert len(set(keys)) == len(keys)
    return [dict(zip(keys, row, strict=True)) for row in body]


class TestCsv:
    def test_headers_and_bom(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        response, text = get_csv(client)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="henvendelser-')
        assert response["Content-Disposition"].endswith('.csv"')
        assert "no-store" in response["Cache-Control"]
        assert text.startswith(BOM + "Id,")
        header = csv_rows(text)[0]
        fixed = labels(
            "Id",
            "Site",
            "Form",
            "Received",
            "Status",
            "Name (for search)",
            "Email (normalised)",
            "Phone (normalised)",
            "Consent given",
            "Policy version",
            "Keep until",
            "Legal hold",
            "Photos",
        )
        form_fields = ["Navn", "Adresse", "Postnummer", "Telefon", "E-mail"]
        assert header == [*fixed, *form_fields, "Beskrivelse af opgaven"]
        assert "Billeder af installationen" not in header  # the photo field itself

    def test_only_own_company_rows(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        rows = as_dicts(csv_rows(get_csv(client)[1]))
        vvs = submissions.filter(site__hostname="mihvvs.localhost")
        assert sorted(int(row["id"]) for row in rows) == sorted(s.pk for s in vvs)
        assert "Elsebeth" not in get_csv(client)[1]
        assert {row["site"] for row in rows} == {vvs[0].site.site_name}

    def test_danish_characters_formulas_and_phone_numbers(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        text = get_csv(client)[1]
        [row] = [row for row in as_dicts(csv_rows(text)) if row["Navn"].startswith("Søren")]
        assert row["Navn"] == "Søren Ærø-Åberg"
        assert row["Beskrivelse af opgaven"] == (
            "Utæt rør på badeværelset; vandet løber ud på gulvet."
        )
        assert row["Adresse"] == "'=SUM(A1)"
        # By the rule, a phone number starting with + is text that begins like a formula,
        # so it gets the quote too (the normalised phone column as well).
        assert row["Telefon"] == "'+45 12 34 56 78"
        assert row["phone"] == "'+4512345678"
        # The raw bytes are UTF-8, with the BOM Excel needs to detect it.
        assert "Søren Ærø-Åberg".encode() in text.encode("utf-8")

    def test_local_copenhagen_time(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        rows = as_dicts(csv_rows(get_csv(client)[1]))
        times = sorted((row["received"], row["consent_given_at"]) for row in rows)
        assert times == [
            ("2026-01-15 09:30", "2026-01-15 09:30"),  # UTC+1
            ("2026-05-20 10:30", "2026-05-20 10:30"),  # UTC+2
        ]

    def test_photos_are_absolute_admin_links(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        rows = as_dicts(csv_rows(get_csv(client)[1]))
        photo = SubmissionPhoto.objects.get()
        link = "http://testserver" + reverse("henvendelser:photo", args=[photo.key])
        assert link == f"http://testserver/admin/henvendelser/foto/{photo.key}/"
        by_id = {int(row["id"]): row["photos"] for row in rows}
        assert by_id.pop(photo.submission_id) == link
        assert set(by_id.values()) == {""}

    def test_retention_status_and_policy_columns(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        submission = submissions.get(name="Mette Hansen", site__hostname="mihvvs.localhost")
        rows = as_dicts(csv_rows(get_csv(client)[1]))
        row = next(row for row in rows if int(row["id"]) == submission.pk)
        with translation.override("da"):
            assert row["status"] == str(SubmissionStatus.NEW.label)
        assert row["retain_until"] == submission.retain_until.isoformat()
        assert "consent_text" not in row and "retention_reason" not in row
        assert row["policy_version"] == "1"
        assert row["legal_hold"] == ""
        assert submission.policy_page.get_publication(submission.policy_revision_id)[0] == 1

    def test_filters_apply(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        closed = submissions.get(name="Mette Hansen", site__hostname="mihvvs.localhost")
        closed.set_status(SubmissionStatus.CLOSED)
        closed.save()
        rows = as_dicts(csv_rows(get_csv(client, status="closed")[1]))
        assert [int(row["id"]) for row in rows] == [closed.pk]
        rows = as_dicts(csv_rows(get_csv(client, q="søren")[1]))
        assert [row["Navn"] for row in rows] == ["Søren Ærø-Åberg"]

    def test_keeps_the_inbox_sort(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        newest_first = [row["Navn"] for row in as_dicts(csv_rows(get_csv(client)[1]))]
        assert newest_first == ["Søren Ærø-Åberg", "Mette Hansen"]  # May, then January
        by_name = [row["Navn"] for row in as_dicts(csv_rows(get_csv(client, ordering="name")[1]))]
        assert by_name == ["Mette Hansen", "Søren Ærø-Åberg"]
        # An order the inbox does not offer falls back to newest first, never to an error.
        bogus = as_dicts(csv_rows(get_csv(client, ordering="email; DROP TABLE")[1]))
        assert [row["Navn"] for row in bogus] == newest_first

    def test_invalid_filter_exports_nothing(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        response = client.get(EXPORT_URL, {"format": "csv", "status": "bogus"})
        assert response.status_code == 400
        assert not StaffAction.objects.exists()

    def test_newer_policy_version(self, client, vvs_staff, vvs_site):
        policy = PrivacyPolicyPage.objects.descendant_of(vvs_site.root_page).get()
        FormSubmissionFactory()
        policy.save_revision().publish()
        FormSubmissionFactory(answers={"navn": "Anden Kunde"})
        client.force_login(vvs_staff)
        rows = as_dicts(csv_rows(get_csv(client)[1]))
        assert {row["Navn"]: row["policy_version"] for row in rows} == {
            "Mette Hansen": "1",
            "Anden Kunde": "2",
        }
        for submission in FormSubmission.objects.all():
            expected = policy.get_publication(submission.policy_revision_id)[0]
            row = next(row for row in rows if int(row["id"]) == submission.pk)
            assert row["policy_version"] == str(expected)

    def test_query_count_does_not_grow_with_rows(self, quote_page):
        def queries_for_export():
            with CaptureQueriesContext(connection) as queries:
                list(csv_stream(FormSubmission.objects.all()))
            return len(queries)

        FormSubmissionFactory(page=quote_page, with_photo=True)
        few = queries_for_export()
        for n in range(4):
            FormSubmissionFactory(page=quote_page, answers={"navn": f"Kunde {n}"})
        assert queries_for_export() == few


class TestFormValues:
    def test_numbers_stay_numbers(self, client, vvs_staff, quote_page, post_quote, quote_data):
        FormField.objects.create(
            page=quote_page, label="Antal radiatorer", field_type="number", sort_order=50
        )
        assert post_quote({**quote_data, "antal_radiatorer": "-3"}).status_code == 302
        assert FormSubmission.objects.get().form_data["antal_radiatorer"] == "-3"
        queryset = FormSubmission.objects.all()
        columns = export_columns(queryset)
        assert columns[-1].label == "Antal radiatorer"
        [row] = list(iter_rows(queryset, columns))
        assert row[-1] == -3  # a number, so not quoted like text starting with "-"

        client.force_login(vvs_staff)
        [row] = as_dicts(csv_rows(get_csv(client)[1]))
        assert row["Antal radiatorer"] == "-3"
        sheet = load_workbook(xlsx_file(queryset), read_only=True).active
        values = list(sheet.iter_rows(values_only=True))
        assert values[1][-1] == -3

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+45 12 34 56 78", "'+45 12 34 56 78"),
            ("-2+3", "'-2+3"),
            ("@cmd", "'@cmd"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Søren", "Søren"),
            ("a=b", "a=b"),
            ("", ""),
            (-3, -3),
            (2.5, 2.5),
        ],
    )
    def test_neutralise(self, value, expected):
        assert neutralise(value) == expected


class TestXlsx:
    def test_same_header_and_neutralised_cells(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        csv_header, *csv_body = csv_rows(get_csv(client)[1])
        response = client.get(EXPORT_URL, {"format": "xlsx"})
        assert response.status_code == 200
        assert response["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert response["Content-Disposition"].startswith('attachment; filename="henvendelser-')
        assert response["Content-Disposition"].endswith('.xlsx"')
        content = b"".join(response.streaming_content)
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert header == csv_header
        rows = as_dicts([header, *body])
        assert len(rows) == len(csv_body) == 2
        row = next(row for row in rows if row["Navn"] == "Søren Ærø-Åberg")
        assert row["Adresse"] == "'=SUM(A1)"
        assert row["Telefon"] == "'+45 12 34 56 78"
        assert row["received"] == "2026-05-20 10:30"
        assert row["phone"] == "'+4512345678"
        assert isinstance(row["id"], int)
        for sheet_row in body:  # no cell became a formula
            assert not any(isinstance(v, str) and v.startswith("=") for v in sheet_row)

    def test_control_characters_are_dropped(self, quote_page):
        FormSubmissionFactory(page=quote_page, form_data={"navn": "Bad\x07name"})
        sheet = load_workbook(xlsx_file(FormSubmission.objects.all()), read_only=True).active
        [row] = as_dicts(list(sheet.iter_rows(values_only=True)))
        assert row["Navn"] == "Badname"


class TestAccessAndAudit:
    def test_audit_row_per_export(self, client, vvs_staff, vvs_site, submissions):
        client.force_login(vvs_staff)
        get_csv(client, q="Søren")
        b"".join(client.get(EXPORT_URL, {"format": "xlsx"}).streaming_content)
        actions = list(StaffAction.objects.order_by("pk").values())
        assert [(a["action"], a["site_id"], a["count"], a["detail"]) for a in actions] == [
            ("export", vvs_site.pk, 1, "csv"),
            ("export", vvs_site.pk, 2, "xlsx"),
        ]
        assert {a["user_id"] for a in actions} == {vvs_staff.pk}
        stored = " ".join(str(value) for action in actions for value in action.values())
        for personal in ("Søren", "søren", "Mette", "example", "12345678"):
            assert personal not in stored

    def test_user_without_export_permission_is_refused(self, client, vvs_editor, submissions):
        client.force_login(vvs_editor)
        assert_permission_denied(client.get(EXPORT_URL, {"format": "csv"}))
        assert not StaffAction.objects.exists()

    def test_anonymous_is_sent_to_login(self, client, submissions):
        assert_sent_to_login(client.get(EXPORT_URL, {"format": "csv"}))
        assert not StaffAction.objects.exists()

    def test_unknown_format_is_400(self, client, vvs_staff, submissions):
        client.force_login(vvs_staff)
        response = client.get(EXPORT_URL, {"format": "pdf"})
        assert response.status_code == 400
        assert b"csv" in response.content and b"xlsx" in response.content
        assert not StaffAction.objects.exists()

    def test_superuser_exports_both_sites(self, client, superuser, submissions):
        client.force_login(superuser)
        rows = as_dicts(csv_rows(get_csv(client)[1]))
        assert len(rows) == 3
        counts = dict(
            StaffAction.objects.values_list("site__hostname", "count").order_by("site__hostname")
        )
        assert counts == {"mihel.localhost": 1, "mihvvs.localhost": 2}
