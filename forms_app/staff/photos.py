"""Who may see a photo: staff of the submission's own company, through this view only.

Photos live in private storage with no URL (:mod:`forms_app.storage`); this view is the only
way to them. It answers 404 to everyone else, logged in or not, so a response never even
confirms that a photo exists (it is mounted ahead of Wagtail's admin login redirect).
"""

import io
import logging

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET
from PIL import Image

from ..models import SubmissionPhoto
from ..permissions import VIEW, user_can

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = 400


@require_GET
def submission_photo(request, key):
    """A stored photo (``?size=thumb``: a small JPEG preview for the inbox), or 404."""
    photo = get_object_or_404(SubmissionPhoto.objects.select_related("submission__site"), key=key)
    if not user_can(request.user, VIEW, photo.submission.site):
        raise Http404
    try:
        handle = photo.file.open("rb")
    except OSError as error:
        logger.error("The file of photo %s cannot be opened: %s", photo.pk, type(error).__name__)
        raise Http404 from error
    if request.GET.get("size") == "thumb":
        # The inbox shows small previews; a phone photo can be several megabytes.
        with handle, Image.open(handle) as image:
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=80)
        response = HttpResponse(buffer.getvalue(), content_type="image/jpeg")
    else:
        response = FileResponse(handle, content_type=photo.content_type)
        filename = f"foto-{photo.pk}.{photo.extension}"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Personal data: never kept by a browser or proxy cache ("private, no-store").
    add_never_cache_headers(response)
    return response
