"""Staff's internal notes are personal data about the person who sent the submission.

They are in the person's access report (date and text, "Note from staff", never the employee's
name) unless withheld under an exception; an erasure request, the retention purge and staff's
own delete remove them with the submission. The report is in the person's language.
"""

import datetime
import io
import json
import re
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time
from wagtail.models import Locale

from forms_app.data_requests.access import archive_name, build_access_archive
from forms_app.models import FormSubmission, SubmissionNote, SubmissionPhoto
from forms_app.purge import purge_expired
from tests.factories import FormSubmissionFactory, SubmissionPhotoFactory, UserFactory
from tests.forms_app.conftest import keys, needs_moto, private_files

pytestmark = pytest.mark.django_db

ACCESS_URL = "/admin/henvendelser/indsigt/"
ERASURE_URL = "/admin/henvendelser/sletning/"
METTE_EMAIL = "mette.hansen@example.dk"

SHOWN = "Ringede 26/11: kunden ønsker tilbud på nyt blandingsbatteri."
WITHHELD = "Forberedt til reklamationssagen: skaden skyldes kundens egen montering."


def da(message, plural=None, count=None):
    """``message`` in the Danish catalogue (the msgid itself until the catalogue has it)."""
    with translation.override("da"):
        if plural is None:
            return translation.gettext(message)
        return translation.ngettext(message, plural, count) % {"counter": count}


NOTE_FROM_STAFF = "Note from staff"
DELETED = (
    "%(counter)s submission was deleted (including any photos and notes).",
    "%(counter)s submissions were deleted (including any photos and notes).",
)
CANNOT_BE_UNDONE = "Deleting cannot be undone. Photos and internal notes are deleted too."


def add_note(submission, text, *, author=None, shown=True, at=None):
    note = SubmissionNote.objects.create(
        submission=submission,
        author=author,
        author_name=author.get_full_name() or author.username if author else "",
        text=text,
        shown_to_person=shown,
    )
    if at is not None:
        SubmissionNote.objects.filter(pk=note.pk).update(created_at=at)
        note.refresh_from_db()
    return note


def english(page):
    return page.get_translation(Locale.objects.get(language_code="en"))


def download(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def filename(response):
    return re.fullmatch(r'attachment; filename="([^"]+)"', response["Content-Disposition"]).group(
        1
    )


@pytest.fixture
def staff_author(sites):
    return UserFactory(username="jens", first_name="Jens", last_name="Kristoffersen")


class TestNotesInTheAccessReport:
    def test_shown_notes_with_date_and_text_withheld_and_names_left_out(
        self, client, vvs_staff, quote_page, staff_author
    ):
        quote = FormSubmissionFactory(page=quote_page)
        when = datetime.datetime(2026, 11, 26, 13, 35, tzinfo=datetime.UTC)  # 14:35 in Denmark
        add_note(quote, SHOWN, author=staff_author, at=when)
        add_note(quote, WITHHELD, author=staff_author, shown=False)
        client.force_login(vvs_staff)
        archive = download(client.post(ACCESS_URL, {"email": METTE_EMAIL}))
        report = archive.read("rapport.html").decode()
        data = archive.read("data.json").decode()

        assert da(NOTE_FROM_STAFF) in report
        assert da("Notes from our staff") in report
        assert "26. november 2026 14:35" in report
        assert "Ringede 26/11: kunden ønsker tilbud på nyt blandingsbatteri." in report
        [row] = json.loads(data)["submissions"]
        assert row["notes"] == [{"created_at": "2026-11-26T14:35:00+01:00", "text": SHOWN}]
        for text in (report, data):
            assert "reklamationssagen" not in text  # the withheld note, not even a hint
            assert "Jens" not in text and "Kristoffersen" not in text and "jens" not in text
            assert "shown_to_person" not in text and "author" not in text

    def test_no_notes_no_heading(self, client, vvs_staff, quote_page):
        quote = FormSubmissionFactory(page=quote_page)
        add_note(quote, WITHHELD, shown=False)
        client.force_login(vvs_staff)
        archive = download(client.post(ACCESS_URL, {"email": METTE_EMAIL}))
        report = archive.read("rapport.html").decode()
        assert da(NOTE_FROM_STAFF) not in report and da("Notes from our staff") not in report
        assert json.loads(archive.read("data.json"))["submissions"][0]["notes"] == []


class TestReportLanguage:
    @freeze_time("2026-11-26 13:35:12")
    def test_english_submitter_gets_an_english_report(self, client, vvs_staff, quote_page):
        page = english(quote_page)
        submission = FormSubmissionFactory(page=page)
        assert submission.consent_language == "en"
        add_note(submission, "Called back; wants a quote for a new mixer tap.")
        client.force_login(vvs_staff)
        response = client.post(ACCESS_URL, {"email": METTE_EMAIL})
        assert re.fullmatch(r"access-2026-11-26-143512-[0-9a-f]{6}\.zip", filename(response))
        archive = download(response)
        assert "rapport.html" not in archive.namelist()
        report = archive.read("report.html").decode()
        data = json.loads(archive.read("data.json"))

        assert '<html lang="en">' in report
        assert "Your data: access report" in report
        assert f"{page.title}, received 26 November 2026</h2>" in report
        assert "26 November 2026 14:35" in report
        assert "Note from staff" in report
        assert "Called back; wants a quote for a new mixer tap." in report
        assert "Privacy policy" in report
        assert submission.policy_page.locale.language_code == "en"
        assert f"{submission.policy_page.title}, version 1, published" in report
        # No Danish label or month is left in it.
        for danish in ("modtaget", "november", "Modtaget", "Formål", "Gemmes indtil"):
            assert danish not in report, danish
        assert data["language"] == "en"
        [row] = data["submissions"]
        assert row["form"] == page.title
        assert row["policy_page"] == submission.policy_page.title

    def test_mixed_languages_follow_the_most_recent_submission(
        self, client, vvs_staff, quote_page, contact_page
    ):
        with freeze_time("2026-10-01 09:00:00"):
            old = FormSubmissionFactory(page=english(quote_page))
        with freeze_time("2026-11-26 13:35:12"):
            FormSubmissionFactory(page=contact_page, answers={"telefon": ""})
        client.force_login(vvs_staff)
        response = client.post(ACCESS_URL, {"email": METTE_EMAIL})
        assert re.fullmatch(r"indsigt-2026-11-26-\d{6}-[0-9a-f]{6}\.zip", filename(response))
        archive = download(response)
        report = archive.read("rapport.html").decode()
        assert '<html lang="da">' in report
        # The English quote is shown under its Danish title, with the Danish field labels.
        assert f"{quote_page.title}, modtaget 1. oktober 2026</h2>" in report
        assert english(quote_page).title != quote_page.title
        assert f"<dt>{quote_page.get_form_fields()[0].label}</dt>" in report
        rows = json.loads(archive.read("data.json"))["submissions"]
        assert [(r["id"], r["form"]) for r in rows][0] == (old.pk, quote_page.title)
        assert f"billeder/{old.pk}" not in report  # no photos: no folder named

        # And the other way round: the most recent one in English makes an English report.
        with freeze_time("2026-11-27 10:00:00"):
            FormSubmissionFactory(page=english(quote_page))
        archive = download(client.post(ACCESS_URL, {"email": METTE_EMAIL}))
        report = archive.read("report.html").decode()
        assert f"{english(quote_page).title}, received 1 October 2026</h2>" in report
        # The Danish contact message under the English contact form's title.
        assert f"{english(contact_page).title}, received 26 November 2026</h2>" in report

    def test_english_photos_are_in_the_photos_folder(self, client, vvs_staff, quote_page):
        submission = FormSubmissionFactory(page=english(quote_page))
        SubmissionPhotoFactory(submission=submission)
        client.force_login(vvs_staff)
        archive = download(client.post(ACCESS_URL, {"email": METTE_EMAIL}))
        assert sorted(archive.namelist()) == sorted(
            ["report.html", "data.json", f"photos/{submission.pk}/1.jpg"]
        )
        report = archive.read("report.html").decode()
        assert f"1 photo, in the folder photos/{submission.pk}/." in report

    def test_two_requests_in_the_same_second_get_two_names(self, client, vvs_staff, quote_page):
        FormSubmissionFactory(page=quote_page)
        client.force_login(vvs_staff)
        with freeze_time("2026-11-26 13:35:12"):
            names = {filename(client.post(ACCESS_URL, {"email": METTE_EMAIL})) for _ in range(3)}
        assert len(names) == 3
        assert all(name.startswith("indsigt-2026-11-26-143512-") for name in names)
        assert archive_name("en").startswith("access-")


class TestErasure:
    def test_preview_shows_name_email_link_and_counts(
        self, client, vvs_staff, quote_page, contact_page
    ):
        quote = FormSubmissionFactory(page=quote_page)
        SubmissionPhotoFactory(submission=quote)
        SubmissionPhotoFactory(submission=quote)
        add_note(quote, SHOWN)
        add_note(quote, WITHHELD, shown=False)
        add_note(quote, "Tredje note")
        contact = FormSubmissionFactory(page=contact_page, answers={"telefon": ""})
        client.force_login(vvs_staff)
        response = client.post(ERASURE_URL, {"step": "preview", "email": METTE_EMAIL})
        html = response.content.decode()
        table = re.search(r'<table class="listing">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
        cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in rows]
        detail = reverse("henvendelser:detail", args=[quote.pk])
        assert cells[0][0] == f'<a href="{detail}">Mette Hansen</a>'
        assert cells[0][1] == METTE_EMAIL
        assert cells[0][-2:] == ["2", "3"]  # photos, notes (withheld ones go too)
        assert cells[1][-2:] == ["0", "0"]
        assert reverse("henvendelser:detail", args=[contact.pk]) in cells[1][0]
        assert '<th scope="col">Billeder</th>' in html
        assert f'<th scope="col">{da("Notes")}</th>' in html
        assert da(CANNOT_BE_UNDONE) in html

    def test_confirm_deletes_notes_and_photo_files(
        self, client, vvs_staff, quote_page, other_note, django_capture_on_commit_callbacks
    ):
        quote = FormSubmissionFactory(page=quote_page)
        SubmissionPhotoFactory(submission=quote)
        add_note(quote, SHOWN)
        add_note(quote, WITHHELD, shown=False)
        assert len(private_files()) == 1
        client.force_login(vvs_staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ERASURE_URL, {"step": "confirm", "email": METTE_EMAIL})
        assert response.context["deleted_count"] == 1
        assert da(*DELETED, 1) in response.content.decode()
        assert not SubmissionNote.objects.filter(submission_id=quote.pk).exists()
        assert list(SubmissionNote.objects.all()) == [other_note]  # another person's note
        assert not SubmissionPhoto.objects.filter(submission_id=quote.pk).exists()
        assert private_files() == []

    def test_done_message_in_the_plural(
        self, client, vvs_staff, quote_page, contact_page, django_capture_on_commit_callbacks
    ):
        FormSubmissionFactory(page=quote_page)
        FormSubmissionFactory(page=contact_page)
        client.force_login(vvs_staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ERASURE_URL, {"step": "confirm", "email": METTE_EMAIL})
        html = response.content.decode()
        assert da(*DELETED, 2) in html
        assert "med sine billeder" not in html and "med deres billeder" not in html

    @needs_moto
    def test_erasure_on_s3_leaves_no_note_and_no_object(
        self, client, vvs_staff, quote_page, bucket, django_capture_on_commit_callbacks
    ):
        quote = FormSubmissionFactory(page=quote_page)
        SubmissionPhotoFactory(submission=quote)
        add_note(quote, SHOWN)
        assert len(keys(bucket)) == 1
        client.force_login(vvs_staff)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(ERASURE_URL, {"step": "confirm", "email": METTE_EMAIL})
        assert not SubmissionNote.objects.exists()
        assert keys(bucket) == []


@pytest.fixture
def other_note(quote_page):
    other = FormSubmissionFactory(
        page=quote_page,
        answers={"navn": "Anders Jensen", "telefon": "87 87 87 87", "e_mail": "anders@example.dk"},
    )
    return add_note(other, "Anders' note")


class TestRetentionAndStaffDelete:
    def test_purge_deletes_notes_with_their_submission(
        self, quote_page, other_note, django_capture_on_commit_callbacks
    ):
        expired = FormSubmissionFactory(page=quote_page)
        SubmissionPhotoFactory(submission=expired)
        add_note(expired, SHOWN)
        add_note(expired, WITHHELD, shown=False)
        held = FormSubmissionFactory(page=quote_page)
        held_note = add_note(held, "Under juridisk tilbageholdelse")
        past = expired.submit_time.date() - datetime.timedelta(days=1)
        FormSubmission.objects.filter(pk__in=[expired.pk, held.pk]).update(retain_until=past)
        FormSubmission.objects.filter(pk=held.pk).update(legal_hold=True)

        with django_capture_on_commit_callbacks(execute=True):
            report = purge_expired(delete=True)
        assert report.count == 1
        assert not FormSubmission.objects.filter(pk=expired.pk).exists()
        assert not SubmissionNote.objects.filter(submission_id=expired.pk).exists()
        assert set(SubmissionNote.objects.all()) == {other_note, held_note}
        assert private_files() == []

    def test_staff_delete_of_chosen_submissions_deletes_their_notes(
        self, client, superuser, quote_page, other_note, django_capture_on_commit_callbacks
    ):
        quote = FormSubmissionFactory(page=quote_page)
        add_note(quote, SHOWN)
        url = (
            reverse("wagtailforms:delete_submissions", args=[quote_page.pk])
            + f"?selected-submissions={quote.pk}"
        )
        client.force_login(superuser)
        confirm = client.get(url).content.decode()
        assert da(CANNOT_BE_UNDONE) in confirm
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url).status_code == 302
        assert list(SubmissionNote.objects.all()) == [other_note]


def test_archive_without_the_view_picks_the_language(quote_page):
    FormSubmissionFactory(page=english(quote_page))
    with build_access_archive(FormSubmission.objects.all()) as handle:
        names = zipfile.ZipFile(handle).namelist()
    assert "report.html" in names
