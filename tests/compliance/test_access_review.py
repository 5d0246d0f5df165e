"""Access review (policy section 6): exactly who can do what on each site, and the sign-off."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from compliance import access_review
from compliance.access_review import (
    CAPABILITIES,
    CHANGE_SETTINGS,
    EDIT_POLICY,
    ERASE_SUBMISSIONS,
    EXPORT_SUBMISSIONS,
    LOG_ACTION,
    PUBLISH_POLICY,
    VIEW_SUBMISSIONS,
)
from compliance.models import AccessReview
from forms_app.models import FormSubmission
from tests.assertions import assert_permission_denied
from tests.factories import EL_STAFF, VVS_EDITORS, VVS_STAFF, UserFactory

pytestmark = pytest.mark.django_db

EL_EDITORS = "MIH El redaktører"
SUBMISSION_RIGHTS = [VIEW_SUBMISSIONS, EXPORT_SUBMISSIONS, ERASE_SUBMISSIONS]
SITE_RIGHTS = [EDIT_POLICY, PUBLISH_POLICY, CHANGE_SETTINGS]


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def people(sites):
    """Everyone the review must sort out, by username."""
    users = {
        "admin": UserFactory(username="admin", superuser=True, last_login=ago(1)),
        "vvs-kundeservice": UserFactory(
            username="vvs-kundeservice", groups=[VVS_STAFF], last_login=ago(2)
        ),
        "vvs-redaktor": UserFactory(
            username="vvs-redaktor", groups=[VVS_EDITORS], last_login=ago(100)
        ),
        "vvs-gammel": UserFactory(
            username="vvs-gammel", groups=[VVS_STAFF], is_active=False, last_login=ago(400)
        ),
        "el-kundeservice": UserFactory(
            username="el-kundeservice", groups=[EL_STAFF], last_login=ago(3)
        ),
        "el-redaktor": UserFactory(username="el-redaktor", groups=[EL_EDITORS], last_login=None),
        "ingen-adgang": UserFactory(username="ingen-adgang", last_login=ago(1)),
    }
    return users


def holders(site):
    report = access_review.site_access(site)
    return {capability.key: report.holders(capability) for capability in CAPABILITIES}


def expected(submissions, site_rights):
    return {
        **{capability.key: submissions for capability in SUBMISSION_RIGHTS},
        **{capability.key: site_rights for capability in SITE_RIGHTS},
    }


def test_the_report_lists_exactly_the_users_with_each_right_per_site(people, vvs_site, el_site):
    assert holders(vvs_site) == expected(
        {"admin", "vvs-kundeservice", "vvs-gammel"}, {"admin", "vvs-redaktor"}
    )
    assert holders(el_site) == expected({"admin", "el-kundeservice"}, {"admin", "el-redaktor"})


def test_each_right_says_how_it_is_held(people, vvs_site):
    rows = {row.username: row for row in access_review.site_access(vvs_site).rows}
    with translation.override("da"):
        superuser = str(translation.gettext("Superuser"))
        assert {rows["admin"].sources_text(c) for c in CAPABILITIES} == {superuser}
        staff = rows["vvs-kundeservice"]
        assert [staff.sources_text(c) for c in SUBMISSION_RIGHTS] == [VVS_STAFF] * 3
        assert not any(staff.holds(c) for c in SITE_RIGHTS)
        editor = rows["vvs-redaktor"]
        assert [editor.sources_text(c) for c in SITE_RIGHTS] == [VVS_EDITORS] * 3
        assert not any(editor.holds(c) for c in SUBMISSION_RIGHTS)
    # An inactive account is listed, as inactive, with what it would get back.
    assert rows["vvs-gammel"].is_active is False
    assert rows["vvs-gammel"].sources_text(VIEW_SUBMISSIONS) == VVS_STAFF


def test_a_global_permission_shows_on_every_site(people, vvs_site, el_site):
    """A group's or a user's own submission permission not tied to a site means every site."""
    view = Permission.objects.get(
        content_type=ContentType.objects.get_for_model(FormSubmission),
        codename="view_formsubmission",
    )
    auditors = Group.objects.create(name="Revisorer")
    auditors.permissions.add(view)
    UserFactory(username="revisor", groups=["Revisorer"], last_login=ago(1))
    own = UserFactory(username="udvikler", last_login=ago(1))
    own.user_permissions.add(view)
    for site in (vvs_site, el_site):
        report = access_review.site_access(site)
        rows = {row.username: row for row in report.rows}
        assert {"revisor", "udvikler"} <= report.holders(VIEW_SUBMISSIONS)
        assert not {"revisor", "udvikler"} & report.holders(EXPORT_SUBMISSIONS)
        with translation.override("da"):
            assert rows["revisor"].sources_text(VIEW_SUBMISSIONS) == str(
                translation.gettext("%(group)s (every site)") % {"group": "Revisorer"}
            )
            assert rows["udvikler"].sources_text(VIEW_SUBMISSIONS) == str(
                translation.gettext("Own permission (every site)")
            )


def test_idle_and_never_logged_in_accounts_are_flagged(people, vvs_site, el_site, settings):
    rows = {row.username: row for row in access_review.site_access(vvs_site).rows}
    assert (rows["vvs-redaktor"].idle, rows["vvs-redaktor"].flagged) == (True, True)
    assert rows["vvs-kundeservice"].flagged is False
    assert rows["admin"].flagged is False
    el_rows = {row.username: row for row in access_review.site_access(el_site).rows}
    assert el_rows["el-redaktor"].never_logged_in and el_rows["el-redaktor"].flagged
    # The limit is a setting: two days flags the one who logged in two days ago too.
    settings.ACCESS_REVIEW_IDLE_DAYS = 2
    rows = {row.username: row for row in access_review.site_access(vvs_site).rows}
    assert rows["vvs-kundeservice"].idle is True  # two days and a few milliseconds ago
    assert rows["admin"].idle is False  # a day ago


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def test_csv_export_has_the_sites_rows_and_neutralises_formulas(client, people, vvs_site):
    hostile = people["vvs-kundeservice"]
    hostile.first_name = '=HYPERLINK("https://example.com/x","klik")'
    hostile.last_name = ""
    hostile.save()
    UserFactory(username="+1-1", groups=[VVS_STAFF], last_login=ago(1))
    client.force_login(people["admin"])
    url = reverse("compliance_access_review_site", args=[vvs_site.pk])
    response = client.get(url, {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "adgangsgennemgang-mihvvs-" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert len(header) == 7 + len(CAPABILITIES)
    by_user = {row[1]: row for row in rows}
    assert set(by_user) == {"admin", "vvs-kundeservice", "vvs-gammel", "vvs-redaktor", "'+1-1"}
    assert {row[0] for row in rows} == {vvs_site.site_name}
    staff = by_user["vvs-kundeservice"]
    assert staff[2] == "'" + hostile.first_name
    assert staff[3] == "vvs-kundeservice@example.dk"
    assert staff[7:] == [VVS_STAFF, VVS_STAFF, VVS_STAFF, "", "", ""]
    editor = by_user["vvs-redaktor"]
    assert editor[7:] == ["", "", "", VVS_EDITORS, VVS_EDITORS, VVS_EDITORS]
    # Wagtail's XLSX has the same rows; text a spreadsheet would run is a text cell there.
    response = client.get(url, {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == {"admin", "vvs-kundeservice", "vvs-gammel", "vvs-redaktor", "+1-1"}
    name = cells["vvs-kundeservice"][2]
    assert (name.value, name.data_type) == (hostile.first_name, "s")
    with translation.override("da"):
        assert by_user["vvs-gammel"][4] == translation.gettext("No")
        assert by_user["vvs-redaktor"][6] == translation.gettext("Idle for %(days)s days") % {
            "days": 100
        }


def test_one_companys_users_never_appear_in_the_others_report(client, people, vvs_site, el_site):
    client.force_login(people["admin"])
    for site, own, other in (
        (vvs_site, ["vvs-kundeservice", "vvs-redaktor"], ["el-kundeservice", "el-redaktor"]),
        (el_site, ["el-kundeservice", "el-redaktor"], ["vvs-kundeservice", "vvs-redaktor"]),
    ):
        url = reverse("compliance_access_review_site", args=[site.pk])
        page = client.get(url).content.decode()
        exported = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode()
        for text in (page, exported):
            assert all(name in text for name in own)
            assert not any(name in text for name in other)
            assert "ingen-adgang" not in text


def test_the_index_lists_every_site_with_its_review_status(client, people, vvs_site, el_site):
    client.force_login(people["admin"])
    response = client.get(reverse("compliance_access_review"))
    assert response.status_code == 200
    content = response.content.decode()
    for site in (vvs_site, el_site):
        assert reverse("compliance_access_review_site", args=[site.pk]) in content
    # The Reports menu links to it.
    assert (
        reverse("compliance_access_review")
        in client.get(reverse("wagtailadmin_home")).content.decode()
    )


def sign_off(client, site, **data):
    url = reverse("compliance_access_review_site", args=[site.pk])
    return client.post(url, data)


def test_sign_off_is_stored_logged_and_shown(client, people, vvs_site):
    admin = people["admin"]
    client.force_login(admin)
    response = sign_off(client, vvs_site, confirmed="on", note="Fjernede en gammel konto.")
    assert response.status_code == 302
    review = AccessReview.objects.get()
    assert (review.site, review.reviewed_by, review.reviewer_name, review.note) == (
        vvs_site,
        admin,
        "admin",
        "Fjernede en gammel konto.",
    )
    assert timezone.now() - review.reviewed_at < timedelta(minutes=1)
    assert {finding["username"] for finding in review.findings} == {
        "admin",
        "vvs-kundeservice",
        "vvs-gammel",
        "vvs-redaktor",
    }
    entry = ModelLogEntry.objects.get(action=LOG_ACTION)
    assert (entry.user, entry.object_id, entry.data["site_id"]) == (
        admin,
        str(review.pk),
        vvs_site.pk,
    )
    assert "Fjernede" not in str(entry.data)  # the note stays out of the log
    # Wagtail's site history (Reports → Site history) shows it, with our action's label.
    history = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert entry.label in history
    # The report shows the sign-off and no longer calls the review due.
    report = access_review.site_access(vvs_site)
    assert report.last_review == review and report.review_due is False
    page = client.get(reverse("compliance_access_review_site", args=[vvs_site.pk])).content
    assert "Fjernede en gammel konto." in page.decode()


@pytest.mark.parametrize(
    "data",
    [{"note": "Ikke bekræftet"}, {"confirmed": "on", "note": "x" * 2001}],
    ids=["not-confirmed", "note-too-long"],
)
def test_bad_sign_off_stores_nothing(client, people, vvs_site, data):
    client.force_login(people["admin"])
    response = sign_off(client, vvs_site, **data)
    assert response.status_code == 200
    assert b"error-message" in response.content or b"w-field__errors" in response.content
    assert not AccessReview.objects.exists()
    assert not ModelLogEntry.objects.filter(action=LOG_ACTION).exists()


def test_the_review_is_due_after_a_year(people, vvs_site, el_site):
    assert access_review.site_access(vvs_site).review_due  # never reviewed
    review = access_review.sign_off(vvs_site, people["admin"], now=ago(366))
    report = access_review.site_access(vvs_site)
    assert report.last_review == review and report.review_due
    access_review.sign_off(vvs_site, people["admin"], now=ago(364))
    assert not access_review.site_access(vvs_site).review_due
    assert access_review.site_access(el_site).review_due  # a site's review is its own


@pytest.mark.parametrize("username", ["vvs-kundeservice", "vvs-redaktor", "el-kundeservice"])
def test_non_superusers_are_refused(client, people, vvs_site, username):
    client.force_login(people[username])
    assert_permission_denied(client.get(reverse("compliance_access_review")))
    url = reverse("compliance_access_review_site", args=[vvs_site.pk])
    assert_permission_denied(client.get(url))
    assert_permission_denied(client.get(url, {"export": "csv"}))
    assert_permission_denied(client.post(url, {"confirmed": "on"}))
    assert not AccessReview.objects.exists()
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("compliance_access_review") not in home
