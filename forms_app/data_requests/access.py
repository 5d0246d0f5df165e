"""Access requests (GDPR art. 15, "indsigt"): everything stored about a person, as a ZIP.

Staff look a person up by email and/or phone (``FormSubmission.objects.for_person``), always
within :func:`forms_app.permissions.submissions_for`, so they only ever reach their own
company's submissions. The audit trail (``StaffAction``) records who did it, on which site and
how many submissions; never the email or phone that was searched for.

The report is in the person's language (:func:`report_language`): English when their most
recent submission was sent from the English site, Danish otherwise. Labels, dates, and the
titles of the form and policy pages (their translation, where there is one) follow it, and so
do the names of the ZIP and of the files in it.

Staff's internal notes (``SubmissionNote``) are personal data about the person and are in the
report with their date and text, unless staff marked a note as withheld under an exception
(``shown_to_person`` False). Who on staff wrote a note is the employee's personal data, not the
person's, so the report says "Note from staff" (GDPR art. 15(4): the copy must not adversely
affect the rights of others); the staff's internal note on a legal hold stays out as before.
"""

import json
import logging
import secrets
import shutil
import tempfile
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from wagtail.models import Locale

from home.models import CompanySettings

from ..models import LegalBasis, StaffAction
from ..permissions import VIEW, require_any_site
from .forms import bound_form, person_submissions

logger = logging.getLogger(__name__)

# The report goes to the data subject, in the language they used: Danish unless English.
DEFAULT_LANGUAGE = "da"
REPORT_LANGUAGES = ("da", "en")

# Per language: the ZIP's name prefix, the report's file name, the photo folder and the date
# formats ("26. november 2026" in Danish, "26 November 2026" in English).
NAMES = {
    "da": {"zip": "indsigt", "report": "rapport.html", "photos": "billeder"},
    "en": {"zip": "access", "report": "report.html", "photos": "photos"},
}
DATE_FORMATS = {
    "da": {"date": "j. F Y", "datetime": "j. F Y H:i", "seconds": "j. F Y H:i:s"},
    "en": {"date": "j F Y", "datetime": "j F Y H:i", "seconds": "j F Y H:i:s"},
}


def report_language(submissions):
    """The language of the person's most recent submission: "en" or "da" (the default)."""
    latest = submissions.order_by("-submit_time", "-pk").values_list(
        "consent_language", flat=True
    )[:1]
    code = (latest[0] if latest else "") or DEFAULT_LANGUAGE
    code = code.split("-")[0].lower()
    return code if code in REPORT_LANGUAGES else DEFAULT_LANGUAGE


def archive_name(language, now=None):
    """``indsigt-2026-11-26-143512-1a2b3c.zip`` (``access-…`` in English): never reused."""
    now = timezone.localtime(now)
    return f"{NAMES[language]['zip']}-{now:%Y-%m-%d-%H%M%S}-{secrets.token_hex(3)}.zip"


def access_request_view(request):
    require_any_site(request.user, VIEW)
    form = bound_form(request)
    not_found = False
    if request.method == "POST" and form.is_valid():
        submissions = person_submissions(request.user, VIEW, form)
        if submissions.exists():
            language = report_language(submissions)
            archive = build_access_archive(submissions, language=language)
            StaffAction.record_per_site(
                StaffAction.Action.ACCESS_REQUEST, submissions, user=request.user
            )
            response = FileResponse(
                archive,
                as_attachment=True,
                filename=archive_name(language),
                content_type="application/zip",
            )
            add_never_cache_headers(response)
            return response
        # A request that found nothing is answered too; the trail shows it was asked.
        StaffAction.record(StaffAction.Action.ACCESS_REQUEST, user=request.user, count=0)
        not_found = True
    return TemplateResponse(
        request,
        "forms_app/admin/access_request.html",
        {"form": form, "not_found": not_found},
    )


def purpose_of(submission):
    if submission.legal_basis == LegalBasis.PRE_CONTRACT:
        return _("To prepare the quote you asked for and to contact you about it.")
    return _("To answer your enquiry and to contact you about it.")


def photo_name(submission, number, photo, language=DEFAULT_LANGUAGE):
    return f"{NAMES[language]['photos']}/{submission.pk}/{number}.{photo.extension}"


def in_language(page, locale):
    """``page`` in ``locale`` where a translation exists (live or not), else ``page`` itself."""
    if page is None or locale is None or page.locale_id == locale.pk:
        return page
    return page.get_translation_or_none(locale) or page


def translated_fields(submission, form_page):
    """``submission.labelled_fields()`` with each field's label from ``form_page`` (the form
    in the report's language) where that page has the same field."""
    rows = submission.labelled_fields()
    if form_page.pk == submission.page_id:
        return rows
    fields = [f for f in submission.page.specific.get_form_fields() if f.field_type != "photos"]
    labels = {
        f.translation_key: f.label
        for f in form_page.specific.get_form_fields()
        if f.field_type != "photos"
    }
    # The first rows are the form's own fields, in its order; the extras follow.
    return [
        (labels.get(fields[index].translation_key, label) if index < len(fields) else label, value)
        for index, (label, value) in enumerate(rows)
    ]


def shown_notes(submission):
    """The notes the person sees: not those withheld under an exception (prefetched)."""
    return [note for note in submission.notes.all() if note.shown_to_person]


def add_photo(archive, name, photo):
    """Copy a stored photo into the archive; False if the file is gone from storage."""
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED  # JPEG, PNG and WebP are compressed already
    try:
        with (
            photo.file.storage.open(photo.file.name, "rb") as source,
            archive.open(info, "w") as target,
        ):
            shutil.copyfileobj(source, target)
    except OSError:
        logger.warning(
            "Photo %s of submission %s is missing from storage", photo.pk, photo.submission_id
        )
        return False
    return True


def local_iso(value):
    return timezone.localtime(value).isoformat() if value else None


def submission_record(submission, entry):
    """Everything stored about one submission, for ``data.json``."""
    company = entry["company"]
    return {
        "id": submission.pk,
        "company": company.company_name,
        "site": submission.site.site_name,
        "hostname": submission.site.hostname,
        "form": entry["form_title"],
        "submit_time": local_iso(submission.submit_time),
        "name": submission.name,
        "email": submission.email,
        "phone": submission.phone,
        "form_data": submission.form_data,
        "fields": [{"label": label, "value": value} for label, value in entry["fields"]],
        "photos": entry["photo_records"],
        # The notes' date and text; who on staff wrote them is the employee's data.
        "notes": [
            {"created_at": local_iso(note.created_at), "text": note.text}
            for note in entry["notes"]
        ],
        "legal_basis": submission.legal_basis,
        "legal_basis_text": str(submission.get_legal_basis_display()),
        "purpose": entry["purpose"],
        "consent_given_at": local_iso(submission.consent_given_at),
        "consent_text": submission.consent_text,
        "consent_language": submission.consent_language,
        "policy_page": entry["policy_title"],
        "policy_revision_id": submission.policy_revision_id,
        "policy_version": entry["policy_version"],
        "policy_published_at": local_iso(entry["policy_published_at"]),
        "form_revision_id": submission.form_revision_id,
        "status": submission.status,
        "status_text": str(submission.get_status_display()),
        "status_changed_at": local_iso(submission.status_changed_at),
        "retain_until": submission.retain_until.isoformat(),
        "retention_reason": submission.retention_reason,
        "legal_hold": submission.legal_hold,
        # What the person is told; staff's internal note (legal_hold_reason) stays out.
        "legal_hold_category": submission.legal_hold_category if submission.legal_hold else "",
        "legal_hold_category_text": (
            str(submission.get_legal_hold_category_display()) if submission.legal_hold else ""
        ),
        "legal_hold_explanation": str(submission.legal_hold_explanation()),
    }


def build_access_archive(submissions, language=None):
    """A temporary file holding the ZIP: ``rapport.html``, ``data.json`` and ``billeder/``
    (in English ``report.html``, ``data.json`` and ``photos/``).

    ``language`` is the report's language, by default :func:`report_language`.
    """
    language = language or report_language(submissions)
    submissions = (
        submissions.select_related("page", "site", "policy_page")
        .prefetch_related("photos", "notes")
        .order_by("submit_time", "pk")
    )
    locale = Locale.objects.filter(language_code=language).first()
    # Returned open: FileResponse streams it and closes it (the file vanishes on close).
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        with (
            translation.override(language),
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            companies, entries = {}, []
            for submission in submissions:
                if submission.site_id not in companies:
                    companies[submission.site_id] = CompanySettings.for_site(submission.site)
                version, published_at = submission.policy_publication()
                photo_records = []
                for number, photo in enumerate(submission.photos.all(), start=1):
                    name = photo_name(submission, number, photo, language)
                    stored = add_photo(archive, name, photo)
                    photo_records.append(
                        {
                            "file": name if stored else None,
                            "original_name": photo.original_name,
                            "content_type": photo.content_type,
                            "width": photo.width,
                            "height": photo.height,
                            "size": photo.size,
                        }
                    )
                form_page = in_language(submission.page, locale)
                policy_page = in_language(submission.policy_page, locale)
                entries.append(
                    {
                        "submission": submission,
                        "company": companies[submission.site_id],
                        "form_title": form_page.title,
                        "policy_title": policy_page.title if policy_page else None,
                        "fields": translated_fields(submission, form_page),
                        "notes": shown_notes(submission),
                        "purpose": purpose_of(submission),
                        "policy_version": version,
                        "policy_published_at": published_at,
                        "photo_records": photo_records,
                    }
                )
            generated_at = timezone.now()
            data = {
                "generated_at": local_iso(generated_at),
                "language": language,
                "submissions": [submission_record(e["submission"], e) for e in entries],
            }
            archive.writestr(
                "data.json",
                json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            )
            archive.writestr(
                NAMES[language]["report"],
                render_to_string(
                    "forms_app/admin/access_report.html",
                    {
                        "language": language,
                        "formats": DATE_FORMATS[language],
                        "photo_folder": NAMES[language]["photos"],
                        "entries": entries,
                        "companies": list(companies.values()),
                        "names": sorted({e["submission"].name for e in entries} - {""}),
                        "generated_at": generated_at,
                    },
                ),
            )
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle
