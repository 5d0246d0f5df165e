"""Who may reach what: every staff surface × every kind of user, for a VVS submission."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from forms_app.models import FormSubmission
from tests.assertions import assert_permission_denied, assert_sent_to_login
from tests.factories import (
    EL_STAFF,
    VVS_EDITORS,
    VVS_STAFF,
    FormSubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# "anonymous", or the name of the user fixture (tests/conftest.py) to log in as.
USERS = ["anonymous", "vvs_editor", "el_staff", "vvs_staff", "superuser"]
# Who gets the VVS submission's data on each surface.
ALLOWED = {
    "inbox": {"vvs_staff", "superuser"},
    "detail": {"vvs_staff", "superuser"},
    "photo": {"vvs_staff", "superuser"},
    "export_csv": {"vvs_staff", "superuser"},
    "export_xlsx": {"vvs_staff", "superuser"},
    "access": {"vvs_staff", "superuser"},
    "erasure": {"vvs_staff", "superuser"},
    # Wagtail's own list also needs edit permission on the form page (superuser only here).
    "wagtail_list": {"superuser"},
    "wagtail_export": {"superuser"},
}
# What each refused user gets, exactly. "login": a redirect to the admin login; "home": Wagtail's
# refusal for a logged-in user (a redirect to the dashboard with a message); 404: the surface
# does not even confirm the submission or photo exists; "empty": 200 with their own company's
# (empty) data, for staff of the other company, whose tools work on their own site.
DENIED = {
    "anonymous": dict.fromkeys(ALLOWED, "login") | {"photo": 404},
    "vvs_editor": dict.fromkeys(ALLOWED, "home") | {"detail": 404, "photo": 404},
    "el_staff": {
        **dict.fromkeys(["inbox", "export_csv", "export_xlsx", "access", "erasure"], "empty"),
        "detail": 404,
        "photo": 404,
        "wagtail_list": "home",
        "wagtail_export": "home",
    },
    "vvs_staff": {"wagtail_list": "home", "wagtail_export": "home"},
}


@pytest.fixture
def submission(quote_page):
    """Mette's quote to MIH VVS, with a photo."""
    return FormSubmissionFactory(page=quote_page, with_photo=True)


def login(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))


def visit(client, surface, submission):
    page_id, photo = submission.page_id, submission.photos.get()
    match surface:
        case "inbox":
            return client.get(reverse("henvendelser:inbox"))
        case "detail":
            return client.get(reverse("henvendelser:detail", args=[submission.pk]))
        case "photo":
            return client.get(reverse("henvendelser:photo", args=[photo.key]))
        case "export_csv" | "export_xlsx":
            fmt = surface.split("_")[1]
            return client.get(reverse("henvendelser:export"), {"format": fmt})
        case "access":
            return client.post(reverse("henvendelser:access_request"), {"email": submission.email})
        case "erasure":
            return client.post(
                reverse("henvendelser:erasure"), {"email": submission.email, "step": "preview"}
            )
        case "wagtail_list":
            return client.get(reverse("wagtailforms:list_submissions", args=[page_id]))
        case "wagtail_export":
            # Wagtail's per-form export leads to the inbox export of that form.
            url = reverse("wagtailforms:list_submissions", args=[page_id])
            response = client.get(url, {"export": "csv"})
            if response.status_code == 302 and response["Location"].startswith(
                reverse("henvendelser:export")
            ):
                return client.get(response["Location"])
            return response


def body(response):
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


def assert_refused(response, expected):
    if expected == "login":
        assert_sent_to_login(response)
    elif expected == "home":
        assert_permission_denied(response)
    elif expected == "empty":
        assert response.status_code == 200
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("surface", list(ALLOWED))
@pytest.mark.parametrize("who", USERS)
def test_permission_matrix(client, request, submission, who, surface):
    login(client, request, who)
    response = visit(client, surface, submission)
    content = body(response)
    if who in ALLOWED[surface]:
        assert response.status_code == 200, (who, surface, response.status_code)
        if surface == "photo":
            assert content == submission.photos.get().file.read()
        elif surface in ("export_xlsx", "access"):
            assert content[:2] == b"PK"  # a ZIP container (XLSX is one too)
        elif surface == "erasure":
            assert b"1 henvendelse slettes" in content
        else:
            assert b"Mette" in content
    else:
        assert_refused(response, DENIED[who][surface])
        # (The access and erasure forms echo the address the user typed, nothing more.)
        assert b"Mette" not in content and b"henvendelse slettes" not in content
        if content[:2] == b"PK":
            # El staff may export, but their own (empty) site: a header row and nothing else.
            assert (who, surface) == ("el_staff", "export_xlsx")
            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            assert sheet.max_row == 1
    # Nothing any of these requests does may delete the submission.
    assert FormSubmission.objects.filter(pk=submission.pk).exists()


def test_no_group_holds_a_global_submission_permission(sites):
    """A global submission permission means every site (forms_app/permissions.py), so the
    groups that setup_sites makes hold theirs per site only."""
    assert Group.objects.filter(name__in=[VVS_EDITORS, EL_STAFF, VVS_STAFF]).count() == 3
    assert not Permission.objects.filter(
        content_type__app_label="forms_app", group__isnull=False
    ).exists()


def test_a_global_permission_means_every_site(client, submission):
    """As Wagtail's SitePermissionPolicy treats site settings: documented, and proven here."""
    user = UserFactory(username="auditor")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(
            content_type__app_label="forms_app", codename="view_formsubmission"
        ),
    )
    client.force_login(user)
    assert b"Mette" in client.get(reverse("henvendelser:inbox")).content
