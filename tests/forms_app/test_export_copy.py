"""The PostgreSQL COPY export is byte for byte the Python pipeline's CSV.

Skipped unless the suite runs on PostgreSQL (CI does: DATABASE_URL=postgres://...). Every test
compares the same request answered twice: once through COPY, once with ``FORMS_EXPORT_COPY``
off (the Python pipeline, which SQLite always uses and which the other export tests check
cell by cell).
"""

import csv
import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.db.models import JSONField, Value
from django.test import RequestFactory
from freezegun import freeze_time
from openpyxl import load_workbook
from wagtail.models import Site

from forms_app.models import (
    FormField,
    FormPage,
    FormSubmission,
    StaffAction,
    SubmissionPhoto,
    SubmissionStatus,
)
from forms_app.permissions import EXPORT
from forms_app.staff import export
from forms_app.staff.queries import filtered_submissions
from tests.factories import FormSubmissionFactory, SubmissionPhotoFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

EXPORT_URL = "/admin/henvendelser/eksport/"

# Text a visitor (or an editor, or an import) could put in any cell: every formula trigger and
# look-alike, directly and behind invisible characters, and everything CSV quoting must handle.
HOSTILE = [
    "=1+1",
    "+45 12 34 56 78",
    "-2",
    "@SUM(A1)",
    "\tTab",
    "\rCR",
    "\uff1dHYPERLINK()",  # ＝
    "\uff0b1",  # ＋
    "\uff0d1",  # －
    "\uff20x",  # ＠
    "\ufe66x",  # ﹦
    "\ufe62x",  # ﹢
    "\ufe63x",  # ﹣
    "\ufe6bx",  # ﹫
    "\u200b=1",
    "\ufeff\u200d+1",
    "\u00ad\u180e-1",
    "\u202e\u2066@x",
    "\u2060\u2064\ufe66x",
    "\u200b",  # only invisible: not a formula
    "\u200bHej",
    " =1",  # a space first: not a formula
    "'=1",
    'Han sagde "hej"',
    '"',
    "a,b;c",
    "semi;colon",
    "linje 1\nlinje 2",
    "linje 1\r\nlinje 2",
    "slut\n",
    "Søren Ærø-Åberg 😀 ℌ ß ǅ",
    "\\N",
    "\\.",
    "NULL",
    "a\\b",
    "x" * 200,
    "",
]

# A number field's answers, as stored: strings (Wagtail keeps a Decimal's text), numbers.
NUMBERS = ["3", "007", "-0", "-007", "3.50", "-0.0", "-07.5", "0.000001", "abc", "", " 3", 3, -4]
CHOICES = [["Køkken", "=Bad"], [], ["a,b", 'q"uote', "ny\nlinje"], ["Varme"], [1, 2], "Afløb"]


@pytest.fixture
def extra_fields(quote_page):
    """A number, a checkbox list, a yes/no and a date field on the VVS quote form."""
    fields = {}
    for sort_order, (label, field_type, choices) in enumerate(
        [
            ("Antal rum", "number", ""),
            ("Type af opgave", "checkboxes", "Badeværelse\nKøkken\nVarme\nAfløb"),
            ("Må vi ringe?", "checkbox", ""),
            ("Ønsket dato", "date", ""),
        ],
        start=100,
    ):
        field = FormField.objects.create(
            page=quote_page,
            label=label,
            field_type=field_type,
            choices=choices,
            sort_order=sort_order,
        )
        fields[field_type] = field.clean_name
    return fields


@pytest.fixture
def varied(quote_page, contact_page, el_site, vvs_site, extra_fields):
    """Submissions to three forms on both sites with hostile answers in every cell."""
    el_quote = FormPage.objects.descendant_of(el_site.root_page).get(slug="tilbud")
    statuses = [value for value, _label in SubmissionStatus.choices]
    start = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)
    moments = [
        datetime.datetime(2026, 3, 29, 0, 59, 59, tzinfo=datetime.UTC),  # before summer time
        datetime.datetime(2026, 3, 29, 1, 0, tzinfo=datetime.UTC),  # 03:00 summer time
        datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC),  # 02:30 summer time
        datetime.datetime(2026, 10, 25, 1, 30, tzinfo=datetime.UTC),  # 02:30 winter time
    ]
    made = []
    for index, value in enumerate(HOSTILE):
        moment = (
            moments[index]
            if index < len(moments)
            else start + datetime.timedelta(days=index, minutes=7 * index, seconds=index)
        )
        page = [quote_page, contact_page, el_quote][index % 3]
        other = HOSTILE[(index + 7) % len(HOSTILE)]
        answers = {
            "navn": value,
            "adresse": other,
            "telefon": HOSTILE[(index + 1) % len(HOSTILE)],
            "e_mail": f"{other}@example.dk" if index % 2 else value,
            "beskrivelse_af_opgaven": value + other,
            "besked": other + value,
        }
        if page == quote_page:
            answers[extra_fields["number"]] = NUMBERS[index % len(NUMBERS)]
            answers[extra_fields["checkboxes"]] = CHOICES[index % len(CHOICES)]
            answers[extra_fields["checkbox"]] = [True, False, None][index % 3]
            answers[extra_fields["date"]] = "2026-06-01" if index % 2 else ""
        with freeze_time(moment):
            submission = FormSubmissionFactory(
                page=page,
                answers=answers,
                status=statuses[index % len(statuses)],
                legal_hold=index % 5 == 0,
                consent_text=HOSTILE[(index + 3) % len(HOSTILE)] or "Samtykke",
                consent_language="en" if index % 4 == 0 else "da",
                retention_reason=HOSTILE[(index + 5) % len(HOSTILE)] or "Åben sag",
                with_photo=index % 6 == 0,
            )
        if index % 12 == 0:
            SubmissionPhotoFactory(submission=submission)
        if index % 9 == 0:  # keys missing from form_data altogether
            submission.form_data = {"navn": value}
            submission.save(update_fields=["form_data"])
        made.append(submission)
    # A site without a name (its hostname is shown) and one whose name looks like a formula.
    Site.objects.filter(pk=vvs_site.pk).update(site_name='=MIH VVS, "hoved"\nkontor')
    Site.objects.filter(pk=el_site.pk).update(site_name="")
    return made


def export_bytes(client, use_copy, settings, **params):
    settings.FORMS_EXPORT_COPY = use_copy
    response = client.get(EXPORT_URL, {"format": "csv", **params})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def both(client, settings, **params):
    """``(COPY's bytes, Python's bytes)`` for the same request."""
    return (
        export_bytes(client, True, settings, **params),
        export_bytes(client, False, settings, **params),
    )


def queryset_for(user, **params):
    request = RequestFactory().get(EXPORT_URL, {"format": "csv", **params})
    request.user = user
    return filtered_submissions(request, EXPORT)[1]


FILTERS = [
    {},
    {"ordering": "name"},
    {"ordering": "-name"},
    {"ordering": "retain_until"},
    {"ordering": "-submit_time"},
    {"status": "closed"},
    {"legal_hold": "true"},
    {"legal_hold": "false", "ordering": "name"},
    {"q": "søren"},
    {"q": "+45 12"},
    {"q": "example.dk"},
    {"submitted_from": "2026-03-01", "submitted_to": "2026-10-31"},
]


class TestCopyEqualsPython:
    @pytest.mark.parametrize("params", FILTERS)
    def test_superuser_both_sites(self, client, settings, superuser, varied, params):
        client.force_login(superuser)
        # The data holds nothing only Python formats its way: COPY writes every row itself.
        assert python_formatted_rows(queryset_for(superuser, **params)) == 0
        copied, python = both(client, settings, **params)
        assert copied == python
        assert copied.startswith("\ufeff".encode())

    def test_every_row_and_cell_is_there(self, client, settings, superuser, varied):
        client.force_login(superuser)
        copied, python = both(client, settings)
        assert copied == python
        text = copied.decode()
        for submission in varied:
            assert f"\r\n{submission.pk}," in text
        assert "'=MIH VVS" in text  # the site's name is neutralised and quoted
        assert "mihel.localhost" in text  # a site without a name shows its hostname
        assert "'\uff1dHYPERLINK()" in text and "'\u2060\u2064\ufe66x" in text
        assert ",\u200b," in text  # invisible characters alone are not a formula
        assert "'\\N" not in text and ",\\N," in text  # COPY's NULL marker is just text

    @pytest.mark.parametrize(
        "params",
        [{}, {"page": "quote"}, {"page": "contact"}, {"site": "el"}, {"status": "new"}],
    )
    def test_one_form_or_site(self, client, settings, superuser, varied, params, quote_page):
        targets = {
            "quote": quote_page.pk,
            "contact": FormPage.objects.get(pk=varied[1].page_id).pk,
            "el": Site.objects.get(root_page__slug="mihel").pk,
        }
        params = {key: targets.get(value, value) for key, value in params.items()}
        client.force_login(superuser)
        assert python_formatted_rows(queryset_for(superuser, **params)) == 0
        copied, python = both(client, settings, **params)
        assert copied == python

    def test_streams_a_chunk_at_a_time(self, settings, superuser, varied, monkeypatch):
        monkeypatch.setattr(export, "CHUNK_SIZE", 4)
        settings.FORMS_EXPORT_COPY = True
        pieces = list(export.csv_export_stream(queryset_for(superuser)))
        header, *chunks = pieces
        assert header.startswith("\ufeff".encode()) and header.endswith(b"\r\n")
        assert len(chunks) == -(-len(varied) // 4)
        assert all(chunk.endswith(b"\r\n") for chunk in chunks)
        settings.FORMS_EXPORT_COPY = False
        python = "".join(export.csv_export_stream(queryset_for(superuser))).encode()
        assert b"".join(pieces) == python

    def test_empty_export(self, client, settings, superuser, varied):
        client.force_login(superuser)
        copied, python = both(client, settings, q="nobody-by-this-name")
        assert copied == python
        assert copied.count(b"\r\n") == 1  # the header only


class TestCopyDanishExcel:
    """``format=csv-excel``: COPY with DELIMITER ';' writes the Python pipeline's file too."""

    @pytest.mark.parametrize("params", FILTERS)
    def test_superuser_both_sites(self, client, settings, superuser, varied, params):
        client.force_login(superuser)
        copied, python = both(client, settings, format="csv-excel", **params)
        assert copied == python
        assert copied.startswith("\ufeff".encode())

    def test_every_row_and_value(self, client, settings, superuser, varied):
        client.force_login(superuser)
        copied, python = both(client, settings, format="csv-excel")
        assert copied == python
        text = copied.decode("utf-8-sig")
        header, *rows = csv.reader(io.StringIO(text, newline=""), export.ExcelDanish)
        assert len(rows) == len(varied)
        navn = header.index("Navn")
        names = {row[navn] for row in rows}
        # Semicolons, commas, quotes and newlines survive; formulas keep their apostrophe.
        assert {"a,b;c", "semi;colon", 'Han sagde "hej"', "linje 1\r\nlinje 2"} <= names
        assert {"'=1+1", "'+45 12 34 56 78", "'\uff1dHYPERLINK()"} <= names
        assert '"semi;colon"' in text and ";a,b;c;" not in text
        # Rows end in CRLF, outside quotes.
        assert copied.count(b"\r\n") >= len(varied) + 1

    @pytest.mark.parametrize("answer", [1.5, {"a": 1}, ["x;y", None], "3 værelser"])
    def test_rows_python_formats(self, client, settings, superuser, varied, answer):
        submission = varied[3]
        submission.form_data = {**submission.form_data, "navn": answer, "adresse": "a;b"}
        submission.save(update_fields=["form_data"])
        client.force_login(superuser)
        copied, python = both(client, settings, format="csv-excel")
        assert copied == python


class TestScopeAndAudit:
    def test_site_isolation(self, client, settings, vvs_staff, el_staff, varied):
        vvs_ids = {s.pk for s in varied if s.site.root_page.slug == "mihvvs"}
        el_ids = {s.pk for s in varied} - vvs_ids
        assert vvs_ids and el_ids
        for user, own in [(vvs_staff, vvs_ids), (el_staff, el_ids)]:
            client.force_login(user)
            copied, python = both(client, settings)
            assert copied == python
            assert python_formatted_rows(queryset_for(user)) == 0
            lines = copied.decode().split("\r\n")
            ids = {int(line.split(",", 1)[0]) for line in lines[1:] if line[:1].isdigit()}
            assert ids == own

    def test_no_export_permission(self, client, settings, vvs_editor, varied):
        settings.FORMS_EXPORT_COPY = True
        client.force_login(vvs_editor)
        response = client.get(EXPORT_URL, {"format": "csv"})
        assert response.status_code in (302, 403)
        assert not StaffAction.objects.filter(action=StaffAction.Action.EXPORT).exists()

    def test_audit_written_once(self, client, settings, vvs_staff, varied):
        client.force_login(vvs_staff)
        exports = StaffAction.objects.filter(action=StaffAction.Action.EXPORT)
        export_bytes(client, True, settings)
        [entry] = exports
        vvs_count = FormSubmission.objects.filter(site__root_page__slug="mihvvs").count()
        assert (entry.count, entry.detail) == (vvs_count, "csv")


def python_formatted_rows(queryset):
    """How many rows COPY marks for Python to format (the stream's first, extra field)."""
    sql, params = export.copy_query(queryset, export.export_columns(queryset))
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy,
    ):
        return sum(1 for row in copy if bytes(row[:1]) != b",")


class TestAnswersOnlyPythonFormats:
    """Answers whose text only Python prints its way: COPY sends that row's form_data along and
    the row's editor fields are formatted by the Python pipeline's own code."""

    @pytest.mark.parametrize(
        ("answer", "python_only"),
        [
            (1.5, True),
            (2.50, True),
            ({"a": 1, "b": [1, "x"]}, True),
            (["x", None], True),
            (["x", 2.5], True),
            ([True, "ja"], True),
            ([["x"]], True),
            # PostgreSQL stores 1e+20 as the whole number it is, and both print it so.
            (1e20, False),
            (12, False),
            (["x", 7], False),
        ],
    )
    def test_answers(self, client, settings, superuser, varied, answer, python_only):
        submission = varied[3]
        submission.form_data = {**submission.form_data, "navn": answer}
        submission.save(update_fields=["form_data"])
        assert python_formatted_rows(queryset_for(superuser)) == int(python_only)
        client.force_login(superuser)
        copied, python = both(client, settings)
        assert copied == python

    @pytest.mark.parametrize(
        ("answer", "python_only"),
        [("0.0000001", True), ("-00.0000000", True), ("١٢", True), ("3 værelser", True)]
        + [("0.000001", False), ("12.0", False), ("-0.0", False), ("1" * 50, False)],
    )
    def test_number_field_answers(
        self, client, settings, superuser, varied, extra_fields, answer, python_only
    ):
        submission = next(s for s in varied if extra_fields["number"] in s.form_data)
        submission.form_data = {**submission.form_data, extra_fields["number"]: answer}
        submission.save(update_fields=["form_data"])
        assert python_formatted_rows(queryset_for(superuser)) == int(python_only)
        client.force_login(superuser)
        copied, python = both(client, settings)
        assert copied == python

    def test_form_data_that_is_not_an_object(self, client, settings, superuser, varied):
        # JSON null: Python treats it as no answers at all, and so does COPY.
        FormSubmission.objects.filter(pk=varied[4].pk).update(
            form_data=Value(None, output_field=JSONField())
        )
        assert FormSubmission.objects.filter(pk=varied[4].pk, form_data__isnull=False).exists()
        assert python_formatted_rows(queryset_for(superuser)) == 0
        client.force_login(superuser)
        copied, python = both(client, settings)
        assert copied == python


class TestPhotoLinks:
    def test_a_photo_stored_later_is_still_linked(self, client, settings, superuser, varied):
        # The COPY query looks photos up only for submissions marked as having some; storing
        # a photo marks its submission (a trigger), also a photo moved to another submission
        # by a bare UPDATE, which no Python code sees.
        submission, other = (
            FormSubmissionFactory(page=varied[0].page, site=varied[0].site) for _ in range(2)
        )
        assert not submission.has_photos
        photo = SubmissionPhotoFactory(submission=submission)
        moved = SubmissionPhotoFactory(submission=submission)
        SubmissionPhoto.objects.filter(pk=moved.pk).update(submission=other)
        assert FormSubmission.objects.get(pk=submission.pk).has_photos
        assert FormSubmission.objects.get(pk=other.pk).has_photos
        client.force_login(superuser)
        copied, python = both(client, settings)
        assert str(photo.key).encode() in copied
        assert str(moved.key).encode() in copied
        assert copied == python


class TestOnlyStringAnswers:
    """A submission whose answers are all text or lists of text takes the fast path: a list
    is still joined with ", " (the jsonpath test must not see a list of strings as text)."""

    ANSWERS = {"navn": "Ib", "adresse": ["Køkken", "=Bad"], "postnummer": [], "telefon": "+45"}

    def test_csv(self, client, settings, superuser, varied):
        FormSubmission.objects.filter(pk=varied[3].pk).update(form_data=self.ANSWERS)
        client.force_login(superuser)
        copied, python = both(client, settings)
        assert copied == python
        assert "Køkken, =Bad".encode() in copied

    def test_xlsx(self, superuser, varied):
        FormSubmission.objects.filter(pk=varied[3].pk).update(form_data=self.ANSWERS)
        assert_xlsx_same(queryset_for(superuser))


class TestSetting:
    def test_setting_off_uses_python(self, settings, superuser, varied):
        settings.FORMS_EXPORT_COPY = False
        queryset = queryset_for(superuser)
        first = next(export.csv_export_stream(queryset))
        assert isinstance(first, str)  # the Python pipeline writes text pieces
        settings.FORMS_EXPORT_COPY = True
        assert isinstance(next(export.csv_export_stream(queryset)), bytes)

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_session_settings_restored(self, settings, superuser, varied, fmt):
        # COPY runs with its own JIT, DateStyle, TimeZone and float output; the connection
        # gets its own back (Django's UTC among them), also when they were not the defaults.
        settings.FORMS_EXPORT_COPY = True
        names = list(export.copy_settings())
        read = "SELECT " + ", ".join(f"current_setting('{name}')" for name in names)
        with connection.cursor() as cursor:
            cursor.execute("SET datestyle = 'ISO, DMY'")
            cursor.execute(read)
            before = cursor.fetchone()
        stream = export.csv_export_stream if fmt == "csv" else export.xlsx_stream
        b"".join(stream(queryset_for(superuser)))
        with connection.cursor() as cursor:
            cursor.execute(read)
            assert cursor.fetchone() == before
            cursor.execute("RESET datestyle")
        assert "UTC" in before

    def test_times_whatever_the_datestyle(self, settings, superuser, varied):
        # The times and dates are cast to text in ISO form whatever DateStyle the session has
        # (psycopg itself needs ISO to read times, so only the COPY part runs under another).
        queryset = queryset_for(superuser)
        settings.FORMS_EXPORT_COPY = False
        python = "".join(export.csv_export_stream(queryset)).encode()
        settings.FORMS_EXPORT_COPY = True
        stream = export.csv_export_stream(queryset)
        header = next(stream)
        with connection.cursor() as cursor:
            cursor.execute("SET datestyle = 'SQL, DMY'")
        try:
            copied = header + b"".join(stream)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET datestyle")
        assert copied == python


# XLSX: fed from the same COPY query ---------------------------------------------------------


def xlsx_export(queryset, use_copy):
    """``(worksheet XML, [[(value, type)…]…] as openpyxl reads it, COPY chunks used)``."""
    used = []
    original = export.copy_xml_chunks

    def counted(*args, **kwargs):
        for chunk in original(*args, **kwargs):
            used.append(chunk)
            yield chunk

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export, "copy_xml_chunks", counted)
        content = b"".join(export.xlsx_stream(queryset, use_copy=use_copy))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    cells = [[(value, type(value)) for value in row] for row in sheet.iter_rows(values_only=True)]
    return sheet_xml, cells, used


def assert_xlsx_same(queryset):
    """The COPY-fed XLSX has the Python pipeline's worksheet, byte for byte and cell for cell
    (values and types), and COPY really made it."""
    copied_xml, copied, used = xlsx_export(queryset, use_copy=True)
    python_xml, python, python_used = xlsx_export(queryset, use_copy=False)
    assert python_used == []
    assert len(used) == -(-queryset.count() // export.CHUNK_SIZE)  # COPY made every chunk
    for copied_row, python_row in zip(copied, python, strict=True):
        assert copied_row == python_row, [
            (index, a, b)
            for index, (a, b) in enumerate(zip(copied_row, python_row, strict=True))
            if a != b
        ]
    assert copied_xml == python_xml
    return copied


class TestXlsxFromCopy:
    @pytest.mark.parametrize("params", FILTERS)
    def test_superuser_both_sites(self, superuser, varied, params):
        assert_xlsx_same(queryset_for(superuser, **params))

    def test_cells_and_types(self, superuser, varied, extra_fields):
        queryset = queryset_for(superuser)
        table = assert_xlsx_same(queryset)
        header, *rows = table
        labels = [value for value, _type in header]
        number = labels.index(FormField.objects.get(clean_name=extra_fields["number"]).label)
        assert {row[0][1] for row in rows} == {int}  # the id is a number
        # The number field: numbers where NUMBER matches, text otherwise, empty as empty.
        number_cells = {row[number] for row in rows}
        assert {(-7, int), (-4, int), (3, int), (-7.5, float), (3.5, float)} <= number_cells
        assert {("abc", str), (None, type(None))} <= number_cells
        # Every fixed cell but the id, the policy version and the dates is text; hostile text
        # is as typed (inline strings are never formulas).
        policy = export.FIXED_KEYS.index("policy_version")
        dates = {export.FIXED_KEYS.index(key) for key in export.XLSX_DATE_KEYS}
        for row in rows:
            kinds = {
                kind
                for index, (_v, kind) in enumerate(row[1:number], 1)
                if index != policy and index not in dates
            }
            assert kinds <= {str, type(None)}
            assert row[policy][1] in (int, type(None))
            assert {row[index][1] for index in dates} <= {datetime.datetime, type(None)}
        names = {row[labels.index("Navn")][0] for row in rows}
        assert "=1+1" in names and "\uff1dHYPERLINK()" in names
        assert "'=1+1" not in names and "'\uff1dHYPERLINK()" not in names

    @pytest.mark.parametrize("params", [{}, {"ordering": "name"}, {"q": "søren"}])
    def test_chunks_are_row_chunks_xml(self, superuser, varied, params, monkeypatch):
        """Each chunk of XML PostgreSQL writes is xlsx_chunk() of row_chunks()'s rows."""
        monkeypatch.setattr(export, "CHUNK_SIZE", 5)
        queryset = queryset_for(superuser, **params)
        columns = export.export_columns(queryset)
        python = [
            export.xlsx_chunk(rows).encode()
            for rows in export.row_chunks(queryset, columns, xlsx=True)
        ]
        assert list(export.copy_xml_chunks(queryset, columns)) == python
        assert len(python) == -(-queryset.count() // 5) > 0

    def test_one_form_or_site(self, superuser, varied, quote_page):
        for params in [
            {"page": quote_page.pk},
            {"site": Site.objects.get(root_page__slug="mihel").pk},
        ]:
            assert_xlsx_same(queryset_for(superuser, **params))

    @pytest.mark.parametrize(
        "answer",
        # JSON numbers in a text field are numbers in the XLSX (text "12" is not); lists,
        # objects and fractions are rows COPY leaves to Python.
        [12, -3, 1e20, 1.5, 2.50, "12", [5], ["5", 6], {"a": 1}, ["x", None], True, None]
        # Characters XML forbids (the XML's markers among them): that chunk goes cell by cell.
        + ["a\x01b\x07", "\x035\x04", "\x02=1", "\x05"]
        # Non-characters XML forbids too (U+FFFE, U+FFFF), beside allowed ones of that block.
        + ["a\ufffeb", "\uffff", "\uff1d=\ufffe"],
    )
    def test_answers_in_a_text_field(self, superuser, varied, answer):
        submission = varied[3]
        submission.form_data = {**submission.form_data, "navn": answer}
        submission.save(update_fields=["form_data"])
        assert_xlsx_same(queryset_for(superuser))

    @pytest.mark.parametrize(
        "answer",
        ["0.0000001", "-00.0000000", "١٢", "3 værelser", "0.000001", "12.0", "-0.0", "-0"]
        + ["1" * 50, "3\n", "+3", "=3", 7, 7.25, [5], ["1", "2"], True, False],
    )
    def test_answers_in_the_number_field(self, superuser, varied, extra_fields, answer):
        submission = next(s for s in varied if extra_fields["number"] in s.form_data)
        submission.form_data = {**submission.form_data, extra_fields["number"]: answer}
        submission.save(update_fields=["form_data"])
        assert_xlsx_same(queryset_for(superuser))

    @pytest.mark.parametrize("text", ["\x035\x04", "a\x01b", "=1", ""])
    def test_python_row_with_marker_text(self, superuser, varied, text):
        # A row Python formats (a float answer) whose other answer holds XML's markers.
        submission = varied[3]
        submission.form_data = {**submission.form_data, "navn": 1.5, "adresse": text}
        submission.save(update_fields=["form_data"])
        assert python_formatted_rows(queryset_for(superuser)) == 1
        assert_xlsx_same(queryset_for(superuser))

    def test_form_data_that_is_not_an_object(self, superuser, varied):
        FormSubmission.objects.filter(pk=varied[4].pk).update(
            form_data=Value(None, output_field=JSONField())
        )
        assert_xlsx_same(queryset_for(superuser))

    def test_local_midnight(self, superuser, varied):
        # A time at midnight is a whole number of days, which Python writes as "46038.0";
        # 23:00 UTC in January is midnight in Copenhagen.
        midnight = datetime.datetime(2026, 1, 15, 23, 0, tzinfo=datetime.UTC)
        FormSubmission.objects.filter(pk=varied[1].pk).update(submit_time=midnight)
        FormSubmission.objects.filter(pk=varied[2].pk).update(consent_given_at=midnight)
        xml, *_ = xlsx_export(queryset_for(superuser), use_copy=True)
        assert b'<c s="1"><v>46038.0</v></c>' in xml
        assert_xlsx_same(queryset_for(superuser))

    def test_times_whatever_the_float_output_setting(self, superuser, varied):
        # The date serials are printed shortest, as repr(), also when the session prints
        # floats with 15 digits (extra_float_digits 0).
        with connection.cursor() as cursor:
            cursor.execute("SET extra_float_digits = 0")
        try:
            assert_xlsx_same(queryset_for(superuser))
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET extra_float_digits")

    def test_scoped_staff(self, vvs_staff, el_staff, varied):
        for user in (vvs_staff, el_staff):
            assert_xlsx_same(queryset_for(user))

    def test_empty_export(self, superuser, varied):
        queryset = queryset_for(superuser, q="nobody-by-this-name")
        copied_xml, copied, used = xlsx_export(queryset, use_copy=True)
        assert (copied_xml, copied) == xlsx_export(queryset, use_copy=False)[:2]
        assert len(copied) == 1 and used == []

    def test_view_uses_copy(self, client, settings, superuser, varied, monkeypatch):
        calls = []
        original = export.copy_xml_chunks
        monkeypatch.setattr(
            export,
            "copy_xml_chunks",
            lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs),
        )
        client.force_login(superuser)
        for use_copy, expected in [(True, 1), (False, 0)]:
            calls.clear()
            settings.FORMS_EXPORT_COPY = use_copy
            response = client.get(EXPORT_URL, {"format": "xlsx"})
            content = b"".join(response.streaming_content)
            assert len(calls) == expected
            rows = list(load_workbook(io.BytesIO(content), read_only=True).active.values)
            assert len(rows) == len(varied) + 1

    def test_first_piece_streams_early(self, superuser, varied, monkeypatch):
        """The first piece of the zip leaves after one chunk of rows came from COPY."""
        monkeypatch.setattr(export, "CHUNK_SIZE", 4)
        monkeypatch.setattr(export, "ZIP_CHUNK_BYTES", 256)
        read = []
        original = export.copy_xml_chunks

        def counted(*args, **kwargs):
            for chunk in original(*args, **kwargs):
                read.append(chunk.count(b"<row>"))
                yield chunk

        monkeypatch.setattr(export, "copy_xml_chunks", counted)
        queryset = queryset_for(superuser)
        pieces = export.xlsx_stream(queryset, use_copy=True)
        first = next(pieces)
        assert first.startswith(b"PK")
        assert len(read) <= 1
        rest = b"".join(pieces)
        assert len(read) == -(-len(varied) // 4) and sum(read) == len(varied)
        rows = list(load_workbook(io.BytesIO(first + rest), read_only=True).active.values)
        assert len(rows) == len(varied) + 1
