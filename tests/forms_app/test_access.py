"""Who may see a stored quote: the photo view and Wagtail's own submissions admin."""

import csv
import io
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import GroupPagePermission

from forms_app.models import FormPage, FormSubmission, StaffAction
from tests.assertions import assert_permission_denied
from tests.factories import (
    EL_STAFF,
    VVS_STAFF,
    FormSubmissionFactory,
    SubmissionPhotoFactory,
)
from tests.forms_app.conftest import private_files

pytestmark = pytest.mark.django_db


def grant_page_change(group_name, site):
    GroupPagePermission.objects.get_or_create(
        group=Group.objects.get(name=group_name),
        page=site.root_page,
        permission=Permission.objects.get(
            content_type__app_label="wagtailcore", codename="change_page"
        ),
    )


@pytest.fixture
def photo(quote_page):
    """The photo of Mette's quote to MIH VVS, in the private storage."""
    return SubmissionPhotoFactory(submission=FormSubmissionFactory(page=quote_page))


@pytest.fixture
def photo_url(photo):
    return reverse("henvendelser:photo", args=[photo.key])


class TestPhotoView:
    def test_url_is_under_the_admin_prefix(self, photo, photo_url):
        assert photo_url == f"/admin/henvendelser/foto/{photo.key}/"

    def test_anonymous_gets_404(self, client, photo_url):
        assert client.get(photo_url).status_code == 404

    def test_other_company_staff_gets_404(self, client, photo_url, el_staff):
        client.force_login(el_staff)
        assert client.get(photo_url).status_code == 404

    def test_editor_without_submission_permission_gets_404(self, client, photo_url, vvs_editor):
        client.force_login(vvs_editor)
        assert client.get(photo_url).status_code == 404

    def test_own_company_staff_gets_the_stored_file(self, client, photo, photo_url, vvs_staff):
        client.force_login(vvs_staff)
        response = client.get(photo_url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "no-store" in response["Cache-Control"]
        body = b"".join(response.streaming_content)
        [stored] = private_files()
        assert body == stored.read_bytes()
        with photo.file.open("rb") as handle:
            assert body == handle.read()

    def test_superuser_gets_the_file(self, client, photo_url, superuser):
        client.force_login(superuser)
        response = client.get(photo_url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content)  # reading it closes the file

    def test_unknown_key_is_404_even_for_staff(self, client, photo, vvs_staff):
        client.force_login(vvs_staff)
        url = reverse("henvendelser:photo", args=[uuid.uuid4()])
        assert client.get(url).status_code == 404

    @pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "vvs-staff"])
    def test_storage_path_under_media_url_is_404(self, client, photo, vvs_staff, logged_in):
        if logged_in:
            client.force_login(vvs_staff)
        assert photo.file.name.startswith("submissions/")
        assert client.get(f"/media/{photo.file.name}").status_code == 404

    def test_storage_path_under_admin_prefix_is_404_for_staff(self, client, photo, vvs_staff):
        client.force_login(vvs_staff)
        response = client.get(f"/admin/henvendelser/{photo.file.name}", follow=True)
        assert response.status_code == 404
        assert not response["Content-Type"].startswith("image/")

    def test_storage_path_under_admin_prefix_tells_strangers_nothing(self, client, photo):
        """Wagtail's admin catch-all (``admin/.*/$``) sends anonymous users to the login page.

        That is a login redirect, not a 404, but it is the same for any made-up path, so it
        neither serves the file nor confirms that it exists.
        """
        real = client.get(f"/admin/henvendelser/{photo.file.name}", follow=True)
        made_up = client.get(
            f"/admin/henvendelser/submissions/2000/01/{uuid.uuid4().hex}.jpg", follow=True
        )
        assert real.status_code == made_up.status_code
        assert [status for _url, status in real.redirect_chain] == [
            status for _url, status in made_up.redirect_chain
        ]
        assert real.redirect_chain[-1][0].startswith(reverse("wagtailadmin_login"))
        assert not real["Content-Type"].startswith("image/")
        assert "Mette" not in real.content.decode()

    def test_post_is_not_allowed(self, client, photo_url, vvs_staff):
        client.force_login(vvs_staff)
        assert client.post(photo_url).status_code == 405


class TestWagtailSubmissionsAdmin:
    """Wagtail's forms admin, narrowed by the ``filter_form_submissions_for_user`` hook."""

    def list_url(self, page):
        return reverse("wagtailforms:list_submissions", args=[page.pk])

    def test_superuser_sees_the_proof_columns(self, client, photo, quote_page, superuser):
        client.force_login(superuser)
        response = client.get(self.list_url(quote_page))
        assert response.status_code == 200
        html = response.content.decode()
        # The admin follows LANGUAGE_CODE "da": the headings from FormPage.get_data_fields.
        for heading in ("Samtykke givet", "Gemmes indtil", "Politikversion", "Status"):
            assert heading in html
        assert "Mette Hansen" in html
        # Photos are a count ("Billeder"), not a column of empty values under the field's label.
        assert "Billeder af installationen" not in html

    def test_superuser_csv_export_is_the_inbox_export_of_that_form(
        self, client, photo, quote_page, contact_page, superuser
    ):
        """One export pipeline: Wagtail's per-form export leads to the inbox export filtered
        by the form, so both give the same columns, neutralisation and audit."""
        FormSubmissionFactory(page=contact_page, answers={"navn": "Ib", "e_mail": "ib@example.dk"})
        client.force_login(superuser)
        response = client.get(self.list_url(quote_page), {"export": "csv"})
        assert response.status_code == 302
        assert response["Location"] == (
            reverse("henvendelser:export") + f"?page={quote_page.pk}&format=csv"
        )
        response = client.get(response["Location"])
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        text = b"".join(response.streaming_content).decode("utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        assert "Gemmes indtil" in rows[0] and "Samtykke givet" in rows[0]
        submission = FormSubmission.objects.get(page=quote_page)
        assert "Mette Hansen" in text and "Ib" not in [row[5] for row in rows]
        assert submission.retain_until.isoformat() in text
        assert len(rows) == 2  # the header and the quote, not the contact message
        assert StaffAction.objects.get(action="export").count == 1

    def assert_no_submissions(self, client, page):
        """Wagtail's forms index opens but does not offer the page; its list and export are
        refused."""
        index = client.get(reverse("wagtailforms:index"))
        assert index.status_code == 200
        assert self.list_url(page) not in index.content.decode()
        assert_permission_denied(client.get(self.list_url(page)))
        assert_permission_denied(client.get(self.list_url(page), {"export": "csv"}))

    def test_editor_without_submission_permission_sees_nothing(
        self, client, photo, quote_page, vvs_editor
    ):
        client.force_login(vvs_editor)
        # The editor may edit the form page itself ...
        edit_url = reverse("wagtailadmin_pages:edit", args=[quote_page.pk])
        assert client.get(edit_url).status_code == 200
        assert quote_page.permissions_for_user(vvs_editor).can_edit()
        # ... but Wagtail's forms index does not offer its submissions,
        # and the forms index, the submissions list and its export are all closed.
        self.assert_no_submissions(client, quote_page)

    def test_staff_without_page_permission_is_refused(self, client, photo, quote_page, vvs_staff):
        """Wagtail only lists forms a user may edit; submission permission alone is not enough."""
        client.force_login(vvs_staff)
        assert_permission_denied(client.get(self.list_url(quote_page)))

    def test_staff_with_page_change_permission_sees_own_site(
        self, client, photo, quote_page, vvs_site, el_site, vvs_staff
    ):
        grant_page_change(VVS_STAFF, vvs_site)
        client.force_login(vvs_staff)
        index = client.get(reverse("wagtailforms:index"))
        assert index.status_code == 200
        assert self.list_url(quote_page) in index.content.decode()
        response = client.get(self.list_url(quote_page))
        assert response.status_code == 200
        assert "Mette Hansen" in response.content.decode()
        # The El site's form pages are not theirs (no page permission, no submission
        # permission), so those lists stay closed.
        el_quote = FormPage.objects.descendant_of(el_site.root_page).get(slug="tilbud")
        assert_permission_denied(client.get(self.list_url(el_quote)))

    def test_other_company_staff_with_page_change_on_vvs_is_refused(
        self, client, photo, quote_page, vvs_site, el_staff
    ):
        grant_page_change(EL_STAFF, vvs_site)
        client.force_login(el_staff)
        assert quote_page.permissions_for_user(el_staff).can_edit()
        self.assert_no_submissions(client, quote_page)


class TestPagesWithSubmissions:
    """Deleting pages never deletes what visitors sent, and never ends in a server error."""

    @pytest.mark.parametrize("slug", ["tilbud", "persondatapolitik"])
    def test_form_and_policy_pages_are_kept(self, client, photo, superuser, vvs_site, slug):
        from wagtail.models import Page

        page = Page.objects.descendant_of(vvs_site.root_page).get(slug=slug)
        client.force_login(superuser)
        response = client.post(f"/admin/pages/{page.pk}/delete/")
        assert response.status_code == 302
        assert Page.objects.filter(pk=page.pk).exists()
        assert FormSubmission.objects.count() == 1 and private_files()
        assert "kan ikke slettes" in client.get(response["Location"]).content.decode()

    def test_pages_without_submissions_can_go(self, client, superuser, vvs_site):
        from wagtail.models import Page

        page = Page.objects.descendant_of(vvs_site.root_page).get(slug="om-os")
        client.force_login(superuser)
        client.post(f"/admin/pages/{page.pk}/delete/")
        assert not Page.objects.filter(pk=page.pk).exists()


class TestWagtailsOwnExport:
    def test_formula_cells_neutralised_and_audited(
        self, client, superuser, quote_page, django_assert_max_num_queries
    ):
        for n in range(5):
            FormSubmissionFactory(page=quote_page, answers={"navn": f'=HYPERLINK("x","{n}")'})
        client.force_login(superuser)
        url = reverse("wagtailforms:list_submissions", args=[quote_page.pk])
        with django_assert_max_num_queries(40):
            response = client.get(url, {"export": "csv"}, follow=True)
            content = b"".join(response.streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))
        names = [row["Navn"] for row in rows]
        assert len(names) == 5 and all(name.startswith("'=HYPERLINK") for name in names)
        entry = StaffAction.objects.get(action="export")
        assert (entry.count, entry.detail) == (5, "csv")

    def test_export_buttons_only_for_staff_who_may_export(
        self, client, photo, quote_page, vvs_site, vvs_staff
    ):
        grant_page_change(VVS_STAFF, vvs_site)
        client.force_login(vvs_staff)
        url = reverse("wagtailforms:list_submissions", args=[quote_page.pk])
        export = reverse("henvendelser:export") + f"?page={quote_page.pk}&amp;format=xlsx"
        assert export in client.get(url).content.decode()
        Group.objects.get(name=VVS_STAFF).site_permissions.filter(
            permission__codename="export_formsubmission"
        ).delete()
        client.force_login(get_user_model().objects.get(pk=vvs_staff.pk))
        assert reverse("henvendelser:export") not in client.get(url).content.decode()


class TestWagtailsOwnDelete:
    def url(self, quote_page, submission):
        return (
            reverse("wagtailforms:delete_submissions", args=[quote_page.pk])
            + f"?selected-submissions={submission.pk}"
        )

    def test_needs_the_delete_permission_and_is_audited(
        self, client, photo, superuser, el_staff, quote_page, django_capture_on_commit_callbacks
    ):
        submission = photo.submission
        # El staff may edit the VVS form page, and delete submissions, but on their own site.
        grant_page_change(EL_STAFF, quote_page.get_site())
        client.force_login(el_staff)
        response = client.post(self.url(quote_page, submission))
        assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
        assert FormSubmission.objects.filter(pk=submission.pk).exists()

        client.force_login(superuser)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(self.url(quote_page, submission)).status_code == 302
        assert not FormSubmission.objects.filter(pk=submission.pk).exists()
        assert private_files() == []
        assert StaffAction.objects.get(action="erasure").count == 1

    def test_legal_hold_is_never_deleted_here(self, client, photo, superuser, quote_page):
        held = photo.submission
        FormSubmission.objects.filter(pk=held.pk).update(legal_hold=True)
        other = FormSubmissionFactory(page=quote_page)
        client.force_login(superuser)
        url = self.url(quote_page, held) + f"&selected-submissions={other.pk}"
        confirm = client.get(url).content.decode()
        assert "Én af de valgte henvendelser er under juridisk tilbageholdelse" in confirm
        assert "Er du sikker på, at du vil slette denne henvendelse?" in confirm
        # Only the held one chosen: nothing to confirm.
        only_held = client.get(self.url(quote_page, held)).content.decode()
        assert "Intet af det valgte kan slettes." in only_held and 'type="submit"' not in only_held
        response = client.post(url, follow=True)
        assert response.redirect_chain[0] == (
            reverse("wagtailforms:list_submissions", args=[quote_page.pk]),
            302,
        )
        assert list(FormSubmission.objects.values_list("pk", flat=True)) == [held.pk]
        kept = "er under juridisk tilbageholdelse og blev ikke slettet"
        assert kept in response.content.decode()
        assert StaffAction.objects.get(action="erasure").count == 1


def test_thumbnails_are_small_and_just_as_private(client, quote_page, vvs_staff):
    from PIL import Image

    big = SubmissionPhotoFactory(
        submission=FormSubmissionFactory(page=quote_page), width=1600, height=1200
    )
    url = reverse("henvendelser:photo", args=[big.key])
    assert client.get(url, {"size": "thumb"}).status_code == 404  # anonymous
    client.force_login(vvs_staff)
    response = client.get(url, {"size": "thumb"})
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (400, 300)
    assert "no-store" in response["Cache-Control"]
