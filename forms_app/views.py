"""Serving form pages to visitors, and photos to staff who may see them."""

import io
import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from PIL import Image
from wagtail.admin.auth import require_admin_access
from wagtail.contrib.forms.views import DeleteSubmissionsView
from wagtail.models import Page

from home.models import CompanySettings

from .forms import policy_link
from .models import StaffAction, SubmissionPhoto
from .permissions import DELETE, VIEW, user_can
from .ratelimit import is_rate_limited

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = 400


def thank_you_url(page, request):
    route = "thank_you_en" if page.locale.language_code == "en" else "thank_you_view"
    return page.get_url(request=request) + page.reverse_subpage(route)


def serve_form_page(page, request):
    """GET shows the form; POST validates fully, stores atomically, then redirects.

    Redirecting to the thank-you page (post/redirect/get) means a reload never sends twice.
    """
    if request.method == "POST":
        if is_rate_limited(request, scope=f"form:{page.get_site().pk}"):
            context = page.get_context(request)
            context["company"] = CompanySettings.for_request(request)
            response = TemplateResponse(
                request, "forms_app/rate_limited.html", context, status=429
            )
            response["Retry-After"] = "600"
            return response
        form = page.get_form(request.POST, request.FILES, page=page, user=request.user)
        if form.is_spam:
            logger.info("Dropped a honeypot submission on form page %s", page.pk)
            return redirect(thank_you_url(page, request))
        if form.is_valid():
            page.process_form_submission(form)
            return redirect(thank_you_url(page, request))
    else:
        form = page.get_form(page=page, user=request.user)

    context = page.get_context(request)
    context["form"] = form
    context["policy_link"] = policy_link(page, request)
    return TemplateResponse(request, page.get_template(request), context)


@require_GET
def submission_photo(request, key):
    """A stored photo, for staff of the submission's own company; 404 for everyone else.

    404 rather than 403, so the response does not even confirm that the photo exists.
    """
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
        response["Cache-Control"] = "private, no-store"
        return response
    response = FileResponse(handle, content_type=photo.content_type)
    extension = photo.file.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="foto-{photo.pk}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_admin_access
def guarded_delete_submissions(request, page_id):
    """Wagtail's own "delete submissions", allowed only with the delete permission on the site.

    Wagtail checks edit permission on the form page; deleting what visitors sent is a
    customer-service decision, so we also require ``delete_formsubmission`` for the site.
    """
    page = get_object_or_404(Page, pk=page_id).specific
    site = page.get_site()
    if not user_can(request.user, DELETE, site):
        raise PermissionDenied
    selected = page.get_submissions().filter(pk__in=request.GET.getlist("selected-submissions"))
    if selected.filter(legal_hold=True).exists():
        messages.error(
            request,
            _("Some of the chosen submissions are on legal hold and cannot be deleted."),
        )
        return redirect("wagtailforms:list_submissions", page_id)
    count = selected.count()
    response = DeleteSubmissionsView.as_view()(request, page_id=page_id)
    if request.method == "POST" and response.status_code == 302 and count:
        StaffAction.record(
            StaffAction.Action.ERASURE, user=request.user, site=site, count=count, detail="admin"
        )
    return response
