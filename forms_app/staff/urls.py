"""Every staff URL, under /admin/henvendelser/, in one namespace ("henvendelser").

``cms/urls.py`` mounts this ahead of Wagtail's admin URLs. The admin views are wrapped here
with Wagtail's own ``require_admin_access`` (login, admin access, the user's admin language)
and ``never_cache``, as Wagtail wraps its admin URLs. The photo view is not: it answers 404 to
anyone who may not see the photo, logged in or not, and sets its own no-cache headers
(:mod:`.photos`).
"""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.utils.urlpatterns import decorate_urlpatterns

from ..data_requests import access, erasure
from . import export, inbox, mail_failures, notes, photos

app_name = "henvendelser"

admin_urlpatterns = [
    path("", inbox.InboxView.as_view(), name="inbox"),
    path("resultater/", inbox.InboxView.as_view(results_only=True), name="inbox_results"),
    path("<int:pk>/", inbox.detail, name="detail"),
    path("<int:pk>/status/", inbox.change_status, name="status"),
    path("<int:pk>/tilbageholdelse/", inbox.legal_hold, name="legal_hold"),
    path("<int:pk>/politik/", inbox.policy_as_it_was, name="policy"),
    path("<int:pk>/noter/", notes.add_note, name="add_note"),
    path("<int:pk>/noter/<int:note_pk>/slet/", notes.delete_note, name="delete_note"),
    path("<int:pk>/sagsbehandler/", notes.assign, name="assign"),
    path("eksport/", export.export_view, name="export"),
    path("indsigt/", access.access_request_view, name="access_request"),
    path("sletning/", erasure.erasure_view, name="erasure"),
    path("mail-ikke-sendt/", mail_failures.unsent_mail_view, name="unsent_mail"),
    path("mail-ikke-sendt/<uuid:row_id>/send-igen/", mail_failures.resend, name="resend_mail"),
]
decorate_urlpatterns(admin_urlpatterns, require_admin_access)
decorate_urlpatterns(admin_urlpatterns, never_cache)

urlpatterns = [
    *admin_urlpatterns,
    path("foto/<uuid:key>/", photos.submission_photo, name="photo"),
]
