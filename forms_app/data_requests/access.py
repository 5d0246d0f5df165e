"""Access requests (GDPR art. 15, "indsigt"): everything stored about a person, as a ZIP.

Staff look a person up by email and/or phone (``FormSubmission.objects.for_person``), always
within :func:`forms_app.permissions.submissions_for`, so they only ever reach their own
company's submissions. The audit trail (``StaffAction``) records who did it, on which site and
how many submissions; never the email or phone that was searched for.
"""

import json
import logging
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

from home.models import CompanySettings

from ..models import LegalBasis, StaffAction
from ..permissions import VIEW, require_any_site
from .forms import bound_form, person_submissions

logger = logging.getLogger(__name__)

# The report goes to the data subject, who was served the Danish site.
REPORT_LANGUAGE = "da"


def access_request_view(request):
    require_any_site(request.user, VIEW)
    form = bound_form(request)
    not_found = False
    if request.method == "POST" and form.is_valid():
        submissions = person_submissions(request.user, VIEW, form)
        if submissions.exists():
            archive = build_access_archive(submissions)
            StaffAction.record_per_site(
                StaffAction.Action.ACCESS_REQUEST, submissions, user=request.user
            )
            response = FileResponse(
                archive,
                as_attachment=True,
                filename=f"indsigt-{timezone.localdate().isoformat()}.zip",
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


def photo_name(submission, number, photo):
    return f"billeder/{submission.pk}/{number}.{photo.extension}"


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
        "form": submission.page.title,
        "submit_time": local_iso(submission.submit_time),
        "name": submission.name,
        "email": submission.email,
        "phone": submission.phone,
        "form_data": submission.form_data,
        "fields": [{"label": label, "value": value} for label, value in entry["fields"]],
        "photos": entry["photo_records"],
        "legal_basis": submission.legal_basis,
        "legal_basis_text": str(submission.get_legal_basis_display()),
        "purpose": entry["purpose"],
        "consent_given_at": local_iso(submission.consent_given_at),
        "consent_text": submission.consent_text,
        "consent_language": submission.consent_language,
        "policy_page": submission.policy_page.title if submission.policy_page else None,
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


def build_access_archive(submissions):
    """A temporary file holding the ZIP: ``rapport.html``, ``data.json`` and ``billeder/``."""
    submissions = (
        submissions.select_related("page", "site", "policy_page")
        .prefetch_related("photos")
        .order_by("submit_time", "pk")
    )
    # Returned open: FileResponse streams it and closes it (the file vanishes on close).
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        with (
            translation.override(REPORT_LANGUAGE),
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            companies, entries = {}, []
            for submission in submissions:
                if submission.site_id not in companies:
                    companies[submission.site_id] = CompanySettings.for_site(submission.site)
                version, published_at = submission.policy_publication()
                photo_records = []
                for number, photo in enumerate(submission.photos.all(), start=1):
                    name = photo_name(submission, number, photo)
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
                entries.append(
                    {
                        "submission": submission,
                        "company": companies[submission.site_id],
                        "fields": submission.labelled_fields(),
                        "purpose": purpose_of(submission),
                        "policy_version": version,
                        "policy_published_at": published_at,
                        "photo_records": photo_records,
                    }
                )
            generated_at = timezone.now()
            data = {
                "generated_at": local_iso(generated_at),
                "submissions": [submission_record(e["submission"], e) for e in entries],
            }
            archive.writestr(
                "data.json",
                json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            )
            archive.writestr(
                "rapport.html",
                render_to_string(
                    "forms_app/admin/access_report.html",
                    {
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
