"""Store a validated submission atomically: row, photo rows and files, or nothing at all.

Called from ``FormPage.process_form_submission`` (Wagtail's override point). The consent
proof comes from :mod:`.consent`, the retention date from :mod:`forms_app.retention`; the
notification mail is queued for the worker in the same transaction (:mod:`.notifications`), so
a stored submission always has its mail queued and a rolled-back one has none.
"""

import logging
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ..models import FormSubmission, SubmissionPhoto
from ..normalise import normalise_email, normalise_phone
from ..retention import SubmissionStatus, retention_for
from ..storage import private_storage
from .consent import proof_fields
from .forms import NAME_FIELD_NAMES, RESERVED_FIELD_NAMES
from .notifications import queue_notifications

logger = logging.getLogger(__name__)


def identity(page, cleaned_data):
    """``(name, email, phone)`` from the editor's fields, normalised for lookups."""
    name = email = phone = ""
    for field in page.get_form_fields():
        value = cleaned_data.get(field.clean_name) or ""
        if field.field_type == "email" and not email:
            email = normalise_email(value)
        elif field.field_type == "tel" and not phone:
            phone = normalise_phone(value)
        elif field.clean_name in NAME_FIELD_NAMES and not name:
            name = str(value).strip()[:255]
    return name, email, phone


def store_submission(page, form):
    """The submission of a valid ``form`` to ``page``; its photos' files are written too, and
    removed again if the transaction fails."""
    cleaned = form.cleaned_data
    photo_fields = form.photo_field_names()
    form_data = {
        key: value
        for key, value in cleaned.items()
        if key not in photo_fields and key not in RESERVED_FIELD_NAMES
    }
    photos = [(name, photo) for name in photo_fields for photo in cleaned.get(name) or []]
    site = page.get_site()
    now = timezone.now()
    # What the visitor was shown, which the valid form confirmed is still what is live.
    proof = proof_fields(page, now, policy=form.policy, shown=form.shown)
    retain_until, retention_reason = retention_for(
        page, SubmissionStatus.NEW, received=now, changed=now
    )
    name, email, phone = identity(page, cleaned)

    storage = private_storage()
    written = []
    try:
        with transaction.atomic():
            submission = FormSubmission.objects.create(
                page=page,
                site=site,
                form_data=form_data,
                name=name,
                email=email,
                phone=phone,
                **proof,
                status=SubmissionStatus.NEW,
                status_changed_at=now,
                retain_until=retain_until,
                retention_reason=retention_reason,
                has_photos=bool(photos),
            )
            # Task rows, not mail: the worker sends it once this transaction has committed.
            queue_notifications(page, submission)
            for field_name, photo in photos:
                record = SubmissionPhoto(
                    submission=submission,
                    field_name=field_name,
                    original_name=photo.original_name,
                    content_type=photo.content_type,
                    size=photo.size,
                    width=photo.width,
                    height=photo.height,
                    key=uuid.uuid4(),
                )
                record.file.save(
                    f"photo.{photo.extension}", ContentFile(photo.content), save=False
                )
                written.append(record.file.name)
                record.save()
    except BaseException:
        # The rows rolled back; the files are not part of the transaction, so remove them.
        for name in written:
            try:
                storage.delete(name)
            except Exception:  # noqa: BLE001 - keep the original error
                logger.error("Could not remove orphaned photo file after a failed submission")
        raise

    return submission
