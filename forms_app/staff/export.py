"""Streaming CSV and XLSX export of the inbox's current filter: the one export pipeline.

An export is exactly what the inbox shows for the same filter, limited to the sites where the
user holds ``export_formsubmission``. Wagtail's per-form export buttons lead here too
(:mod:`.wagtail_views`), so every export has the same columns, neutralisation, permission
check and audit.

The columns: id, website ("Hjemmeside"), form, received, status, then the consent proof,
then the forms' own fields (Navn, E-mail, Telefon… as the editor named them), every header in
the user's admin language. The normalised name, email and phone the inbox searches by
(``FormSubmission.name/email/phone``) are not columns: they are always copies of the form's own
fields (taken from its name field and its email and tel fields at intake), so the export shows
what the visitor typed, once. (A field an editor has since removed from a form is not a column
at all, as before.)

Every row carries the whole consent proof as that submission stored it: when consent was
given, the consent text shown (with the policy it linked to), its language, the legal basis,
the policy version, the retention date and the reason for it. These differ between rows of
one form as soon as an editor changes the form's text, so they are columns, not a note.

Every export is recorded in :class:`~forms_app.models.StaffAction` with its format and the
number of rows per site, never the filter values (a search term may be an email address).

How it stays fast and flat (``make bench``):

* rows are read as plain database values (:func:`raw_chunks`: the compiled query of a
  ``values_list()``, fetched ``CHUNK_SIZE`` rows at a time through Django's chunked cursor, a
  server-side cursor on PostgreSQL), without model instances or per-value ORM converters;
  the few conversions (JSON, local time, dates, booleans) are done here, the same way on
  SQLite and PostgreSQL;
* everything that needs a query or the active language (columns, labels, policy versions,
  statuses, the photo URL) is prepared once before the response starts; each chunk costs one
  more query, for its photos;
* the CSV is written a chunk at a time by ``csv.writer.writerows`` into one reusable buffer;
* on PostgreSQL the CSV's rows are written by the database instead (``COPY (SELECT …) TO
  STDOUT``, see "PostgreSQL: COPY" below), byte for byte the same file;
* the XLSX is a zip streamed as it is written (``stream-zip``): the worksheet's XML is made a
  chunk at a time, with inline strings (no shared-strings table to keep in memory), so the
  first bytes leave before the second chunk is read; on PostgreSQL the database writes each
  row's XML (:func:`copy_xml_chunks`: the CSV's query, without its neutralisation, joined
  into worksheet XML and sent by ``COPY … (FORMAT binary)``), byte for byte the same
  worksheet.

Spreadsheet formula injection (CSV): any text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading ``'``, so a spreadsheet shows it as text
instead of running it. So does a cell beginning with a look-alike some spreadsheets and import
tools fold to those (full-width ``＝ ＋ － ＠``, small-form ``﹦ ﹢ ﹣ ﹫``), or with invisible
characters (zero-width space, joiners, byte-order mark, direction marks) in front of any of
them. That includes phone numbers written as ``+45 12 34 56 78``: in a CSV they appear as
``'+45 12 34 56 78``. Numbers stored as numbers stay numbers.

The XLSX needs none of this: its text cells are inline strings, which no spreadsheet runs
(only a cell's ``<f>`` element is a formula, and the worksheet never has one), so its cells
hold the text as stored, ``+45 12 34 56 78`` included.

Formats (``?format=``):

* ``csv``: comma-separated UTF-8 with a byte-order mark and CRLF line ends (csv.excel);
* ``csv-excel``: the same with semicolons (:class:`ExcelDanish`), what Excel set up for Danish
  expects when a CSV is opened by double-click; on PostgreSQL made by ``COPY … (FORMAT csv,
  DELIMITER ';')``, byte for byte the Python pipeline's file too;
* ``xlsx``: real date cells for the received and consent times (dd-mm-yyyy hh:mm, local time)
  and the retention date (dd-mm-yyyy), numbers as numbers, a bold header row frozen above the
  rows with an autofilter, and column widths by kind.
"""

import csv
import datetime
import io
import json
import math
import re
import stat
import struct
import zlib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import BooleanField, Expression, F, TextField
from django.db.models.sql.constants import MULTI
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET
from stream_zip import ZIP_32, stream_zip

from ..models import FormField, LegalBasis, StaffAction, SubmissionPhoto, SubmissionStatus
from ..permissions import EXPORT, require_any_site
from .queries import filtered_submissions

CSV = "csv"
CSV_EXCEL = "csv-excel"
XLSX = "xlsx"
FORMATS = (CSV, CSV_EXCEL, XLSX)
# The inbox's export buttons, in this order.
EXPORT_MENU = (
    (gettext_lazy("Export CSV"), CSV),
    (gettext_lazy("Export CSV for Excel (semicolon)"), CSV_EXCEL),
    (gettext_lazy("Export Excel"), XLSX),
)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000  # rows per database round trip, per photo query and per streamed piece
ZIP_CHUNK_BYTES = 65536  # the XLSX response's pieces (stream-zip's default)
XLSX_COMPRESS_LEVEL = 1  # zlib: level 1 is several times faster than 6, the file ~15% larger
FORMULA_PREFIXES = (
    *("=", "+", "-", "@", "\t", "\r"),
    # Full-width and small-form look-alikes: NFKC folds them to = + - @, and so may the
    # spreadsheet or whatever tool the file passes through on its way there.
    *("\uff1d", "\uff0b", "\uff0d", "\uff20"),  # ＝ ＋ － ＠
    *("\ufe66", "\ufe62", "\ufe63", "\ufe6b"),  # ﹦ ﹢ ﹣ ﹫
)
# Invisible characters a value can hide a formula trigger behind (zero-width space, joiners,
# word joiner and invisible operators, byte-order mark, direction marks and isolates, soft
# hyphen, Mongolian vowel separator).
INVISIBLE_PREFIX_CHARACTERS = (
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u00ad\u180e"
)
# Every first character that can start a formula, directly or behind invisible characters:
# one set lookup decides for almost every cell (the export's hot loop).
FORMULA_FIRST_CHARACTERS = frozenset(FORMULA_PREFIXES) | frozenset(INVISIBLE_PREFIX_CHARACTERS)
NUMBER = re.compile(r"-?\d+(\.\d+)?")


class ExcelDanish(csv.excel):
    """The CSV Excel set up for Danish opens by double-click: semicolons (Denmark's list
    separator, as the decimal separator is the comma), double quotes, CRLF."""

    delimiter = ";"


CSV_DIALECTS = {CSV: csv.excel, CSV_EXCEL: ExcelDanish}
# COPY's DELIMITER option for each delimiter a dialect may have (SQL string literals).
COPY_DELIMITERS = {",": "','", ";": "';'"}
PHOTO_KEY_PLACEHOLDER = UUID(int=0)

# The fixed columns, in order; the form's own fields follow them.
FIXED_COLUMNS = [
    ("id", pgettext_lazy("export column: the submission's number", "No.")),
    ("site", gettext_lazy("Site")),
    ("form", gettext_lazy("Form")),
    ("received", gettext_lazy("Received")),
    ("status", gettext_lazy("Status")),
    # The consent proof, as each submission stored it.
    ("consent_given_at", gettext_lazy("Consent given")),
    ("consent_text", gettext_lazy("Consent text shown")),
    ("consent_language", gettext_lazy("Language")),
    ("legal_basis", gettext_lazy("Legal basis")),
    ("policy_version", gettext_lazy("Policy version")),
    ("retain_until", gettext_lazy("Keep until")),
    ("retention_reason", gettext_lazy("Why it is kept")),
    ("legal_hold", gettext_lazy("Legal hold")),
    ("photos", gettext_lazy("Photos")),
]

FIXED_KEYS = [key for key, _label in FIXED_COLUMNS]
# The fixed columns that are date cells in the XLSX (the times to the minute, then the date).
XLSX_DATE_KEYS = ("received", "consent_given_at", "retain_until")

# What the rows read, in this order (see rows() in row_chunks): plain database values.
ROW_FIELDS = [
    "id",
    "site__site_name",
    "site__hostname",
    "page__title",
    "submit_time",
    "status",
    "consent_given_at",
    "consent_text",
    "consent_language",
    "legal_basis",
    "policy_revision_id",
    "retain_until",
    "retention_reason",
    "legal_hold",
    "form_data",
]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    field_type: str = ""  # the editor field's type; empty for the fixed columns

    @property
    def is_form_field(self):
        return bool(self.field_type)


def export_columns(queryset):
    """The fixed columns, then one per editor field of the forms in ``queryset``.

    Fields are the union over those forms in tree order and each form's field order; a key
    (the field's clean name) seen twice keeps its first label. Photo fields are left out:
    the photos column links to every photo. Labels are translated now, in the active
    language, so a response streamed later still has them in the user's language.
    """
    columns = [Column(key, str(label)) for key, label in FIXED_COLUMNS]
    page_ids = queryset.order_by().values("page_id").distinct()
    fields = (
        FormField.objects.filter(page_id__in=page_ids)
        .exclude(field_type="photos")
        .order_by("page__path", "sort_order", "pk")
        .values_list("clean_name", "label", "field_type")
    )
    seen = set()
    for clean_name, label, field_type in fields:
        if clean_name not in seen:
            seen.add(clean_name)
            columns.append(Column(clean_name, label, field_type))
    return columns


def starts_formula(value):
    """Whether the text ``value`` starts with a formula trigger, its look-alike, or either
    behind invisible characters."""
    if not value or value[0] not in FORMULA_FIRST_CHARACTERS:
        return False
    return value.lstrip(INVISIBLE_PREFIX_CHARACTERS).startswith(FORMULA_PREFIXES)


def neutralise(value):
    """Text a spreadsheet would read as a formula gets a leading ``'``; other values as is."""
    if isinstance(value, str) and starts_formula(value):
        return "'" + value
    return value


def raw_chunks(queryset, fields):
    """Lists of up to CHUNK_SIZE tuples of ``fields``, as the database driver returns them.

    The compiled query of ``queryset.values_list(*fields)`` run through Django's chunked
    cursor (what ``.iterator()`` uses: server-side on PostgreSQL), without Django's per-value
    converters: no JSON decoding, datetime parsing or model building for values the export
    formats itself. Nothing is read before the first chunk is asked for.
    """
    query = queryset.values_list(*fields).query
    return query.get_compiler(using=queryset.db).execute_sql(
        MULTI, chunked_fetch=True, chunk_size=CHUNK_SIZE
    )


def photo_links(submission_ids, before, after):
    """``{submission id: "link link"}`` for the photos of ``submission_ids``, one query."""
    photos = defaultdict(list)
    keys = SubmissionPhoto.objects.filter(submission_id__in=submission_ids).order_by("pk")
    for submission_id, key in keys.values_list("submission_id", "key"):
        photos[submission_id].append(f"{before}{key}{after}")
    return {submission_id: " ".join(links) for submission_id, links in photos.items()}


def local_time_formatter(as_datetime=False):
    """``format(value)``: a stored UTC moment (SQLite: text, PostgreSQL: an aware datetime) as
    ``YYYY-MM-DD HH:MM`` in the site's time zone ("" for none); with ``as_datetime``, as that
    minute's naive local datetime instead (the XLSX's date cells).

    Consecutive rows of an export sorted by time often share a minute (and a bulk import
    shares one moment), so the last few answers are kept, keyed by the stored minute.
    """
    tz = timezone.get_default_timezone()
    utc = datetime.UTC
    parse = datetime.datetime.fromisoformat
    cache = {}

    def format_time(value):
        if not value:
            return ""
        key = value[:16] if value.__class__ is str else value.replace(second=0, microsecond=0)
        try:
            return cache[key]
        except KeyError:
            pass
        moment = value if value.__class__ is not str else parse(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=utc)
        local = moment.astimezone(tz)
        if as_datetime:
            text = local.replace(tzinfo=None, second=0, microsecond=0)
        else:
            text = local.isoformat(" ", "minutes")[:16]
        if len(cache) >= 1024:
            cache.clear()
        cache[key] = text
        return text

    return format_time


def form_value_formatter(yes, no, neutral=True):
    """``form_value(value, number)``: an editor field's cell for an answer (any JSON value),
    ``number`` for a number field; ``yes``/``no`` for a checkbox's true/false. Text is
    neutralised unless ``neutral`` is False (the XLSX)."""
    guard = neutralise if neutral else str

    def form_value(value, number):
        """A form answer that is not plain text (or is a number field's text)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return yes if value else no
        if isinstance(value, int | float):
            return value
        if isinstance(value, list):
            return guard(", ".join(str(item) for item in value))
        value = str(value)
        if number and NUMBER.fullmatch(value):
            return int(value) if value.lstrip("-").isdigit() else Decimal(value)
        return guard(value)

    return form_value


def row_chunks(queryset, columns, xlsx=False):
    """Lists of rows (each a list of cells matching ``columns``), a chunk at a time.

    The CSV's cells (``xlsx`` False): text neutralised, dates as text. The XLSX's (``xlsx``
    True): text as is (an inline string is never a formula), the received and consent times
    as naive local datetimes (to the minute) and the retention date as a date.

    Everything that needs a query or the active language is prepared before this returns,
    so the rows can be produced later (while a response streams) in a flat amount of memory.
    """
    if [column.key for column in columns if not column.is_form_field] != FIXED_KEYS:
        raise ValueError("row_chunks() builds the fixed cells in FIXED_COLUMNS order")
    versions = queryset.policy_versions()
    statuses = {value: str(label) for value, label in SubmissionStatus.choices}
    bases = {value: str(label) for value, label in LegalBasis.choices}
    yes, no = _("Yes"), _("No")
    # The photo URL once, split around its key, instead of a reverse() per photo.
    photo_url = reverse("henvendelser:photo", args=[PHOTO_KEY_PLACEHOLDER])
    before, after = photo_url.split(str(PHOTO_KEY_PLACEHOLDER))
    before = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + before
    form_fields = [
        (column.key, column.field_type == "number") for column in columns if column.is_form_field
    ]
    local = local_time_formatter(as_datetime=xlsx)
    loads = json.loads
    # No first character is a formula's in the XLSX: the checks below never match there.
    first_characters = frozenset() if xlsx else FORMULA_FIRST_CHARACTERS
    if xlsx:
        parse_date = datetime.date.fromisoformat

        def day(value):
            # SQLite returns a date as its ISO text, PostgreSQL as a date.
            return value if value.__class__ is not str else parse_date(value)
    else:

        def day(value):
            return str(value)

    form_value = form_value_formatter(yes, no, neutral=not xlsx)

    def text(value):
        # neutralise() for values known to be text (or None), without the isinstance check:
        # one set lookup for almost every cell, starts_formula() only for the rare suspects.
        if not value:
            return ""
        if value[0] in first_characters and starts_formula(value):
            return "'" + value
        return value

    def chunks():
        for chunk in raw_chunks(queryset, ROW_FIELDS):
            photos = photo_links([row[0] for row in chunk], before, after)
            rows = []
            append = rows.append
            for (
                pk,
                site_name,
                hostname,
                page_title,
                submitted,
                status,
                consented,
                consent_text,
                language,
                basis,
                revision,
                retain_until,
                reason,
                hold,
                data,
            ) in chunk:
                # In FIXED_COLUMNS order. Only what people typed or named can start with a
                # formula character; dates, numbers, statuses and our URLs cannot.
                cells = [
                    pk,
                    text(site_name or hostname),
                    text(page_title),
                    local(submitted),
                    statuses.get(status, status),
                    local(consented),
                    text(consent_text),
                    text(language),
                    bases.get(basis, basis),
                    versions.get(revision, ""),
                    "" if retain_until is None else day(retain_until),
                    text(reason),
                    yes if hold else no,
                    photos.get(pk, ""),
                ]
                if data.__class__ is str:
                    data = loads(data)
                get = (data or {}).get
                for key, number in form_fields:
                    value = get(key)
                    if value.__class__ is str and not number:
                        cells.append(
                            "'" + value
                            if value and value[0] in first_characters and starts_formula(value)
                            else value
                        )
                    else:
                        cells.append(form_value(value, number))
                append(cells)
            yield rows

    return chunks()


def iter_rows(queryset, columns):
    """Each submission in ``queryset`` as a list of cells matching ``columns``."""
    for rows in row_chunks(queryset, columns):
        yield from rows


def csv_stream(queryset, dialect=csv.excel):
    """The CSV file as a generator of text pieces: a BOM and the header, then a piece per
    chunk of rows, each written by ``csv.writer`` into the same reused buffer (commas, or
    semicolons with ``dialect=ExcelDanish``)."""
    columns = export_columns(queryset)
    header = [neutralise(column.label) for column in columns]
    chunks = row_chunks(queryset, columns)

    def stream():
        buffer = io.StringIO()
        writer = csv.writer(buffer, dialect)
        buffer.write("\ufeff")
        writer.writerow(header)
        yield buffer.getvalue()
        for rows in chunks:
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(rows)
            yield buffer.getvalue()

    return stream()


# PostgreSQL: COPY -----------------------------------------------------------------------
#
# On PostgreSQL the CSV's rows are made by the database: the export's queryset (same filter,
# search, order and site scope) selects one SQL expression per column that formats the cell
# exactly as row_chunks() does, and ``COPY (that SELECT) TO STDOUT (FORMAT csv)`` streams the
# quoted rows to the response without a Python object per cell. tests/forms_app/
# test_export_copy.py checks it is byte for byte the Python pipeline's file.
#
# CSV details the two must agree on: csv.writer writes None and "" as nothing and ends rows
# with CRLF; COPY writes NULL as nothing but "" as "", and ends rows with LF. So every text
# cell is NULLIF(..., '') and each row's LF becomes CRLF (COPY sends exactly one row per
# message, ending in its LF; quoted newlines inside a row are left alone). Both quote a cell
# holding a comma, a double quote, CR or LF, and double the quotes inside it.
#
# A few answers only Python formats the Python way (JSON numbers with a fraction or an
# exponent, JSON objects, lists of anything but strings and whole numbers, number-field
# answers Decimal would print with an exponent or that hold non-ASCII characters): COPY marks
# such a row by sending its form_data along, and :func:`copy_csv_stream` formats that row's
# editor fields with the Python pipeline's own formatter.

# The formula triggers as a PostgreSQL regular expression: starts_formula() in SQL. The
# hyphen goes last in its bracket so it is not a range.
FORMULA_TRIGGERS = "".join(p for p in FORMULA_PREFIXES if p != "-") + "-"
FORMULA_SQL_PATTERN = f"^([{INVISIBLE_PREFIX_CHARACTERS}]*[{FORMULA_TRIGGERS}])"
FORMULA_SQL_REPLACEMENT = "'\\1"
SQL_INTEGER = "^-?[0-9]+$"
SQL_DECIMAL = "^-?[0-9]+\\.[0-9]+$"
SQL_NUMBER = "^-?[0-9]+(\\.[0-9]+)?$"  # NUMBER, for ASCII digits
SQL_PLAIN_INTEGER = "^[1-9][0-9]*$"  # a whole number int() prints as it is written
# Decimal prints a number with six or more zeros after the point first as 1E-7: Python only.
SQL_DECIMAL_EXPONENT = "^-?0+\\.0{6}"
SQL_NON_ASCII = "[^\\x01-\\x7f]"
SQL_NUMBER_SHAPE = "^-?[^.]+(\\.[^.]+)?$"
PYTHON_INT_MAX_DIGITS = 4000  # int() refuses longer strings (sys.get_int_max_str_digits)


class Sql(Expression):
    """``template`` with ``{0}``, ``{1}``… replaced by the SQL of ``sources`` (Django
    expressions or field names, resolved against the export's query so joins and table
    aliases are Django's) and ``%s`` bound to ``params``."""

    def __init__(self, template, *sources, params=(), output_field=None):
        super().__init__(output_field=output_field or TextField())
        self.template = template
        self.sources = [F(source) if isinstance(source, str) else source for source in sources]
        self.params = list(params)

    def get_source_expressions(self):
        return self.sources

    def set_source_expressions(self, exprs):
        self.sources = list(exprs)

    def as_sql(self, compiler, connection):
        compiled = []
        for source in self.sources:
            sql, params = compiler.compile(source)
            if params:  # a source may appear more than once in the template
                raise ValueError("Sql() sources must compile without parameters")
            compiled.append(sql)
        return self.template.format(*compiled), self.params


# The code points a formula can start with, as IN lists PostgreSQL tests with a hash lookup
# (ascii() of a text is its first code point): all of them, and the triggers themselves
# (a text starting with one always gets the quote; one starting with an invisible character
# needs the regular expression to see what follows).
FORMULA_FIRST_CODES = ", ".join(
    str(code) for code in sorted(ord(character) for character in FORMULA_FIRST_CHARACTERS)
)
FORMULA_TRIGGER_CODES = ", ".join(
    str(code) for code in sorted(ord(character) for character in FORMULA_PREFIXES)
)
# Whether every answer in a submission's form_data is a string (jsonpath: none is not).
# Strict: in lax mode the filter would look inside a list and pass a list of strings. NULL
# (the error @? hides) where form_data is not an object.
SQL_ONLY_STRINGS = "NOT ({0} @? 'strict $.* ? (@.type() != \"string\")')"


def sql_literal(value):
    """``value`` as an SQL string literal (E'' syntax, so it means the same whatever
    standard_conforming_strings says) for a statement whose parameters psycopg binds
    client-side (``%`` doubled)."""
    if "\x00" in value:
        raise ValueError("an SQL literal cannot hold NUL")
    escaped = value.replace("\\", "\\\\").replace("'", "''").replace("%", "%%")
    return f"E'{escaped}'"


class SqlBuilder:
    """SQL text and its parameters, in order, for the outer SELECT of :func:`copy_query`."""

    def __init__(self, neutral=True):
        self.params = []
        self.neutral = neutral

    def sql(self, template, *params):
        self.params.extend(params)
        return template

    def text(self, sql):
        """A text cell: neutralised like :func:`neutralise` (unless ``neutral`` is False),
        empty as NULL (``sql`` is a column of the inner query or a cheap expression over one:
        it is used up to 4 times). One hashed lookup of the first character's code point
        decides for almost every cell; the regular expression runs only for text starting
        with an invisible character."""
        if not self.neutral:
            return f"NULLIF({sql}, '')"
        return (
            f"CASE WHEN ascii({sql}) IN ({FORMULA_FIRST_CODES})"
            f" THEN CASE WHEN ascii({sql}) IN ({FORMULA_TRIGGER_CODES}) THEN '''' || {sql}"
            + self.sql(
                f" ELSE NULLIF(regexp_replace({sql}, %s, %s), '') END",
                FORMULA_SQL_PATTERN,
                FORMULA_SQL_REPLACEMENT,
            )
            + f" ELSE NULLIF({sql}, '') END"
        )

    def local_time(self, sql):
        """``YYYY-MM-DD HH:MM`` in the site's time zone, as :func:`local_time_formatter`:
        the first 16 characters of the time's ISO text in the session's time zone (DateStyle
        ISO and TimeZone, see :func:`copy_cursor`), several times cheaper than to_char()
        of it AT TIME ZONE."""
        return f"left({sql}::text, 16)"

    def label(self, sql, labels, default=None):
        """A choice's label (``labels``: value to label), else ``default`` (SQL; the stored
        value if None)."""
        if not labels:
            return default or sql
        whens = "".join(self.sql(" WHEN %s THEN %s", *pair) for pair in labels.items())
        return f"NULLIF(CASE {sql}{whens} ELSE {default or sql} END, '')"

    def form_value(self, value, text, plain, number, yes, no):
        """One editor field's cell, as row_chunks() formats it: ``text`` is the answer as
        text (``form_data ->> key``, read once by the inner query), ``plain`` whether every
        answer of the row is a string, ``value`` the answer as jsonb (``form_data -> key``).

        The common case, a string answer in a row of string answers, takes ``text``
        directly (neutralised; a number field's whole number as it is). Only other rows and
        other number answers read ``value`` again and test its JSON type.
        """
        if number:
            # Built in the order of the SQL text, as the parameters must be.
            fast = self.sql(f"CASE WHEN {plain} AND {text} ~ %s THEN {text}", SQL_PLAIN_INTEGER)
            # A number field's answer that is a number: int() or Decimal(), as Python
            # prints it (Decimal keeps a "-0.0"; numeric does not).
            string = (
                self.sql(f"CASE WHEN {text} ~ %s THEN {text}::numeric::text", SQL_INTEGER)
                + self.sql(f" WHEN {text} ~ %s THEN CASE WHEN left({text}, 1) = '-'", SQL_DECIMAL)
                + f" THEN '-' || substr({text}, 2)::numeric::text ELSE {text}::numeric::text END"
                + f" ELSE {self.text(text)} END"
            )
        else:
            fast = f"CASE WHEN {plain} THEN {self.text(text)}"
            string = self.text(text)
        listed = f"array_to_string(ARRAY(SELECT jsonb_array_elements_text({value})), ', ')"
        return (
            fast
            + f" ELSE CASE jsonb_typeof({value}) WHEN 'string' THEN {string}"
            + self.sql(
                f" WHEN 'boolean' THEN CASE WHEN {text} = 'true' THEN %s ELSE %s END", yes, no
            )
            + f" WHEN 'number' THEN {text}"
            + f" WHEN 'array' THEN {self.text(listed)} END END"
        )

    def inexact(self, value):
        """SQL: true where ``value`` (not a string) is an answer only Python formats its way."""
        text = f"({value} #>> '{{}}')"
        return (
            f"CASE jsonb_typeof({value}) WHEN 'object' THEN true"
            + self.sql(f" WHEN 'number' THEN {text} !~ %s", SQL_INTEGER)
            + self.sql(
                f" WHEN 'array' THEN EXISTS (SELECT FROM jsonb_array_elements({value}) AS item"
                " WHERE jsonb_typeof(item) <> 'string' AND NOT (jsonb_typeof(item) = 'number'"
                " AND item::text ~ %s))",
                SQL_INTEGER,
            )
            + " ELSE false END"
        )

    def inexact_number(self, value, text, plain):
        """SQL: true where a number field's answer is text only Python formats its way
        (``text``, ``value`` and ``plain`` as for :meth:`form_value`). Only text starting
        with "-" or "0", longer than PYTHON_INT_MAX_DIGITS or with non-ASCII characters can
        be; the type test and the regular expressions run only for those."""
        return (
            f"CASE WHEN (ascii({text}) IN (45, 48)"
            + self.sql(f" OR octet_length({text}) > %s", PYTHON_INT_MAX_DIGITS)
            + f" OR octet_length({text}) <> length({text}))"
            + f" AND ({plain} OR jsonb_typeof({value}) = 'string')"
            + self.sql(f" THEN {text} ~ %s", SQL_DECIMAL_EXPONENT)
            + self.sql(f" OR ({text} ~ %s AND {text} ~ %s)", SQL_NUMBER_SHAPE, SQL_NON_ASCII)
            + self.sql(
                f" OR (length({text}) > %s AND {text} ~ %s)", PYTHON_INT_MAX_DIGITS, SQL_INTEGER
            )
            + " ELSE false END"
        )


def inner_query(queryset, columns, fields, ordered=True):
    """``(sql, params)`` of the export's own query (same filter, search, order and site
    scope) selecting the plain values the cells are made of: ``fields`` and each editor
    field's answer as text, ``form_data ->> key`` (as f0, f1…), each read once.

    ``OFFSET 0`` keeps PostgreSQL from folding it into the outer SELECT (which would read
    ``form_data -> key`` again for every use) and keeps its order.
    """
    values = {name: F(path) if isinstance(path, str) else path for name, path in fields.items()}
    for index, column in enumerate(column for column in columns if column.is_form_field):
        values[f"f{index}"] = Sql("({0} ->> %s)", "form_data", params=[column.key])
    if not ordered:
        queryset = queryset.order_by()
    sql, params = queryset.values(**values).query.get_compiler(using=queryset.db).as_sql()
    return f"{sql} OFFSET 0", list(params)


def copy_query(queryset, columns, xml=False):
    """``(sql, params)``: the SELECT of the CSV's cells for ``queryset``, in ``columns``'
    order: an outer SELECT formatting the plain values of :func:`inner_query`; with ``xml``,
    the XLSX's: two fields per row, the form_data where Python formats the editor fields
    (else NULL) and the row's worksheet XML (see :func:`copy_xml_query`).

    The first field is the row's form_data where only Python formats it (see
    :func:`copy_csv_stream`).
    """
    if [column.key for column in columns if not column.is_form_field] != FIXED_KEYS:
        raise ValueError("copy_query() builds the fixed cells in FIXED_COLUMNS order")
    quote = connections[queryset.db].ops.quote_name
    yes, no = _("Yes"), _("No")
    policy_versions = queryset.policy_versions()
    versions = {revision: str(version) for revision, version in policy_versions.items()}
    photo_url = reverse("henvendelser:photo", args=[PHOTO_KEY_PLACEHOLDER])
    before, after = photo_url.split(str(PHOTO_KEY_PLACEHOLDER))
    before = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + before
    photo = SubmissionPhoto._meta
    # Looked up only for submissions that have photos: most have none, and a lookup per row
    # was a fifth of the whole query's time.
    photos = Sql(
        "CASE WHEN {1} THEN"  # noqa: S608 - identifiers quoted, values bound
        f" (SELECT string_agg(%s || photo.{quote(photo.get_field('key').column)}::text"
        " || %s,"
        f" ' ' ORDER BY photo.{quote(photo.pk.column)})"
        f" FROM {quote(photo.db_table)} AS photo"
        f" WHERE photo.{quote(photo.get_field('submission').column)} = {{0}}) END",
        "pk",
        "has_photos",
        params=[before, after],
    )
    fields = {
        "c_id": "pk",
        "c_site_name": "site__site_name",
        "c_hostname": "site__hostname",
        "c_title": "page__title",
        "c_submitted": "submit_time",
        "c_status": "status",
        "c_consented": "consent_given_at",
        "c_consent_text": "consent_text",
        "c_language": "consent_language",
        "c_basis": "legal_basis",
        "c_revision": "policy_revision_id",
        "c_retain_until": "retain_until",
        "c_reason": "retention_reason",
        "c_hold": "legal_hold",
        "c_photos": photos,
        "c_data": "form_data",
        "c_plain": Sql(SQL_ONLY_STRINGS, "form_data", output_field=BooleanField()),
    }
    if xml:
        # The local times once, for the date cells' serial numbers.
        fields["c_submitted"] = Sql("{0}::timestamp", "submit_time")  # the session's zone
        fields["c_consented"] = Sql("{0}::timestamp", "consent_given_at")
    inner, inner_params = inner_query(queryset, columns, fields)
    sql = SqlBuilder(neutral=not xml)
    # Each editor field's answer as text (t.f0, t.f1…: the inner query's), and as jsonb
    # for the rows that need its type (read again only there).
    form_columns = [column for column in columns if column.is_form_field]
    texts = [f"t.f{index}" for index in range(len(form_columns))]
    values = [f"(t.c_data -> {sql_literal(column.key)})" for column in form_columns]
    numbers = [column.field_type == "number" for column in form_columns]
    # First: the submission's form_data where only Python formats some of its answers the
    # Python way (NULL, so an empty field, for all others); see copy_csv_stream(). Most
    # submissions hold only string answers (t.c_plain, one jsonpath test per row): then only
    # a number field's answer can be such, and only if it starts with "-" or "0" or is long
    # or not ASCII. The answer by answer type test runs for the other rows only.
    inexact = " OR ".join(
        [
            "jsonb_typeof(t.c_data) NOT IN ('object', 'null')",
            "(NOT t.c_plain AND ("
            + " OR ".join(["false", *(sql.inexact(value) for value in values)])
            + "))",
            *(
                sql.inexact_number(value, text, "t.c_plain")
                for value, text, number in zip(values, texts, numbers, strict=True)
                if number
            ),
        ]
    )
    selected = [f"CASE WHEN {inexact} THEN t.c_data::text END"]

    def number_flag(index):
        """Whether row_chunks() gives the editor field's cell as an int, float or Decimal:
        a JSON number, or a number field's text that NUMBER matches (non-ASCII digits are
        rows Python formats)."""
        value, text = values[index], texts[index]
        if numbers[index]:
            return sql.sql(
                f"CASE WHEN t.c_plain OR jsonb_typeof({value}) = 'string'"
                f" THEN {text} ~ %s ELSE jsonb_typeof({value}) = 'number' END",
                SQL_NUMBER,
            )
        return f"(NOT t.c_plain AND jsonb_typeof({value}) = 'number')"

    def form_cell(index):
        """The editor field's cell text (neutralised for the CSV)."""
        return sql.form_value(values[index], texts[index], "t.c_plain", numbers[index], yes, no)

    if xml:
        statement = copy_xml_query(
            len(values), sql, selected[0], form_cell, number_flag, policy_versions, inner
        )
        return statement, [*sql.params, *inner_params]
    # Built in FIXED_COLUMNS order, the order their parameters must come in.
    cells = {
        "id": "t.c_id",
        "site": sql.text("COALESCE(NULLIF(t.c_site_name, ''), t.c_hostname)"),
        "form": sql.text("t.c_title"),
        "received": sql.local_time("t.c_submitted"),
        "status": sql.label(
            "t.c_status", {v: str(label) for v, label in SubmissionStatus.choices}
        ),
        "consent_given_at": sql.local_time("t.c_consented"),
        "consent_text": sql.text("t.c_consent_text"),
        "consent_language": sql.text("t.c_language"),
        "legal_basis": sql.label("t.c_basis", {v: str(label) for v, label in LegalBasis.choices}),
        "policy_version": sql.label("t.c_revision", versions, default="NULL::text"),
        "retain_until": "t.c_retain_until::text",  # YYYY-MM-DD (DateStyle ISO)
        "retention_reason": sql.text("t.c_reason"),
        "legal_hold": sql.sql(
            "CASE WHEN t.c_hold THEN NULLIF(%s, '') ELSE NULLIF(%s, '') END", yes, no
        ),
        "photos": "t.c_photos",
    }
    form_index = 0
    for column in columns:
        if column.is_form_field:
            selected.append(form_cell(form_index))
            form_index += 1
        else:
            selected.append(cells[column.key])
    statement = f"SELECT {', '.join(selected)} FROM ({inner}) AS t"  # noqa: S608
    return statement, [*sql.params, *inner_params]


# The worksheet XML made by PostgreSQL (copy_xml_query): xml_text() of a cell is the escapes
# of XML_ESCAPES; what XML forbids is dropped from each whole chunk by copy_xml_chunks()
# (in UTF-8 those characters are bytes no other character, escape or markup contains: the
# control characters, and U+FFFE and U+FFFF; PostgreSQL's text holds no NUL or surrogate).
XML_ILLEGAL_BYTES = re.compile(b"[\x01-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
# The control characters, and the lead byte of U+F000…U+FFFF (so of U+FFFE and U+FFFF).
XML_SUSPECT_BYTES = bytes([*range(1, 9), 11, 12, *range(14, 32), 0xEF])
XML_EPOCH_SQL = "DATE '1899-12-30'"  # EXCEL_EPOCH


def sql_xml_text_cell(sql):
    """SQL: xlsx_cell() of the text ``sql`` (NULL or empty: an empty cell), but for the
    characters XML forbids (see XML_ILLEGAL_BYTES); ``sql`` is used twice or three times."""
    escaped = sql
    for character, reference in XML_ESCAPES:
        escaped = f"replace({escaped}, {sql_literal(character)}, {sql_literal(reference)})"
    return (
        f"CASE WHEN COALESCE({sql}, '') = '' THEN {sql_literal(EMPTY_CELL)}"
        f" ELSE {sql_literal(TEXT_OPEN)} || {escaped} || {sql_literal(TEXT_CLOSE)} END"
    )


def sql_xml_choice(sql, cells, default):
    """SQL: the cell XML ``cells`` holds for the value of ``sql``, else ``default`` (SQL)."""
    whens = "".join(
        f" WHEN {sql_literal(str(value))} THEN {sql_literal(cell)}"
        for value, cell in cells.items()
    )
    return f"CASE {sql}::text{whens} ELSE {default} END" if whens else default


def sql_xml_moment(sql):
    """SQL: the date cell of a local time (``sql``, a timestamp), as datetime_serial() of it
    to the minute: days plus minutes / 1440 in double precision, printed shortest
    (extra_float_digits 1, as Python's repr()), with repr()'s ".0" for midnight."""
    days = f"({sql}::date - {XML_EPOCH_SQL})"
    minutes = f"(date_part('hour', {sql}) * 60 + date_part('minute', {sql}))"
    return (
        f"CASE WHEN {sql} IS NULL THEN {sql_literal(EMPTY_CELL)}"
        f" ELSE {sql_literal(DATETIME_CELL)} || CASE WHEN {minutes} = 0 THEN {days} || '.0'"
        f" ELSE ({days} + {minutes} / 1440)::text END || '</v></c>' END"
    )


def sql_xml_day(sql):
    """SQL: the date cell of a date, as date_serial() of it."""
    return (
        f"CASE WHEN {sql} IS NULL THEN {sql_literal(EMPTY_CELL)}"
        f" ELSE {sql_literal(DATE_CELL)} || ({sql} - {XML_EPOCH_SQL}) || '</v></c>' END"
    )


def copy_xml_query(form_count, sql, marker, form_cell, number_flag, versions, inner):
    """The SELECT :func:`copy_query` makes with ``xml`` (its parameters: ``sql``'s, then
    ``inner``'s; ``form_cell(index)`` and ``number_flag(index)`` give an editor field's cell
    text and whether that is a number): per row, the form_data
    where only Python formats some answer (else NULL), and the row's worksheet XML, the
    same as :func:`xlsx_rows` makes of row_chunks()'s row; for a row with form_data, without
    its editor fields' cells and its ``</row>`` (Python adds them).

    Three levels: the inner query's plain values, a middle one with each editor field's
    cell text and whether it is a number (each used several times by the XML), and the
    outer one joining the XML: cells a spreadsheet types itself as numbers and dates, the
    rest inline strings (escaped, characters XML forbids dropped), so the web process only
    passes the rows on.
    """
    middle = [f"{marker} AS d"]
    for index in range(form_count):
        # In the order of the SQL text, as sql's parameters must be.
        middle.append(f"{form_cell(index)} AS v{index}")
        middle.append(f"{number_flag(index)} AS n{index}")
    middle_sql = f"SELECT {', '.join(middle)}, t.* FROM ({inner}) AS t OFFSET 0"  # noqa: S608
    yes, no = xlsx_cell(_("Yes")), xlsx_cell(_("No"))
    fixed = {
        "id": f"{sql_literal('<c><v>')} || m.c_id || '</v></c>'",
        "site": sql_xml_text_cell("COALESCE(NULLIF(m.c_site_name, ''), m.c_hostname)"),
        "form": sql_xml_text_cell("m.c_title"),
        "received": sql_xml_moment("m.c_submitted"),
        "status": sql_xml_choice(
            "m.c_status",
            {value: xlsx_cell(str(label)) for value, label in SubmissionStatus.choices},
            sql_xml_text_cell("m.c_status"),
        ),
        "consent_given_at": sql_xml_moment("m.c_consented"),
        "consent_text": sql_xml_text_cell("m.c_consent_text"),
        "consent_language": sql_xml_text_cell("m.c_language"),
        "legal_basis": sql_xml_choice(
            "m.c_basis",
            {value: xlsx_cell(str(label)) for value, label in LegalBasis.choices},
            sql_xml_text_cell("m.c_basis"),
        ),
        "policy_version": sql_xml_choice(
            "m.c_revision",
            {revision: xlsx_cell(version) for revision, version in versions.items()},
            sql_literal(EMPTY_CELL),
        ),
        "retain_until": sql_xml_day("m.c_retain_until"),
        "retention_reason": sql_xml_text_cell("m.c_reason"),
        "legal_hold": f"CASE WHEN m.c_hold THEN {sql_literal(yes)} ELSE {sql_literal(no)} END",
        "photos": sql_xml_text_cell("m.c_photos"),
    }
    fixed_xml = " || ".join(["'<row>'", *(fixed[key] for key in FIXED_KEYS)])
    form_xml = " || ".join(
        f"CASE WHEN m.n{index} THEN '<c><v>' || m.v{index} || '</v></c>'"
        f" ELSE {sql_xml_text_cell(f'm.v{index}')} END"
        for index in range(form_count)
    )
    row_xml = " || ".join([fixed_xml, *([form_xml] if form_count else []), "'</row>'"])
    statement = (
        f"SELECT m.d, CASE WHEN m.d IS NULL THEN {row_xml} ELSE {fixed_xml} END"  # noqa: S608
        f" FROM ({middle_sql}) AS m"
    )
    return statement


# The session settings the COPY queries are written for: JIT compiling the wide SELECT costs
# PostgreSQL more than running it (about a second); times are cast to text in ISO form in the
# site's time zone (TIME_ZONE, Copenhagen), and a double is printed in its shortest exact
# form, as Python's repr() prints a float (the XLSX's times). Each is set back to what it was
# afterwards.
def copy_settings():
    return {
        "jit": "off",
        "datestyle": "ISO, YMD",
        "timezone": timezone.get_default_timezone_name(),
        "extra_float_digits": "1",
    }


@contextmanager
def copy_cursor(using):
    """The psycopg 3 cursor under Django's wrapper for database ``using`` (it binds COPY's
    parameters client-side: COPY itself takes none), with copy_settings() in force."""
    wanted = copy_settings()
    names = list(wanted)
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s)" for _name in names),
            names,
        )
        before = cursor.fetchone()
        changes = ", ".join("set_config(%s, %s, false)" for _name in names)
        cursor.execute(f"SELECT {changes}", [v for item in wanted.items() for v in item])
        restored = [value for pair in zip(names, before, strict=True) for value in pair]
        try:
            yield cursor.cursor
        except BaseException:
            # Inside a transaction a failed COPY aborts it, and its rollback undoes the
            # settings too: then the original error is the one to see.
            try:
                cursor.execute(f"SELECT {changes}", restored)
            except DatabaseError:
                if not connections[using].in_atomic_block:
                    raise
            raise
        cursor.execute(f"SELECT {changes}", restored)


def copy_csv_stream(queryset, dialect=csv.excel):
    """The CSV file as a generator of bytes made by PostgreSQL's COPY, or None if the
    database is not PostgreSQL. ``dialect``'s delimiter is COPY's (``;`` for ExcelDanish).

    Each row COPY sends starts with one extra field: empty, or the submission's form_data
    where some answer is one only Python formats its way (see "PostgreSQL: COPY"). Those
    rare rows get their editor fields' cells from the Python pipeline's own formatter; all
    others are passed on as COPY wrote them, without the extra field.
    """
    if connections[queryset.db].vendor != "postgresql":
        return None
    columns = export_columns(queryset)
    header = [neutralise(column.label) for column in columns]
    sql, params = copy_query(queryset, columns)
    delimiter = dialect.delimiter
    if delimiter not in COPY_DELIMITERS:
        raise ValueError(f"COPY writes no CSV with the delimiter {delimiter!r}")
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv, DELIMITER {COPY_DELIMITERS[delimiter]})"
    first = delimiter.encode()
    fixed = len(FIXED_KEYS)
    form_fields = [
        (column.key, column.field_type == "number") for column in columns if column.is_form_field
    ]
    form_value = form_value_formatter(_("Yes"), _("No"))

    def python_row(line):
        """A row COPY marked (without its LF), its editor fields formatted by Python."""
        text = io.StringIO(bytes(line).decode(), newline="")
        [data, *cells] = next(csv.reader(text, dialect))
        get = (json.loads(data) or {}).get
        cells[fixed:] = [form_value(get(key), number) for key, number in form_fields]
        buffer = io.StringIO()
        csv.writer(buffer, dialect).writerow(cells)
        return buffer.getvalue()[:-2].encode()

    def stream():
        buffer = io.StringIO()
        buffer.write("\ufeff")
        csv.writer(buffer, dialect).writerow(header)
        yield buffer.getvalue().encode()
        with copy_cursor(queryset.db) as cursor, cursor.copy(statement, params) as copy:
            rows = []
            for row in copy:
                if row[-1:] != b"\n":
                    raise RuntimeError("COPY sent part of a row")
                rows.append(row[1:-1] if row[:1] == first else python_row(row[:-1]))
                if len(rows) == CHUNK_SIZE:
                    yield b"\r\n".join(rows) + b"\r\n"
                    rows = []
            if rows:
                yield b"\r\n".join(rows) + b"\r\n"

    return stream()


def csv_export_stream(queryset, use_copy=None, dialect=csv.excel):
    """The CSV export of ``queryset`` in ``dialect``: made by COPY on PostgreSQL (unless
    ``use_copy`` or the ``FORMS_EXPORT_COPY`` setting is False), else by the Python
    pipeline."""
    if use_copy is None:
        use_copy = getattr(settings, "FORMS_EXPORT_COPY", True)
    stream = copy_csv_stream(queryset, dialect) if use_copy else None
    return csv_stream(queryset, dialect) if stream is None else stream


# COPY's binary format: a header before the first row, then each row as a field count
# (int16) and each field as its length (int32, -1 for NULL) and bytes, then -1 as the end.
COPY_BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
COPY_BINARY_HEADER = struct.Struct(">11sii")  # signature, flags, header extension length
COPY_NULL = b"\xff\xff\xff\xff"
COPY_FIELD = struct.Struct(">i")


def copy_xml_chunks(queryset, columns):
    """The XLSX worksheet's rows as bytes of XML, up to CHUNK_SIZE rows a piece, written by
    PostgreSQL (:func:`copy_xml_query`) and passed on as they come: ``COPY … (FORMAT
    binary)`` sends each row's XML as it is, without CSV quoting to undo. A row COPY sends
    with its form_data gets its editor fields' cells from the Python pipeline's formatter.
    The same bytes as :func:`xlsx_chunk` of row_chunks()'s rows; None if the database is
    not PostgreSQL."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    sql, params = copy_query(queryset, columns, xml=True)
    statement = f"COPY ({sql}) TO STDOUT (FORMAT binary)"
    form_fields = [
        (column.key, column.field_type == "number") for column in columns if column.is_form_field
    ]
    form_value = form_value_formatter(_("Yes"), _("No"), neutral=False)

    def python_row(row):
        """A row COPY sent with its form_data: its fixed cells' XML, then Python's."""
        (length,) = COPY_FIELD.unpack_from(row, 2)
        data = bytes(row[6 : 6 + length])
        get = (json.loads(data) or {}).get
        cells = "".join(xlsx_cell(form_value(get(key), number)) for key, number in form_fields)
        return bytes(row[10 + length :]) + (cells + "</row>").encode()

    def chunks():
        with copy_cursor(queryset.db) as cursor, cursor.copy(statement, params) as copy:
            pieces = []
            append = pieces.append
            header = True
            for row in copy:
                if header:
                    signature, _flags, extension = COPY_BINARY_HEADER.unpack_from(row)
                    if signature != COPY_BINARY_SIGNATURE:
                        raise RuntimeError("COPY sent no binary header")
                    row = row[COPY_BINARY_HEADER.size + extension :]
                    header = False
                    if not row:
                        continue
                if row[:2] != b"\x00\x02":  # the end (-1), or not a row of two fields
                    if row[:2] == b"\xff\xff":
                        continue  # psycopg reads on to COPY's result
                    raise RuntimeError("COPY sent an unexpected row")
                append(row[10:] if row[2:6] == COPY_NULL else python_row(row))
                if len(pieces) == CHUNK_SIZE:
                    yield legal(b"".join(pieces))
                    pieces = []
                    append = pieces.append
            if pieces:
                yield legal(b"".join(pieces))

    return chunks()


def legal(xml):
    """``xml`` (UTF-8) without the characters XML forbids: xml_text()'s dropping, for a
    whole chunk at once. Almost always there are none: one C scan finds that (a regular
    expression would take about as long as PostgreSQL takes to write the XML)."""
    if len(xml.translate(None, XML_SUSPECT_BYTES)) == len(xml):
        return xml
    return XML_ILLEGAL_BYTES.sub(b"", xml)


# XLSX --------------------------------------------------------------------------------------

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{PKG_REL_NS}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{PKG_REL_NS}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    # Cell styles (cellXfs, by index): 0 plain, 1 a time (dd-mm-yyyy hh:mm), 2 a date
    # (dd-mm-yyyy), 3 the header (bold). Danish Excel shows both formats as written.
    "xl/styles.xml": (
        f'<styleSheet xmlns="{MAIN_NS}">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd-mm-yyyy hh:mm"/>'
        '<numFmt numFmtId="165" formatCode="dd-mm-yyyy"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
DATETIME_STYLE, DATE_STYLE, HEADER_STYLE = 1, 2, 3
# Spreadsheet serial dates: days since 1899-12-30 (Excel's 1900 system, past its 1900 bug).
EXCEL_EPOCH = datetime.date(1899, 12, 30).toordinal()
# Characters XML 1.0 does not allow (control characters, lone surrogates, U+FFFE/U+FFFF):
# dropped from text cells, as openpyxl drops the control characters.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
TEXT_OPEN = '<c t="inlineStr"><is><t xml:space="preserve">'
TEXT_CLOSE = "</t></is></c>"
HEADER_OPEN = f'<c t="inlineStr" s="{HEADER_STYLE}"><is><t xml:space="preserve">'
DATETIME_CELL = f'<c s="{DATETIME_STYLE}"><v>'
DATE_CELL = f'<c s="{DATE_STYLE}"><v>'
EMPTY_CELL = "<c/>"
# Markers for xlsx_chunk: characters XML forbids, so they are never part of a value it
# writes (a chunk with any such character in a value is built cell by cell instead).
CELL, ROW, NUM_OPEN, NUM_CLOSE, EMPTY = "\x01", "\x02", "\x03", "\x04", "\x05"
DATETIME_OPEN, DATE_OPEN = "\x06", "\x0e"  # closed by NUM_CLOSE
MARKERS = XML_ILLEGAL
XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))


def xml_text(value):
    """Text for a worksheet's XML: escaped, ``\\r`` kept as a reference, illegal
    characters dropped."""
    value = XML_ILLEGAL.sub("", value)
    for character, reference in XML_ESCAPES:
        value = value.replace(character, reference)
    return value


def number_text(value):
    """A number as a worksheet's XML writes it, or None if ``value`` is not a finite number."""
    if value.__class__ is int:
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else None
    return None


def datetime_serial(moment):
    """A naive datetime (to the minute) as a spreadsheet's serial number, as text."""
    return repr(moment.toordinal() - EXCEL_EPOCH + (moment.hour * 60 + moment.minute) / 1440)


def date_serial(day):
    """A date as a spreadsheet's serial number, as text."""
    return str(day.toordinal() - EXCEL_EPOCH)


def xlsx_cell(value):
    """One cell's XML: a number, a time or a date (a number with its style), an inline
    string, or an empty cell. Never a formula: a worksheet has none."""
    if value is None or value == "":
        return EMPTY_CELL
    number = number_text(value)
    if number is not None:
        return f"<c><v>{number}</v></c>"
    if value.__class__ is datetime.datetime:
        return f"{DATETIME_CELL}{datetime_serial(value)}</v></c>"
    if value.__class__ is datetime.date:
        return f"{DATE_CELL}{date_serial(value)}</v></c>"
    return f"{TEXT_OPEN}{xml_text(str(value))}{TEXT_CLOSE}"


def xlsx_header(labels):
    """The header row's XML: bold inline strings."""
    cells = "".join(f"{HEADER_OPEN}{xml_text(label)}{TEXT_CLOSE}" for label in labels)
    return f"<row>{cells}</row>"


def xlsx_rows(rows):
    """The XML of ``rows``, cell by cell: the reference :func:`xlsx_chunk` must equal."""
    return "".join("<row>" + "".join(map(xlsx_cell, row)) + "</row>" for row in rows)


def marked_rows_xml(joined):
    """Worksheet XML of rows joined with the ROW and CELL markers, number cells between
    NUM_OPEN and NUM_CLOSE and an empty cell written as EMPTY: escaped in one go, then the
    markers replaced by the XML of text, number and empty cells (for :func:`xlsx_chunk`,
    which has checked no value holds a marker)."""
    for character, reference in XML_ESCAPES:
        if character in joined:
            joined = joined.replace(character, reference)
    joined = joined.replace(CELL, TEXT_CLOSE + TEXT_OPEN).replace(
        ROW, TEXT_CLOSE + "</row><row>" + TEXT_OPEN
    )
    return (
        ("<row>" + TEXT_OPEN + joined + TEXT_CLOSE + "</row>")
        .replace(TEXT_OPEN + NUM_OPEN, "<c><v>")
        .replace(TEXT_OPEN + DATETIME_OPEN, DATETIME_CELL)
        .replace(TEXT_OPEN + DATE_OPEN, DATE_CELL)
        .replace(NUM_CLOSE + TEXT_CLOSE, "</v></c>")
        .replace(TEXT_OPEN + EMPTY + TEXT_CLOSE, EMPTY_CELL)
    )


def xlsx_chunk(rows):
    """The XML of ``rows``, built with a few whole-chunk string operations.

    Each cell becomes its text with markers around it, the chunk is joined into one string,
    escaped in one go, and the markers are replaced by the XML of text, number and empty
    cells. When a value holds a character XML forbids (the markers are among them), which
    is rare, the chunk is built cell by cell by :func:`xlsx_rows`, which drops them.
    """
    if not rows:
        return ""
    tokens = []
    markers = len(rows) - 1  # row separators
    for row in rows:
        cells = []
        add = cells.append
        for value in row:
            if value.__class__ is str:
                if value:
                    add(value)
                else:
                    add(EMPTY)
                    markers += 1
            elif value is None:
                add(EMPTY)
                markers += 1
            elif value.__class__ is datetime.datetime:
                add(DATETIME_OPEN + datetime_serial(value) + NUM_CLOSE)
                markers += 2
            elif value.__class__ is datetime.date:
                add(DATE_OPEN + date_serial(value) + NUM_CLOSE)
                markers += 2
            else:
                number = number_text(value)
                if number is None:
                    add(str(value))
                else:
                    add(NUM_OPEN + number + NUM_CLOSE)
                    markers += 2
        markers += len(cells) - 1  # cell separators
        tokens.append(CELL.join(cells))
    joined = ROW.join(tokens)
    if len(MARKERS.findall(joined)) != markers:
        return xlsx_rows(rows)
    return marked_rows_xml(joined)


# Column widths (in characters) by fixed column and by editor field type; other columns
# are as wide as their header, within XLSX_WIDTH_RANGE. The header's filter button needs 3.
XLSX_FIXED_WIDTHS = {
    "id": 8,
    "received": 17,
    "consent_given_at": 17,
    "consent_text": 50,
    "retain_until": 13,
    "retention_reason": 40,
    "photos": 40,
}
XLSX_FIELD_WIDTHS = {
    "email": 30,
    "multiline": 50,
    "date": 13,
    "datetime": 17,
    "number": 12,
    "tel": 18,
    "url": 30,
}
XLSX_WIDTH_RANGE = (10, 40)


def column_width(column):
    """A column's width in the XLSX, from its kind and its header's length."""
    known = XLSX_FIELD_WIDTHS if column.is_form_field else XLSX_FIXED_WIDTHS
    width = known.get(column.field_type if column.is_form_field else column.key)
    lowest, highest = XLSX_WIDTH_RANGE
    fitted = min(max(len(column.label) + 3, lowest), highest)
    return fitted if width is None else max(width, min(fitted, highest))


def column_letters(number):
    """A spreadsheet's column letters for the 1-based column ``number`` (1: A, 27: AA)."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def xlsx_stream(queryset, use_copy=None):
    """The XLSX file as a generator of bytes, zipped as it is written.

    One worksheet, its header and rows as :func:`csv_stream` has them but for the cells a
    spreadsheet types itself: numbers as numbers, the times and the retention date as date
    cells (serial numbers with a dd-mm-yyyy [hh:mm] format), everything else as inline text
    as it is stored (no ``'`` in front: an inline string is never a formula, and the
    worksheet has no formula element at all). The header is bold, frozen above the rows and
    carries an autofilter over the whole table; each column has a width for its kind.
    Written a chunk of rows at a time. The rows' XML comes from COPY on PostgreSQL
    (:func:`copy_xml_chunks`, unless ``use_copy`` or the ``FORMS_EXPORT_COPY`` setting is
    False), else from :func:`xlsx_chunk` of :func:`row_chunks`: the same bytes.

    The worksheet comes before the workbook part in the zip: the workbook names the
    autofilter's range (``_xlnm._FilterDatabase``, as Excel writes it), which needs the row
    count. The zip entries are plain (not Zip64) deflate streams, which every spreadsheet
    opens; a worksheet over 4 GiB (tens of millions of rows) stops the download with an
    error instead.
    """
    if use_copy is None:
        use_copy = getattr(settings, "FORMS_EXPORT_COPY", True)
    columns = export_columns(queryset)
    pieces = copy_xml_chunks(queryset, columns) if use_copy else None
    if pieces is None:
        pieces = map(xlsx_chunk, row_chunks(queryset, columns, xlsx=True))
    title = _("Submissions")[:31]
    last_column = column_letters(len(columns))
    widths = "".join(
        f'<col min="{number}" max="{number}" width="{column_width(column)}" customWidth="1"/>'
        for number, column in enumerate(columns, 1)
    )
    rows = [1]  # the header's, then each chunk's

    def worksheet():
        yield (
            XML_HEAD + f'<worksheet xmlns="{MAIN_NS}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            "</sheetView></sheetViews>"
            f"<cols>{widths}</cols><sheetData>" + xlsx_header([column.label for column in columns])
        ).encode()
        for piece in pieces:
            if piece.__class__ is str:
                piece = piece.encode()
            rows.append(piece.count(b"<row>"))
            yield piece
        yield f'</sheetData><autoFilter ref="A1:{last_column}{sum(rows)}"/></worksheet>'.encode()

    def workbook():
        name = title.replace("'", "''")
        yield (
            XML_HEAD + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
            f'<sheet name="{xml_text(title).replace(chr(34), "&quot;")}" sheetId="1"'
            ' r:id="rId1"/></sheets><definedNames>'
            '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            + xml_text(f"'{name}'!$A$1:${last_column}${sum(rows)}")
            + "</definedName></definedNames></workbook>"
        ).encode()

    modified = timezone.localtime().replace(tzinfo=None)
    mode = stat.S_IFREG | 0o600
    files = [
        (name, modified, mode, ZIP_32, [(XML_HEAD + xml).encode()])
        for name, xml in XLSX_PARTS.items()
    ]
    files.append(("xl/worksheets/sheet1.xml", modified, mode, ZIP_32, worksheet()))
    files.append(("xl/workbook.xml", modified, mode, ZIP_32, workbook()))
    return stream_zip(
        files,
        chunk_size=ZIP_CHUNK_BYTES,
        get_compressobj=lambda: zlib.compressobj(XLSX_COMPRESS_LEVEL, zlib.DEFLATED, -15),
        extended_timestamps=False,
    )


def export_filename(export_format):
    """``henvendelser-<date>.csv``, ``…-excel.csv`` (semicolons) or ``….xlsx``."""
    name = f"henvendelser-{timezone.localdate():%Y-%m-%d}"
    return f"{name}-excel.csv" if export_format == CSV_EXCEL else f"{name}.{export_format}"


def bad_request(message):
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@require_GET
def export_view(request):
    require_any_site(request.user, EXPORT)
    export_format = request.GET.get("format", CSV)
    if export_format not in FORMATS:
        return bad_request(_("Unknown export format. Choose csv, csv-excel or xlsx."))
    filterset, queryset = filtered_submissions(request, EXPORT)
    if filterset.is_bound and not filterset.is_valid():
        # Never fall back to "everything" when the filter the user sees was not applied.
        return bad_request(_("The filter is not valid, so nothing was exported."))
    StaffAction.record_per_site(
        StaffAction.Action.EXPORT, queryset, user=request.user, detail=export_format
    )
    if export_format in CSV_DIALECTS:
        response = StreamingHttpResponse(
            csv_export_stream(queryset, dialect=CSV_DIALECTS[export_format]),
            content_type=CSV_CONTENT_TYPE,
        )
    else:
        response = StreamingHttpResponse(xlsx_stream(queryset), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(export_format)}"'
    add_never_cache_headers(response)
    return response
