"""Who may see a photo: staff of the submission's own company, through this view only.

Photos live in private storage with no URL (:mod:`forms_app.storage`); this view is the only
way to them. It answers 404 to everyone else, logged in or not, so a response never even
confirms that a photo exists (it is mounted ahead of Wagtail's admin login redirect).
"""

import io
import logging

from django.core.files.base import ContentFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from PIL import Image

from ..models import SubmissionPhoto
from ..permissions import VIEW, user_can
from ..storage import thumbnail_name

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = 400


def _make_thumbnail(handle):
    with Image.open(handle) as image:
        # A stored JPEG decodes at 1/8 scale for a preview (draft), never at full size.
        image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def thumbnail(photo):
    """The photo's small JPEG preview: made once, then kept in the private storage next to it
    (``thumbnail_name``), so the inbox does not decode a full photo on every view."""
    storage, name = photo.file.storage, thumbnail_name(photo.file.name)
    if storage.exists(name):
        with storage.open(name, "rb") as cached:
            return cached.read()
    with photo.file.open("rb") as handle:
        content = _make_thumbnail(handle)
    saved = storage.save(name, ContentFile(content))
    if saved != name:
        # Another request stored the same preview first; keep no second copy.
        storage.delete(saved)
    return content


@require_GET
def submission_photo(request, key):
    """A stored photo (``?size=thumb``: a small JPEG preview for the inbox), or 404."""
    photo = get_object_or_404(SubmissionPhoto.objects.select_related("submission__site"), key=key)
    if not user_can(request.user, VIEW, photo.submission.site):
        raise Http404
    try:
        if request.GET.get("size") == "thumb":
            response = HttpResponse(thumbnail(photo), content_type="image/jpeg")
        else:
            response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
            filename = f"foto-{photo.pk}.{photo.extension}"
            response["Content-Disposition"] = f'inline; filename="{filename}"'
    except OSError as error:
        logger.error("The file of photo %s cannot be opened: %s", photo.pk, type(error).__name__)
        raise Http404 from error
    # Personal data: never kept by a browser or proxy cache ("private, no-store").
    add_never_cache_headers(response)
    return response
