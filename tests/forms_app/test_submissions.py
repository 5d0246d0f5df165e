"""Visitors send the quote and contact forms: what is stored, and what is refused."""

import contextlib
import datetime
import io
import logging
import re

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import translation
from freezegun import freeze_time
from PIL import Image

from forms_app.models import FormSubmission, SubmissionPhoto
from home.models import CompanySettings
from tests.forms_app.conftest import GPS_IFD, photo_bytes, private_files, upload
from tests.tasks import run_tasks
from tests.visitor import post_form

pytestmark = pytest.mark.django_db


def assert_nothing_stored():
    assert FormSubmission.objects.count() == 0
    assert SubmissionPhoto.objects.count() == 0
    assert private_files() == []


def three_photos():
    return [
        upload("bad.jpg", photo_bytes("JPEG", orientation=6)),
        upload("tavle.png", photo_bytes("PNG"), "image/png"),
        upload("IMG_0042.HEIC", photo_bytes("HEIF"), "image/heic"),
    ]


class TestValidQuote:
    @freeze_time("2026-05-20 08:30:00")
    def test_quote_with_three_photos_is_stored_with_proof_and_retention(
        self, post_quote, quote_data, quote_page, vvs_site
    ):
        response = post_quote(quote_data, {"billeder_af_installationen": three_photos()})
        assert response.status_code == 302
        # The thank-you page, with the signed reference number of the submission.
        assert response["Location"].startswith("/tilbud/tak/?ref=")

        submission = FormSubmission.objects.get()
        assert submission.site == vvs_site
        assert submission.page_id == quote_page.pk
        assert submission.form_data["navn"] == "Mette Hansen"
        assert "billeder_af_installationen" not in submission.form_data
        assert "samtykke" not in submission.form_data
        # Indexed identity columns, normalised.
        assert submission.email == "mette.hansen@example.dk"
        assert submission.phone == "+4512345678"
        assert submission.name == "Mette Hansen"
        # Consent proof: time, exact text, live policy revision, form revision, basis.
        policy = CompanySettings.for_site(vvs_site).privacy_policy_page
        assert submission.consent_given_at == datetime.datetime(
            2026, 5, 20, 8, 30, tzinfo=datetime.UTC
        )
        assert submission.consent_text.startswith(quote_page.consent_text)
        assert policy.full_url in submission.consent_text
        assert submission.consent_language == "da"
        assert submission.policy_page_id == policy.pk
        assert submission.policy_revision_id == policy.live_revision_id
        assert submission.form_revision_id == quote_page.live_revision_id
        assert submission.legal_basis == "pre_contract"
        # Retention: the quote form keeps open cases 12 months.
        assert submission.status == "new"
        assert submission.retain_until == datetime.date(2027, 5, 20)
        assert "12 måneder" in submission.retention_reason
        assert submission.legal_hold is False
        # Marked as having photos: the export looks photos up only for such submissions.
        assert submission.has_photos is True

    def test_photos_are_private_clean_and_upright(self, post_quote, quote_data, settings):
        post_quote(quote_data, {"billeder_af_installationen": three_photos()})
        photos = list(SubmissionPhoto.objects.order_by("pk"))
        assert [p.content_type for p in photos] == ["image/jpeg", "image/png", "image/jpeg"]
        assert [p.original_name for p in photos] == ["bad.jpg", "tavle.png", "IMG_0042.HEIC"]
        files = private_files()
        assert len(files) == 3
        media_root = settings.MEDIA_ROOT
        for photo, path in zip(
            photos, sorted(files, key=lambda p: photos_order(photos, p)), strict=True
        ):
            assert str(path).startswith(str(settings.PRIVATE_MEDIA_ROOT))
            assert not str(path).startswith(str(media_root))
            # Never the visitor's name ("bad", "IMG_0042"): a random hex name of our own (a
            # substring test for "bad" failed now and then: it is hex too).
            assert re.fullmatch(r"[0-9a-f]{32}", path.stem), path.name
            with Image.open(path) as image:
                exif = image.getexif()
                assert len(exif) == 0 and not exif.get_ifd(GPS_IFD)
                assert "exif" not in image.info
                assert (image.width, image.height) == (photo.width, photo.height)
        # Orientation 6 (rotated on the phone) is applied: 320x200 becomes 200x320.
        assert (photos[0].width, photos[0].height) == (200, 320)
        with pytest.raises(NotImplementedError):
            photos[0].file.url  # noqa: B018 - private storage has no URL

    def test_unique_storage_names_for_identical_uploads(self, post_quote, quote_data):
        same = photo_bytes("JPEG")
        post_quote(
            quote_data,
            {"billeder_af_installationen": [upload("a.jpg", same), upload("a.jpg", same)]},
        )
        names = list(SubmissionPhoto.objects.values_list("file", flat=True))
        assert len(names) == len(set(names)) == 2

    def test_thank_you_page_after_redirect(self, client, post_quote, quote_data):
        response = post_quote(quote_data)
        page = client.get(response["Location"], HTTP_HOST="mihvvs.localhost")
        assert page.status_code == 200
        assert "Tak for din forespørgsel" in page.content.decode()

    @freeze_time("2026-01-31 12:00:00")
    def test_contact_form_keeps_six_months(self, client, contact_page):
        response = post_form(
            client,
            "/kontakt/",
            {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"},
        )
        assert response.status_code == 302
        submission = FormSubmission.objects.get()
        assert submission.retain_until == datetime.date(2026, 7, 31)
        assert submission.legal_basis == "consent"
        assert submission.phone == ""
        assert submission.has_photos is False

    def test_policy_revision_is_the_one_live_at_the_time(self, post_quote, quote_data, vvs_site):
        policy = CompanySettings.for_site(vvs_site).privacy_policy_page
        post_quote(quote_data)
        first_revision = policy.live_revision_id
        policy.title = "Persondatapolitik 2027"  # a new text: a new version
        policy.save_revision().publish()
        policy.refresh_from_db()
        post_quote({**quote_data, "e_mail": "anden@example.dk"})
        old, new = FormSubmission.objects.order_by("pk")
        assert old.policy_revision_id == first_revision
        assert new.policy_revision_id == policy.live_revision_id != first_revision
        assert old.get_data()["policy_version"] == 1 and new.get_data()["policy_version"] == 2


class TestBadInput:
    """Each bad input gets a clear Danish error and stores nothing: no row, no file."""

    def assert_refused(self, response, message):
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html, html[html.find("error-summary") - 200 :][:3000]
        assert 'role="alert"' in html
        assert_nothing_stored()

    def test_missing_consent(self, post_quote, quote_data):
        data = {k: v for k, v in quote_data.items() if k != "samtykke"}
        response = post_quote(data, {"billeder_af_installationen": three_photos()})
        self.assert_refused(response, "Sæt kryds for at give dit samtykke")
        assert 'aria-invalid="true"' in response.content.decode()

    @override_settings(FORMS_PHOTO_MAX_COUNT=2)
    def test_too_many_photos(self, post_quote, quote_data):
        response = post_quote(quote_data, {"billeder_af_installationen": three_photos()})
        self.assert_refused(response, "Du kan højst sende 2 billeder.")

    @override_settings(FORMS_PHOTO_MAX_BYTES=20_000)
    def test_too_large_photo(self, post_quote, quote_data):
        noise = Image.effect_noise((400, 400), 80).convert("RGB")
        buffer = io.BytesIO()
        noise.save(buffer, format="JPEG", quality=95)
        assert len(buffer.getvalue()) > 20_000
        response = post_quote(
            quote_data, {"billeder_af_installationen": [upload("stor.jpg", buffer.getvalue())]}
        )
        self.assert_refused(response, "Billedet “stor.jpg” er for stort")

    def test_non_image_renamed_jpg(self, post_quote, quote_data):
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        response = post_quote(
            quote_data, {"billeder_af_installationen": [upload("faktura.jpg", pdf)]}
        )
        self.assert_refused(response, "“faktura.jpg” er ikke et billede, vi kan læse")

    def test_decompression_bomb(self, post_quote, quote_data):
        bomb = Image.new("1", (12_000, 12_000))  # 144 megapixels, a few kilobytes as PNG
        buffer = io.BytesIO()
        bomb.save(buffer, format="PNG", optimize=True)
        assert len(buffer.getvalue()) < 100_000
        response = post_quote(
            quote_data,
            {"billeder_af_installationen": [upload("bombe.png", buffer.getvalue(), "image/png")]},
        )
        self.assert_refused(response, "har for mange pixels")

    def test_truncated_image(self, post_quote, quote_data):
        data = photo_bytes("JPEG", size=(800, 600))[:600]
        response = post_quote(
            quote_data, {"billeder_af_installationen": [upload("halv.jpg", data)]}
        )
        self.assert_refused(response, "ikke et billede, vi kan læse")

    def test_invalid_email(self, post_quote, quote_data):
        response = post_quote({**quote_data, "e_mail": "ikke-en-adresse"})
        self.assert_refused(response, "Indtast en gyldig e-mailadresse, f.eks. navn@eksempel.dk.")

    def test_one_megabyte_text(self, post_quote, quote_data):
        response = post_quote({**quote_data, "beskrivelse_af_opgaven": "x" * 1_000_000})
        self.assert_refused(response, "Denne værdi må højst have 5000 tegn")

    def test_filename_with_path_never_becomes_a_path(self, post_quote, quote_data, tmp_path):
        """Django's upload parser already cuts the path off; the name is never used anyway."""
        response = post_quote(
            quote_data,
            {"billeder_af_installationen": [upload("../../etc/passwd.jpg", photo_bytes("JPEG"))]},
        )
        assert response.status_code == 302
        photo = SubmissionPhoto.objects.get()
        assert photo.original_name == "passwd.jpg"
        assert "passwd" not in photo.file.name and ".." not in photo.file.name
        [stored] = private_files()
        assert stored.resolve().is_relative_to(tmp_path / "private")

    @pytest.mark.parametrize("name", ["../x.jpg", "a/b.jpg", "a\\b.jpg", "", ".."])
    def test_filename_check_refuses_paths(self, name):
        from django.core.exceptions import ValidationError

        from forms_app.intake.photos import check_filename

        with pytest.raises(ValidationError) as error, translation.override("da"):
            check_filename(name)
        with translation.override("da"):
            assert "er ikke tilladt" in str(error.value.messages[0])

    def test_dots_inside_a_name_are_fine(self):
        from forms_app.intake.photos import check_filename

        assert check_filename("Billede 1..jpg") == "Billede 1..jpg"

    def test_invalid_phone(self, post_quote, quote_data):
        response = post_quote({**quote_data, "telefon": "ring mig op"})
        self.assert_refused(response, "Indtast et telefonnummer")

    def test_one_bad_photo_refuses_all(self, post_quote, quote_data):
        photos = [*three_photos(), upload("x.jpg", b"not an image")]
        response = post_quote(quote_data, {"billeder_af_installationen": photos})
        self.assert_refused(response, "“x.jpg” er ikke et billede")


class TestAbuse:
    @override_settings(FORMS_RATE_LIMIT=3)
    def test_rate_limit_gives_a_friendly_429(self, post_quote, quote_data):
        for _ in range(3):
            assert post_quote(quote_data).status_code == 302
        response = post_quote({**quote_data, "e_mail": "fjerde@example.dk"})
        assert response.status_code == 429
        assert response["Retry-After"]
        html = response.content.decode()
        assert "Vent et øjeblik" in html and "+45 12 34 56 78" in html
        assert FormSubmission.objects.count() == 3
        assert not FormSubmission.objects.filter(email="fjerde@example.dk").exists()

    @override_settings(FORMS_RATE_LIMIT=1)
    def test_rate_limit_is_per_client(self, post_quote, quote_data):
        assert post_quote(quote_data, REMOTE_ADDR="10.0.0.1").status_code == 302
        assert post_quote(quote_data, REMOTE_ADDR="10.0.0.1").status_code == 429
        assert post_quote(quote_data, REMOTE_ADDR="10.0.0.2").status_code == 302

    def test_honeypot_is_dropped_silently(self, post_quote, quote_data):
        response = post_quote(
            {**quote_data, "mih_hp": "http://spam.example"},
            {"billeder_af_installationen": three_photos()},
        )
        assert response.status_code == 302 and response["Location"] == "/tilbud/tak/"
        assert_nothing_stored()
        assert mail.outbox == []

    def test_csrf_is_enforced(self, quote_page, quote_data):
        from django.test import Client

        response = Client(enforce_csrf_checks=True).post(
            "/tilbud/", quote_data, HTTP_HOST="mihvvs.localhost"
        )
        assert response.status_code == 403
        assert_nothing_stored()


class TestAtomicity:
    def test_failure_while_saving_photos_leaves_no_row_and_no_file(
        self, post_quote, quote_data, monkeypatch
    ):
        original_save = SubmissionPhoto.save
        calls = []

        def failing_save(self, *args, **kwargs):
            calls.append(self.file.name)
            if len(calls) == 2:
                raise RuntimeError("disk full")
            return original_save(self, *args, **kwargs)

        monkeypatch.setattr(SubmissionPhoto, "save", failing_save)
        with pytest.raises(RuntimeError):
            post_quote(quote_data, {"billeder_af_installationen": three_photos()})
        assert_nothing_stored()
        assert mail.outbox == []


class TestNotifications:
    """Mail is queued with the submission and sent by the worker; ``committed`` runs the
    commit callbacks as a commit would, then the queued tasks as the worker does."""

    @pytest.fixture
    def committed(self, django_capture_on_commit_callbacks):
        @contextlib.contextmanager
        def committed():
            with django_capture_on_commit_callbacks(execute=True):
                yield
            run_tasks()

        return committed

    def test_staff_get_a_link_not_the_data(self, post_quote, quote_data, quote_page, committed):
        with committed():
            post_quote(quote_data, {"billeder_af_installationen": three_photos()[:1]})
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["kontakt@mihvvs.dk"]
        submission = FormSubmission.objects.get()
        assert f"/admin/henvendelser/{submission.pk}/" in message.body
        assert "Mette" not in message.body and "12 34 56 78" not in message.body
        assert message.attachments == []

    def test_receipt_to_visitor_when_enabled(
        self, post_quote, quote_data, quote_page, vvs_site, committed
    ):
        quote_page.send_receipt = True
        quote_page.save_revision().publish()
        with committed():
            post_quote(quote_data)
        receipt = next(m for m in mail.outbox if m.to == ["mette.hansen@example.dk"])
        assert "Utæt blandingsbatteri" in receipt.body
        # The link to the site's privacy policy the visitor consented to.
        assert f"{vvs_site.root_url}/persondatapolitik/" in receipt.body

    def test_blank_subject_still_notifies_staff(
        self, post_quote, quote_data, quote_page, committed, caplog
    ):
        """Wagtail's "subject" is optional; ours comes from a template ending in a newline,
        which Django refuses in a header. Staff must be told all the same."""
        quote_page.subject = ""
        quote_page.send_receipt = True
        quote_page.save_revision().publish()
        with caplog.at_level(logging.ERROR), committed():
            post_quote(quote_data)
        assert "failed" not in caplog.text
        staff = next(m for m in mail.outbox if m.to == ["kontakt@mihvvs.dk"])
        receipt = next(m for m in mail.outbox if m.to == ["mette.hansen@example.dk"])
        for message in (staff, receipt):
            assert message.subject and "\n" not in message.subject
        assert "MIH VVS" in staff.subject

    def test_a_subject_with_a_newline_is_one_line(
        self, post_quote, quote_data, quote_page, committed
    ):
        quote_page.subject = "Ny henvendelse\nfra hjemmesiden"
        quote_page.save_revision().publish()
        with committed():
            post_quote(quote_data)
        # One line, and the company named (docs/data-protection.md section 5).
        assert [m.subject for m in mail.outbox] == ["Ny henvendelse fra hjemmesiden – MIH VVS ApS"]

    @override_settings(EMAIL_BACKEND="tests.forms_app.failing_mail.Backend")
    def test_mail_failure_keeps_the_submission_and_logs_no_personal_data(
        self, post_quote, quote_data, caplog, committed
    ):
        with caplog.at_level(logging.INFO), committed():
            response = post_quote(quote_data)
        assert response.status_code == 302
        assert FormSubmission.objects.count() == 1
        assert "Staff notification for submission" in caplog.text
        for personal in ("Mette", "mette.hansen", "12 34 56 78", "Søndergade"):
            assert personal not in caplog.text


def photos_order(photos, path):
    names = [p.file.name for p in photos]
    return next(i for i, name in enumerate(names) if str(path).endswith(name))


def test_demo_form_fields_keep_their_order(client, quote_page):
    """The order editors see is the order visitors see, on every database."""
    labels = list(quote_page.get_form_fields().values_list("label", flat=True))
    assert labels[:2] == ["Navn", "Adresse"] and labels[-1] == "Billeder af installationen"
    assert None not in quote_page.get_form_fields().values_list("sort_order", flat=True)
