"""Exports that open right in Danish Excel (issue 13).

* ``format=csv-excel``: semicolons, UTF-8 with a BOM, CRLF: what Danish Excel reads by
  double-click; values with ; quotes and newlines come back intact;
* ``format=xlsx``: real date cells with a number format, a bold frozen header row, an
  autofilter, column widths, text as typed (no apostrophe: no cell is a formula);
* both: no duplicated name/email/phone columns, Danish headers.

Runs on SQLite and on PostgreSQL (there, both COPY and the Python pipeline).
"""

import csv
import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from forms_app.models import FormSubmission, StaffAction
from forms_app.staff import export
from tests.factories import FormSubmissionFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/henvendelser/eksport/"

DANISH_FIXED_HEADER = [
    "Nr.",
    "Hjemmeside",
    "Formular",
    "Modtaget",
    "Status",
    "Samtykke givet",
    "Vist samtykketekst",
    "Sprog",
    "Retsgrundlag",
    "Politikversion",
    "Gemmes indtil",
    "Hvorfor den gemmes",
    "Juridisk tilbageholdelse",
    "Billeder",
]
QUOTE_FIELDS = ["Navn", "Adresse", "Postnummer", "Telefon", "E-mail", "Beskrivelse af opgaven"]

ANSWERS = {
    "navn": "Søren Ærø-Åberg",
    "adresse": "=SUM(A1)",
    "telefon": "+45 12 34 56 78",
    "e_mail": "soren@example.dk",
    "beskrivelse_af_opgaven": 'Utæt rør; "haster"\r\nRing før 8, tak.',
}


@pytest.fixture(params=[True, False], ids=["copy", "python"])
def use_copy(request, settings):
    """Both pipelines (on SQLite both are the Python pipeline)."""
    settings.FORMS_EXPORT_COPY = request.param
    return request.param


@pytest.fixture
def submission(quote_page):
    with freeze_time("2026-05-20 08:30:00"):  # UTC; 10:30 summer time in Copenhagen
        made = FormSubmissionFactory(page=quote_page, answers=ANSWERS)
    with freeze_time("2026-01-15 08:30:00"):  # UTC; 09:30 winter time
        FormSubmissionFactory(page=quote_page)
    return made


def download(client, export_format, **params):
    response = client.get(EXPORT_URL, {"format": export_format, **params})
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content)


def workbook(content):
    return load_workbook(io.BytesIO(content))  # not read-only: styles, panes and filters


class TestDanishExcelCsv:
    def test_dialect_bom_crlf_and_values(self, client, vvs_staff, submission, use_copy):
        client.force_login(vvs_staff)
        response, content = download(client, "csv-excel")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].endswith('-excel.csv"')
        assert content.startswith(b"\xef\xbb\xbfNr.;Hjemmeside;Formular;")
        text = content.decode("utf-8-sig")
        # Danish Excel's dialect: ";" between cells, "…" quoting with doubled quotes, CRLF.
        assert csv.Sniffer().sniff(text.splitlines()[0]).delimiter == ";"
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        rows = list(
            csv.reader(
                io.StringIO(text, newline=""),
                delimiter=";",
                quotechar='"',
                doublequote=True,
                lineterminator="\r\n",
            )
        )
        header, *body = rows
        assert header == DANISH_FIXED_HEADER + QUOTE_FIELDS
        assert len(body) == 2 and all(len(row) == len(header) for row in body)
        soren = next(r for r in body if r[header.index("Navn")][:1] == "S")
        row = dict(zip(header, soren, strict=True))
        assert row["Beskrivelse af opgaven"] == 'Utæt rør; "haster"\r\nRing før 8, tak.'
        assert row["Navn"] == "Søren Ærø-Åberg"
        assert row["Modtaget"] == row["Samtykke givet"] == "2026-05-20 10:30"
        # Excel runs CSV cells: the neutralisation stays.
        assert row["Adresse"] == "'=SUM(A1)"
        assert row["Telefon"] == "'+45 12 34 56 78"
        assert row["Hjemmeside"] == submission.site.site_name

    def test_same_cells_as_the_comma_csv(self, client, vvs_staff, submission, use_copy):
        client.force_login(vvs_staff)
        comma = download(client, "csv")[1].decode("utf-8-sig")
        semicolon = download(client, "csv-excel")[1].decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(comma, newline=""))) == list(
            csv.reader(io.StringIO(semicolon, newline=""), export.ExcelDanish)
        )
        assert comma != semicolon

    def test_audited_with_its_format(self, client, vvs_staff, submission):
        client.force_login(vvs_staff)
        download(client, "csv-excel")
        assert StaffAction.objects.get().detail == "csv-excel"

    def test_unknown_format_names_all_three(self, client, vvs_staff, submission):
        client.force_login(vvs_staff)
        response = client.get(EXPORT_URL, {"format": "csv;excel"})
        assert response.status_code == 400
        assert b"csv-excel" in response.content and b"xlsx" in response.content


class TestXlsx:
    def test_dates_are_dates(self, client, vvs_staff, submission, use_copy):
        client.force_login(vvs_staff)
        sheet = workbook(download(client, "xlsx")[1]).active
        header = [cell.value for cell in sheet[1]]
        row = next(
            r for r in sheet.iter_rows(min_row=2) if r[header.index("Navn")].value[:1] == "S"
        )
        cells = dict(zip(header, row, strict=True))
        for label in ("Modtaget", "Samtykke givet"):
            cell = cells[label]
            assert cell.is_date and cell.data_type == "d"
            assert cell.value == datetime.datetime(2026, 5, 20, 10, 30)  # Copenhagen time
            assert cell.number_format == "dd-mm-yyyy hh:mm"
        keep = cells["Gemmes indtil"]
        assert keep.is_date and keep.number_format == "dd-mm-yyyy"
        assert keep.value == datetime.datetime.combine(submission.retain_until, datetime.time())
        assert cells["Nr."].value == submission.pk and cells["Nr."].data_type == "n"

    def test_winter_time_and_serials(self, client, vvs_staff, submission, use_copy):
        client.force_login(vvs_staff)
        content = download(client, "xlsx")[1]
        sheet = workbook(content).active
        received = [row[3].value for row in sheet.iter_rows(min_row=2)]
        assert sorted(received) == [
            datetime.datetime(2026, 1, 15, 9, 30),
            datetime.datetime(2026, 5, 20, 10, 30),
        ]
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            xml = archive.read("xl/worksheets/sheet1.xml").decode()
        # 2026-05-20 is day 46162 after 1899-12-30; 10:30 is 0.4375 of a day.
        assert '<c s="1"><v>46162.4375</v></c>' in xml

    def test_header_bold_frozen_filtered_and_widths(self, client, vvs_staff, submission):
        client.force_login(vvs_staff)
        content = download(client, "xlsx")[1]
        sheet = workbook(content).active
        header = list(sheet[1])
        assert [cell.value for cell in header] == DANISH_FIXED_HEADER + QUOTE_FIELDS
        assert all(cell.font.b for cell in header)
        assert not any(cell.font.b for cell in sheet[2])
        assert sheet.freeze_panes == "A2"
        last = export.column_letters(len(header))
        assert last == "T"
        assert sheet.auto_filter.ref == f"A1:{last}3"  # the header and both rows
        widths = {
            letter: sheet.column_dimensions[letter].width
            for letter in (export.column_letters(n) for n in range(1, len(header) + 1))
        }
        assert all(width >= 8 for width in widths.values())
        assert widths["A"] < widths["D"] < widths["G"]  # id < time < consent text
        assert widths["S"] == 30  # E-mail
        assert widths["T"] == 50  # Beskrivelse af opgaven (multiline)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            book = archive.read("xl/workbook.xml").decode()
        assert f"'Henvendelser'!$A$1:${last}$3" in book and "_xlnm._FilterDatabase" in book
        assert names.index("xl/worksheets/sheet1.xml") < names.index("xl/workbook.xml")

    def test_empty_export_filters_the_header(self, client, vvs_staff, submission):
        client.force_login(vvs_staff)
        sheet = workbook(download(client, "xlsx", q="nobody-by-this-name")[1]).active
        assert sheet.max_row == 1
        assert sheet.auto_filter.ref == f"A1:{export.column_letters(sheet.max_column)}1"
        assert sheet.freeze_panes == "A2"

    def test_text_as_typed_and_never_a_formula(self, client, vvs_staff, submission, use_copy):
        client.force_login(vvs_staff)
        content = download(client, "xlsx")[1]
        sheet = workbook(content).active
        header = [cell.value for cell in sheet[1]]
        row = next(
            r for r in sheet.iter_rows(min_row=2) if r[header.index("Navn")].value[:1] == "S"
        )
        cells = dict(zip(header, row, strict=True))
        assert cells["Adresse"].value == "=SUM(A1)" and cells["Adresse"].data_type == "s"
        assert cells["Telefon"].value == "+45 12 34 56 78"
        assert cells["Beskrivelse af opgaven"].value == ANSWERS["beskrivelse_af_opgaven"]
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in archive.namelist():
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)

    def test_hostile_text_in_every_text_column_stays_text(self, client, superuser, quote_page):
        FormSubmissionFactory(
            page=quote_page,
            answers=dict.fromkeys(ANSWERS, '=HYPERLINK("http://x";"y")'),
            consent_text="@SUM(1)",
            retention_reason="-1+1",
        )
        client.force_login(superuser)
        content = download(client, "xlsx")[1]
        sheet = workbook(content).active
        values = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
        assert all(cell.data_type in ("s", "n", "d") for cell in values if cell.value is not None)
        texts = {cell.value for cell in values if cell.data_type == "s"}
        assert {'=HYPERLINK("http://x";"y")', "@SUM(1)", "-1+1"} <= texts


class TestColumns:
    @pytest.mark.parametrize("export_format", ["csv", "csv-excel", "xlsx"])
    def test_no_duplicated_identity_columns(self, client, vvs_staff, submission, export_format):
        client.force_login(vvs_staff)
        content = download(client, export_format)[1]
        if export_format == "xlsx":
            header = [cell.value for cell in workbook(content).active[1]]
        else:
            text = content.decode("utf-8-sig")
            dialect = export.ExcelDanish if export_format == "csv-excel" else csv.excel
            header = next(csv.reader(io.StringIO(text, newline=""), dialect))
        for label in ("Navn", "E-mail", "Telefon"):
            assert header.count(label) == 1
        assert not [label for label in header if "normaliseret" in label]
        assert len(set(header)) == len(header)
        # Every fixed header is Danish ("Hjemmeside", not "Site").
        assert header[: len(DANISH_FIXED_HEADER)] == DANISH_FIXED_HEADER

    def test_the_normalised_values_are_still_stored(self, submission):
        # Only the export leaves them out: search and access requests use them.
        stored = FormSubmission.objects.get(pk=submission.pk)
        assert (stored.email, stored.phone) == ("soren@example.dk", "+4512345678")


class TestInboxMenu:
    def test_three_export_buttons_carry_the_filter(self, client, vvs_staff, submission):
        client.force_login(vvs_staff)
        html = client.get(reverse("henvendelser:inbox"), {"q": "søren"}).content.decode()
        for export_format in ("csv", "csv-excel", "xlsx"):
            assert f"format={export_format}" in html
        assert "q=s%C3%B8ren&amp;format=csv-excel" in html
