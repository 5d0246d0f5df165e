"""Streaming CSV and XLSX export of the inbox's current filter.

An export is exactly what the inbox shows for the same filter, limited to the sites where the
user holds ``export_formsubmission``. Memory stays flat however many rows there are: rows are
read with ``.iterator(chunk_size=...)``, CSV is streamed as it is written, and XLSX is written
row by row (openpyxl's write-only mode) to a temporary file that is streamed back and deleted.

Wagtail's per-form export buttons lead here too (:mod:`.wagtail_views`), so every export has
the same columns, neutralisation, permission check and audit.

Every export is recorded in :class:`~forms_app.models.StaffAction` with its format and the
number of rows per site, never the filter values (a search term may be an email address).

Spreadsheet formula injection: any text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return gets a leading ``'``, so a spreadsheet shows it as text instead of running
it. So does a cell beginning with a look-alike some spreadsheets and import tools fold to those
(full-width ``＝ ＋ － ＠``, small-form ``﹦ ﹢ ﹣ ﹫``), or with invisible characters (zero-width
space, joiners, byte-order mark, direction marks) in front of any of them. That includes phone
numbers written as ``+45 12 34 56 78``: they appear as ``'+45 12 34 56 78``. Numbers stored as
numbers stay numbers.

The CSV is comma-separated UTF-8 with a byte-order mark. Excel set up for Danish expects
semicolons when a CSV is opened by double-click, so staff who use Excel should take the XLSX.
"""

import csv
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from uuid import UUID

from django.conf import settings
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..models import FormField, StaffAction, SubmissionPhoto, SubmissionStatus
from ..permissions import EXPORT, require_any_site
from .queries import filtered_submissions

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000  # rows per database round trip (and per photo prefetch)
CSV_ROWS_PER_CHUNK = 200  # rows joined into one piece of the streamed response
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
TIME_FORMAT = "%Y-%m-%d %H:%M"
NUMBER = re.compile(r"-?\d+(\.\d+)?")
PHOTO_KEY_PLACEHOLDER = UUID(int=0)

# The fixed columns, in order; the form's own fields follow them.
# The consent text and the retention reason are the same long sentences for every submission
# of a form; they stay on each submission's page and in the access report, not in the sheet.
FIXED_COLUMNS = [
    ("id", gettext_lazy("Id")),
    ("site", gettext_lazy("Site")),
    ("form", gettext_lazy("Form")),
    ("received", gettext_lazy("Received")),
    ("status", gettext_lazy("Status")),
    # Distinct from the forms' own "Navn"/"E-mail"/"Telefon" columns further right.
    ("name", gettext_lazy("Name (for search)")),
    ("email", gettext_lazy("Email (normalised)")),
    ("phone", gettext_lazy("Phone (normalised)")),
    ("consent_given_at", gettext_lazy("Consent given")),
    ("policy_version", gettext_lazy("Policy version")),
    ("retain_until", gettext_lazy("Keep until")),
    ("legal_hold", gettext_lazy("Legal hold")),
    ("photos", gettext_lazy("Photos")),
]

FIXED_KEYS = [key for key, _label in FIXED_COLUMNS]

# What the rows read: plain values, not model instances (a chunk of instances with their
# related page, site and prefetch caches weighs about four times as much).
ROW_FIELDS = [
    "id",
    "submit_time",
    "form_data",
    "page__title",
    "site__site_name",
    "site__hostname",
    "name",
    "email",
    "phone",
    "status",
    "consent_given_at",
    "policy_revision_id",
    "retain_until",
    "legal_hold",
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


def submission_rows(queryset):
    """``(values, photo keys)`` per submission, read CHUNK_SIZE at a time as plain values.

    One query per chunk for the photos. A chunk is let go before the next one is read, so
    at most one chunk is in memory.
    """
    rows = queryset.values(*ROW_FIELDS).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        photos = defaultdict(list)
        keys = SubmissionPhoto.objects.filter(submission_id__in=[row["id"] for row in chunk])
        for submission_id, key in keys.order_by("pk").values_list("submission_id", "key"):
            photos[submission_id].append(key)
        for row in chunk:
            yield row, photos.get(row["id"], ())
        chunk = photos = row = None


def iter_rows(queryset, columns):
    """Each submission in ``queryset`` as a list of cells matching ``columns``.

    Everything that needs a query or the active language is prepared before this returns,
    so the rows can be produced later (while a response streams) in a flat amount of memory.
    """
    versions = queryset.policy_versions()
    statuses = {value: str(label) for value, label in SubmissionStatus.choices}
    yes, no = _("Yes"), _("No")
    tz = timezone.get_default_timezone()
    fields = [column for column in columns if column.is_form_field]
    if [column.key for column in columns if not column.is_form_field] != FIXED_KEYS:
        raise ValueError("rows() builds the fixed cells in FIXED_COLUMNS order")
    # The photo URL once, split around its key, instead of a reverse() per photo.
    photo_url = reverse("henvendelser:photo", args=[PHOTO_KEY_PLACEHOLDER])
    before, after = photo_url.split(str(PHOTO_KEY_PLACEHOLDER))
    before = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + before
    submissions = submission_rows(queryset)

    def local(moment):
        return timezone.localtime(moment, tz).strftime(TIME_FORMAT) if moment else ""

    def form_value(value, field_type):
        if value is None:
            return ""
        if isinstance(value, bool):
            return yes if value else no
        if isinstance(value, int | float):
            return value
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        value = str(value)
        if field_type == "number" and NUMBER.fullmatch(value):
            return int(value) if value.lstrip("-").isdigit() else Decimal(value)
        return value

    form_fields = [(column.key, column.field_type) for column in fields]
    first_characters = FORMULA_FIRST_CHARACTERS

    def text(value):
        # neutralise() for values known to be text, without the isinstance check (hot loop):
        # one set lookup for almost every cell, starts_formula() only for the rare suspects.
        if value and value[0] in first_characters and starts_formula(value):
            return "'" + value
        return value

    def rows():
        # Runs once per submission: plain list building, no per-cell function dispatch where
        # the type is already known.
        for row, photos in submissions:
            # In FIXED_COLUMNS order. Only what people typed or named can start with a
            # formula character; dates, numbers, statuses and our URLs cannot.
            cells = [
                row["id"],
                text(row["site__site_name"] or row["site__hostname"]),
                text(row["page__title"]),
                local(row["submit_time"]),
                statuses.get(row["status"], row["status"]),
                text(row["name"]),
                text(row["email"]),
                text(row["phone"]),
                local(row["consent_given_at"]),
                versions.get(row["policy_revision_id"], ""),
                row["retain_until"].isoformat() if row["retain_until"] else "",
                yes if row["legal_hold"] else "",
                " ".join(f"{before}{key}{after}" for key in photos) if photos else "",
            ]
            data = row["form_data"] or {}
            for key, field_type in form_fields:
                value = data.get(key)
                if value.__class__ is str and field_type != "number":
                    cells.append(text(value))
                else:
                    cells.append(neutralise(form_value(value, field_type)))
            yield cells

    return rows()


class Echo:
    """A file-like object that hands back what ``csv.writer`` writes instead of keeping it."""

    def write(self, value):
        return value


def csv_stream(queryset):
    """The CSV file as a generator of text pieces: a BOM, the header, then the rows."""
    columns = export_columns(queryset)
    header = [neutralise(column.label) for column in columns]
    rows = iter_rows(queryset, columns)

    def stream():
        writer = csv.writer(Echo())
        yield "\ufeff" + writer.writerow(header)
        chunk = []
        for row in rows:
            chunk.append(writer.writerow(row))
            if len(chunk) >= CSV_ROWS_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)

    return stream()


def xlsx_cell(value):
    # Control characters are not allowed in the XML of a worksheet.
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def xlsx_file(queryset):
    """The workbook in an open temporary file positioned at its start; closing deletes it."""
    columns = export_columns(queryset)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Submissions")[:31])
    sheet.append([xlsx_cell(neutralise(column.label)) for column in columns])
    for row in iter_rows(queryset, columns):
        sheet.append([xlsx_cell(value) for value in row])
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    try:
        workbook.save(output)
        output.seek(0)
    except BaseException:
        output.close()
        raise
    return output


def export_filename(export_format):
    return f"henvendelser-{timezone.localdate():%Y-%m-%d}.{export_format}"


def bad_request(message):
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@require_GET
def export_view(request):
    require_any_site(request.user, EXPORT)
    export_format = request.GET.get("format", CSV)
    if export_format not in FORMATS:
        return bad_request(_("Unknown export format. Choose csv or xlsx."))
    filterset, queryset = filtered_submissions(request, EXPORT)
    if filterset.is_bound and not filterset.is_valid():
        # Never fall back to "everything" when the filter the user sees was not applied.
        return bad_request(_("The filter is not valid, so nothing was exported."))
    StaffAction.record_per_site(
        StaffAction.Action.EXPORT, queryset, user=request.user, detail=export_format
    )
    filename = export_filename(export_format)
    if export_format == CSV:
        response = StreamingHttpResponse(csv_stream(queryset), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(
            xlsx_file(queryset),
            as_attachment=True,
            filename=filename,
            content_type=XLSX_CONTENT_TYPE,
        )
    add_never_cache_headers(response)
    return response
