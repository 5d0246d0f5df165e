"""Staff URLs under /admin/henvendelser/, wrapped by Wagtail's admin login check."""

from django.urls import path

from . import data_requests, export, inbox

app_name = "henvendelser"
urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("<int:pk>/", inbox.detail, name="detail"),
    path("<int:pk>/status/", inbox.change_status, name="status"),
    path("<int:pk>/tilbageholdelse/", inbox.legal_hold, name="legal_hold"),
    path("<int:pk>/politik/", inbox.policy_as_it_was, name="policy"),
    path("eksport/", export.export_view, name="export"),
    path("indsigt/", data_requests.access_request_view, name="access_request"),
    path("sletning/", data_requests.erasure_view, name="erasure"),
]
