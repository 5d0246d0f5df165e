"""Store a validated submission atomically: row, photo rows and files, or nothing at all."""

import logging
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .forms import PhotosField, policy_for
from .models import (
    CONSENT_FIELD,
    HONEYPOT_FIELD,
    NAME_FIELD_NAMES,
    FormSubmission,
    SubmissionPhoto,
    SubmissionStatus,
    retention_for,
)
from .normalise import normalise_email, normalise_phone
from .notifications import send_notifications
from .storage import private_storage

logger = logging.getLogger(__name__)


def consent_text_shown(page, policy):
    """The consent label exactly as the form shows it, with the policy it links to."""
    text = page.consent_text.strip()
    if policy is not None:
        text = f"{text} [{policy.title}: {policy.full_url}]"
    return text


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
    cleaned = form.cleaned_data
    photo_fields = [name for name, field in form.fields.items() if isinstance(field, PhotosField)]
    form_data = {
        key: value
        for key, value in cleaned.items()
        if key not in photo_fields and key not in (CONSENT_FIELD, HONEYPOT_FIELD)
    }
    photos = [(name, photo) for name in photo_fields for photo in cleaned.get(name) or []]
    site = page.get_site()
    now = timezone.now()
    # The policy (in the language the form was shown in) and its live revision, read from the
    # database now: that is what the visitor saw.
    policy = policy_for(page)
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
                consent_given_at=now,
                consent_text=consent_text_shown(page, policy),
                consent_language=page.locale.language_code,
                legal_basis=page.legal_basis,
                policy_page=policy,
                policy_revision_id=policy.live_revision_id if policy else None,
                form_revision_id=page.live_revision_id,
                status=SubmissionStatus.NEW,
                status_changed_at=now,
                retain_until=retain_until,
                retention_reason=retention_reason,
            )
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

    transaction.on_commit(lambda: send_notifications(submission))
    return submission
