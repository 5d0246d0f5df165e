"""The staff export: CSV and XLSX of the inbox's filter, own company only, audited, safe."""

import csv
import datetime
import io
import zipfile

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
    LegalBasis,
    StaffAction,
    SubmissionPhoto,
    SubmissionStatus,
)
from forms_app.staff import export
from forms_app.staff.export import (
    FIXED_COLUMNS,
    csv_stream,
    export_columns,
    iter_rows,
    neutralise,
    xlsx_chunk,
    xlsx_rows,
    xlsx_stream,
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


def xlsx_file(queryset):
    """The streamed workbook of ``queryset`` as a file openpyxl can read."""
    return io.BytesIO(b"".join(xlsx_stream(queryset)))


def quote_page_consent(submission):
    return submission.page.specific.consent_text.strip()


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
    """Rows as dicts: fixed columns by key ("received"), the form's own fields by label
    ("Telefon")."""
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
        assert text.startswith(BOM + "Nr.,")
        header = csv_rows(text)[0]
        fixed = labels(
            "Nr.",
            "Site",
            "Form",
            "Received",
            "Status",
            "Consent given",
            "Consent text shown",
            "Language",
            "Legal basis",
            "Policy version",
            "Keep until",
            "Why it is kept",
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
        # so it gets the quote too in a CSV (the XLSX needs none: test_export_excel.py).
        assert row["Telefon"] == "'+45 12 34 56 78"
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
        # The whole consent proof, as this submission stored it.
        assert row["consent_text"] == submission.consent_text
        assert row["consent_text"].startswith(quote_page_consent(submission))
        assert row["retention_reason"] == submission.retention_reason != ""
        assert row["consent_language"] == "da"
        with translation.override("da"):
            assert row["legal_basis"] == str(LegalBasis(submission.legal_basis).label)
        assert row["policy_version"] == "1"
        # "Nej", not blank: a reader cannot tell a blank from a value left out.
        with translation.override("da"):
            assert row["legal_hold"] == translation.gettext("No") == "Nej"
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
        policy.title = "Persondatapolitik 2027"  # a new text: a new version
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
    def test_same_header_and_cells_as_typed(self, client, vvs_staff, submissions):
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
        # Inline strings are never formulas: the text as typed, no apostrophe.
        assert row["Adresse"] == "=SUM(A1)"
        assert row["Telefon"] == "+45 12 34 56 78"
        assert row["received"] == datetime.datetime(2026, 5, 20, 10, 30)
        assert isinstance(row["id"], int)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert b"<f" not in archive.read("xl/worksheets/sheet1.xml")

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


class TestConsentProofColumns:
    def test_consent_text_and_retention_reason_per_row(self, client, vvs_staff, quote_page):
        """An editor changes the form's texts between two submissions: each row keeps its own."""
        FormSubmissionFactory(page=quote_page)
        quote_page.consent_text = "Ja, I må kontakte mig om mit tilbud (ny tekst)."
        quote_page.retention_reason = "Gemmes til tilbuddet er afsluttet (ny begrundelse)."
        quote_page.save_revision().publish()
        FormSubmissionFactory(page=quote_page, answers={"navn": "Anden Kunde"})
        first, second = FormSubmission.objects.order_by("pk")
        assert first.consent_text != second.consent_text
        assert first.retention_reason != second.retention_reason

        client.force_login(vvs_staff)
        rows = {row["Navn"]: row for row in as_dicts(csv_rows(get_csv(client)[1]))}
        for submission, name in ((first, "Mette Hansen"), (second, "Anden Kunde")):
            assert rows[name]["consent_text"] == submission.consent_text
            assert rows[name]["retention_reason"] == submission.retention_reason
        assert rows["Anden Kunde"]["consent_text"].startswith("Ja, I må kontakte mig")
        assert rows["Anden Kunde"]["retention_reason"].endswith("(ny begrundelse).")
        assert "(ny" not in rows["Mette Hansen"]["consent_text"]
        assert "(ny" not in rows["Mette Hansen"]["retention_reason"]

    def test_stored_formula_in_consent_text_is_neutralised(self, quote_page):
        FormSubmissionFactory(page=quote_page, consent_text="=HYPERLINK(1)")
        queryset = FormSubmission.objects.all()
        [row] = list(iter_rows(queryset, export_columns(queryset)))
        assert row[FIXED_KEYS.index("consent_text")] == "'=HYPERLINK(1)"


def as_csv_text(row):
    """A row of XLSX cells as the CSV writes them: dates as text, text neutralised."""
    retain = FIXED_KEYS.index("retain_until")
    cells = []
    for index, value in enumerate(row):
        if isinstance(value, datetime.datetime):
            value = value.date().isoformat() if index == retain else f"{value:%Y-%m-%d %H:%M}"
        cells.append(str(neutralise(value)))
    return cells


def xlsx_values(content):
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [
        ["" if value is None else value for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]


class TestXlsxStreams:
    def test_same_cells_as_the_csv(self, client, vvs_staff, quote_page, submissions):
        FormField.objects.create(
            page=quote_page, label="Antal radiatorer", field_type="number", sort_order=50
        )
        FormSubmissionFactory(
            page=quote_page,
            answers={
                "navn": 'A & B <Rør> "Søn"',
                "adresse": "Linje 1\r\nLinje 2",
                "beskrivelse_af_opgaven": "  mellemrum  ",
                "antal_radiatorer": "12",
            },
        )
        FormSubmissionFactory(page=quote_page, answers={"antal_radiatorer": "2.5"})
        client.force_login(vvs_staff)
        csv_table = csv_rows(get_csv(client)[1])
        response = client.get(EXPORT_URL, {"format": "xlsx"})
        assert response.streaming
        table = xlsx_values(b"".join(response.streaming_content))
        # Numbers and dates are numbers and dates in the sheet and their text in the CSV, and
        # the CSV's text is neutralised; all else is equal text.
        assert [as_csv_text(row) for row in table] == csv_table
        rows = as_dicts(table)
        assert all(isinstance(row["id"], int) for row in rows)
        by_name = {row["Navn"]: row for row in rows}
        assert by_name['A & B <Rør> "Søn"']["Antal radiatorer"] == 12
        assert by_name['A & B <Rør> "Søn"']["Adresse"] == "Linje 1\r\nLinje 2"
        assert by_name['A & B <Rør> "Søn"']["Beskrivelse af opgaven"] == "  mellemrum  "
        assert [row["Antal radiatorer"] for row in rows if row["Antal radiatorer"] == 2.5]
        assert by_name["Søren Ærø-Åberg"]["received"] == datetime.datetime(2026, 5, 20, 10, 30)

    def test_chunk_fast_path_equals_cell_by_cell(self):
        rows = [
            [1, "tekst", "", None, 3, 2.5, "a&b<c>d\re", "'=x", "  ", "Ø"],
            [2, "", "", "", -7, 10**20, "\n", "x", "y", "z"],
        ]
        assert xlsx_chunk(rows) == xlsx_rows(rows)
        # A character XML forbids (the fast path's markers among them) goes cell by cell.
        bad = [[1, "a\x01b", "c\x03", "\x07", 2]]
        assert xlsx_chunk(bad) == xlsx_rows(bad)
        assert "\x01" not in xlsx_chunk(bad) and '<t xml:space="preserve">ab</t>' in xlsx_chunk(
            bad
        )

    @pytest.mark.parametrize("export_format", ["csv", "xlsx"])
    def test_first_piece_before_the_rows_are_read(
        self, client, vvs_staff, quote_page, monkeypatch, settings, export_format
    ):
        """The response streams: its first piece leaves after one chunk of rows was read.

        Fails if the export reads all rows (or builds the file) before the first piece. This is
        the Python pipeline (SQLite's, and XLSX's everywhere); PostgreSQL's COPY path streams
        in chunks too (test_export_copy.py).
        """
        settings.FORMS_EXPORT_COPY = False
        monkeypatch.setattr(export, "CHUNK_SIZE", 2)
        monkeypatch.setattr(export, "ZIP_CHUNK_BYTES", 256)
        for n in range(6):
            FormSubmissionFactory(page=quote_page, answers={"navn": f"Kunde {n}"})
        client.force_login(vvs_staff)
        response = client.get(EXPORT_URL, {"format": export_format})
        assert response.streaming  # StreamingHttpResponse
        pieces = iter(response.streaming_content)

        def photo_queries(queries):
            return [q for q in queries if "forms_app_submissionphoto" in q["sql"]]

        with CaptureQueriesContext(connection) as queries:
            first = next(pieces)
            while export_format == "csv" and "Kunde" not in first.decode():
                first = next(pieces)
        assert first
        # At most one chunk of two rows read so far (its photos asked for once), of three.
        read_before = len(photo_queries(queries.captured_queries))
        assert read_before <= 1
        with CaptureQueriesContext(connection) as queries:
            rest = b"".join(pieces)
        assert read_before + len(photo_queries(queries.captured_queries)) == 3
        if export_format == "xlsx":
            table = xlsx_values(first + rest)
            navn = table[0].index("Navn")
            assert sorted(row[navn] for row in table[1:]) == [f"Kunde {n}" for n in range(6)]


class TestWagtailPerFormExport:
    @pytest.mark.parametrize("export_format", ["csv", "xlsx"])
    def test_goes_through_the_one_export(
        self, client, superuser, quote_page, contact_page, submissions, export_format
    ):
        FormSubmissionFactory(page=contact_page, answers={"navn": "Kontakt Kunde"})
        client.force_login(superuser)
        url = reverse("wagtailforms:list_submissions", args=[quote_page.pk])
        response = client.get(url, {"export": export_format})
        assert response.status_code == 302
        assert response["Location"].startswith(EXPORT_URL)
        StaffAction.objects.all().delete()
        response = client.get(response["Location"])
        assert response.streaming
        assert response["Content-Disposition"].endswith(f'.{export_format}"')
        content = b"".join(response.streaming_content)
        table = csv_rows(content.decode()) if export_format == "csv" else xlsx_values(content)
        rows = as_dicts(table)
        assert sorted(row["Navn"] for row in rows) == ["Mette Hansen", "Søren Ærø-Åberg"]
        assert {row["form"] for row in rows} == {quote_page.title}
        assert all(row["consent_text"] and row["retention_reason"] for row in rows)
        assert StaffAction.objects.get().detail == export_format


class TestHasPhotos:
    """``FormSubmission.has_photos`` (kept by a database trigger) is what the PostgreSQL export
    looks photos up by: every way a photo row is stored marks its submission."""

    def test_storing_or_moving_a_photo_marks_the_submission(self, quote_page, vvs_site):
        from forms_app.models import SubmissionPhoto
        from tests.factories import SubmissionPhotoFactory

        first, second, untouched = (
            FormSubmissionFactory(page=quote_page, site=vvs_site) for _ in range(3)
        )
        assert not FormSubmission.objects.filter(has_photos=True).exists()
        photo = SubmissionPhotoFactory(submission=first)
        SubmissionPhoto.objects.filter(pk=photo.pk).update(submission=second)
        marked = set(FormSubmission.objects.filter(has_photos=True).values_list("pk", flat=True))
        assert marked == {first.pk, second.pk}
        assert untouched.pk not in marked
