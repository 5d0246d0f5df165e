"""Antivirus: uploads are scanned by a real clamd, and refused when infected or unscannable.

The clamd is our own (``tests/clamd.py``): the EICAR test file's signature plus one for a real
JPEG, so an infected file that every decoder would accept is refused by the scanner alone.
"""

import io
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from PIL import Image
from wagtail.documents.models import Document
from wagtail.images.models import Image as WagtailImage
from wagtail.models import Collection, UploadedFile

from cms import antivirus, heartbeat
from forms_app.intake.photos import UNSCANNED_MESSAGE, PhotoLimits, process_photos
from forms_app.models import FormPage, FormSubmission, SubmissionPhoto, VirusDetection
from tests.assertions import assert_permission_denied
from tests.clamd import (
    CLAMD,
    EICAR,
    EICAR_SIGNATURE,
    PHOTO_SIGNATURE,
    Clamd,
    infected_photo,
    needs_clamd,
)
from tests.visitor import post_form

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PHOTO_FIELD = "billeder_af_installationen"


# Helpers ------------------------------------------------------------------------------------


def clean_photo():
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 80, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def message(text, html=True, **params):
    """A message as a Danish page shows it (HTML-escaped as a template does, unless not
    ``html``)."""
    with translation.override("da"):
        text = str(text) % params if params else str(text)
    return escape(text) if html else text


def error_codes(response, field):
    return [error.code for error in response.context["form"].errors.as_data()[field]]


def private_files():
    root = Path(django_settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def media_files(folder):
    root = Path(django_settings.MEDIA_ROOT) / folder
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_no_submission():
    assert FormSubmission.objects.count() == 0
    assert SubmissionPhoto.objects.count() == 0
    assert private_files() == []


@pytest.fixture
def quote_page(vvs_site):
    return FormPage.objects.descendant_of(vvs_site.root_page).get(slug="tilbud")


@pytest.fixture
def post_quote(client, quote_page):
    data = {
        "navn": "Mette Hansen",
        "adresse": "Søndergade 12, 2. th.",
        "postnummer": "4000",
        "telefon": "12 34 56 78",
        "e_mail": "mette.hansen@example.dk",
        "beskrivelse_af_opgaven": "Utæt blandingsbatteri på badeværelset.",
        "samtykke": "on",
    }

    def post(photos=None):
        files = {PHOTO_FIELD: photos} if photos else None
        return post_form(client, "/tilbud/", data, files)

    return post


@pytest.fixture
def scanner_nowhere(settings, tmp_path, clamav):
    """Scanning on, but CLAMAV_SOCKET names a socket nothing listens on."""
    settings.CLAMAV_SOCKET = str(tmp_path / "no-clamd.sock")


@pytest.fixture
def vvs_collection(sites):
    return Collection.objects.get(name="MIH VVS")


@pytest.fixture
def editor_client(client, vvs_editor):
    client.force_login(vvs_editor)
    return client


# The scanner itself -------------------------------------------------------------------------


@needs_clamd
class TestScanner:
    def test_eicar_is_infected_and_other_bytes_are_clean(self, clamav):
        assert antivirus.scan_bytes(EICAR) == antivirus.ScanResult(EICAR_SIGNATURE)
        assert antivirus.scan_bytes(infected_photo()).signature == PHOTO_SIGNATURE
        assert antivirus.scan_bytes(clean_photo()) == antivirus.CLEAN
        assert not antivirus.scan_bytes(b"").infected

    def test_a_file_is_read_from_its_start_and_left_there(self, clamav):
        file = io.BytesIO(EICAR)
        file.seek(30)
        assert antivirus.scan_file(file).infected
        assert file.tell() == 0

    def test_clamd_over_tcp(self, clamav, settings):
        settings.CLAMAV_SOCKET = clamav.tcp_address
        assert antivirus.scan_bytes(EICAR).signature == EICAR_SIGNATURE
        antivirus.ping()
        settings.CLAMAV_SOCKET = f"127.0.0.1:{clamav.port}"
        assert antivirus.scan_bytes(b"clean").infected is False

    def test_no_socket_is_unavailable(self, scanner_nowhere):
        with pytest.raises(antivirus.ScannerUnavailable):
            antivirus.scan_bytes(b"anything")
        with pytest.raises(antivirus.ScannerUnavailable):
            antivirus.ping()

    def test_a_scanner_that_never_answers_times_out(self, clamav, settings, tmp_path):
        path = tmp_path / "silent.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        listener.listen(8)
        accepted = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
        thread.start()
        settings.CLAMAV_SOCKET = str(path)
        settings.CLAMAV_TIMEOUT = 0.5
        started = timezone.now()
        try:
            with pytest.raises(antivirus.ScannerUnavailable):
                antivirus.scan_bytes(EICAR)
        finally:
            listener.close()
            for connection, _address in accepted:
                connection.close()
        assert (timezone.now() - started).total_seconds() < 5


# Visitors' photos ---------------------------------------------------------------------------


@needs_clamd
class TestPhotos:
    def test_eicar_photo_is_refused_and_nothing_is_stored(self, clamav, post_quote):
        response = post_quote([upload("foto.jpg", EICAR)])
        assert response.status_code == 200
        html = response.content.decode()
        # The scanner's message, on the photo field, not the decoder's "not a photo".
        assert message(antivirus.INFECTED_MESSAGE, name="foto.jpg") in html
        assert error_codes(response, PHOTO_FIELD) == ["infected"]
        assert_no_submission()
        detection = VirusDetection.objects.get()
        assert (detection.kind, detection.signature) == ("photo", EICAR_SIGNATURE)

    def test_an_infected_real_jpeg_is_refused_before_decoding(self, clamav, post_quote):
        response = post_quote(
            [upload("IMG_1.jpg", clean_photo()), upload("x.jpg", infected_photo())]
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert message(antivirus.INFECTED_MESSAGE, name="x.jpg") in html
        assert message(antivirus.INFECTED_MESSAGE, name="IMG_1.jpg") not in html
        assert_no_submission()
        assert VirusDetection.objects.get().signature == PHOTO_SIGNATURE

    def test_clean_photos_are_stored(self, clamav, post_quote):
        response = post_quote([upload("IMG_1.jpg", clean_photo())])
        assert response.status_code == 302
        assert SubmissionPhoto.objects.count() == 1
        assert len(private_files()) == 1
        assert not VirusDetection.objects.exists()

    def test_scanner_unreachable_refuses_photos_and_logs_without_personal_data(
        self, scanner_nowhere, post_quote, caplog
    ):
        caplog.set_level(logging.INFO)
        response = post_quote([upload("mette-badevaerelse.jpg", clean_photo())] * 2)
        assert response.status_code == 200
        html = response.content.decode()
        assert error_codes(response, PHOTO_FIELD) == ["scanner_unavailable"]  # not per photo
        assert message(UNSCANNED_MESSAGE) in html
        assert_no_submission()
        refused = [r for r in caplog.records if r.name == "cms.antivirus"]
        assert refused and refused[0].levelno == logging.ERROR
        assert "did not answer" in refused[0].getMessage()
        logged = "\n".join(r.getMessage() for r in caplog.records)
        for personal in ("mette", "Mette", "Hansen", "4000", "12 34 56 78"):
            assert personal not in logged

    def test_scanner_unreachable_still_takes_forms_without_photos(
        self, scanner_nowhere, post_quote
    ):
        assert post_quote().status_code == 302
        assert FormSubmission.objects.count() == 1

    def test_clamd_killed_refuses_photos(self, settings, post_quote, tmp_path):
        server = Clamd(tmp_path)
        server.start()
        settings.ANTIVIRUS_ENABLED = True
        settings.CLAMAV_SOCKET = server.address
        try:
            assert post_quote([upload("a.jpg", clean_photo())]).status_code == 302
            server.stop()
            response = post_quote([upload("b.jpg", clean_photo())])
        finally:
            server.stop()
        assert response.status_code == 200
        assert message(UNSCANNED_MESSAGE) in response.content.decode()
        assert FormSubmission.objects.count() == 1  # only the first
        assert len(private_files()) == 1

    def test_scanning_off_sends_nothing_to_a_scanner(self, settings, post_quote, tmp_path):
        settings.ANTIVIRUS_ENABLED = False
        settings.CLAMAV_SOCKET = str(tmp_path / "no-clamd.sock")
        assert post_quote([upload("a.jpg", clean_photo())]).status_code == 302

    def test_the_site_is_recorded_when_the_form_names_it(self, clamav, vvs_site):
        with (
            antivirus.uploads_for_site(lambda: vvs_site),
            pytest.raises(ValidationError) as refused,
        ):
            process_photos([upload("x.jpg", EICAR)], PhotoLimits.from_settings())
        assert [error.code for error in refused.value.error_list] == ["infected"]
        assert VirusDetection.objects.get().site == vvs_site


# Editors' documents and images --------------------------------------------------------------


@needs_clamd
class TestEditorUploads:
    def post_document(self, client, collection, name, content):
        return client.post(
            reverse("wagtaildocs:add"),
            {"title": "Prisliste", "collection": collection.pk, "file": upload(name, content)},
        )

    def post_image(self, client, collection, name, content):
        return client.post(
            reverse("wagtailimages:add"),
            {"title": "Foto", "collection": collection.pk, "file": upload(name, content)},
        )

    def test_eicar_document_is_refused(self, clamav, editor_client, vvs_collection, vvs_site):
        before, files = Document.objects.count(), media_files("documents")
        response = self.post_document(editor_client, vvs_collection, "prisliste.txt", EICAR)
        assert response.status_code == 200
        assert message(antivirus.INFECTED_MESSAGE, name="prisliste.txt") in (
            response.content.decode()
        )
        assert Document.objects.count() == before
        assert media_files("documents") == files
        detection = VirusDetection.objects.get()
        assert (detection.kind, detection.site) == ("document", vvs_site)

    def test_clean_document_is_stored(self, clamav, editor_client, vvs_collection):
        before, files = Document.objects.count(), media_files("documents")
        response = self.post_document(editor_client, vvs_collection, "prisliste.txt", b"Pris")
        assert response.status_code == 302
        assert Document.objects.count() == before + 1
        assert len(media_files("documents")) == len(files) + 1
        assert not VirusDetection.objects.exists()

    def test_eicar_document_in_the_multiple_uploader_is_refused(
        self, clamav, editor_client, vvs_collection
    ):
        before, files = Document.objects.count(), media_files("documents")
        uploads = media_files("uploaded_files")
        response = editor_client.post(
            reverse("wagtaildocs:add_multiple"),
            {"files[]": upload("prisliste.txt", EICAR), "collection": vvs_collection.pk},
        )
        answer = json.loads(response.content)
        assert answer["success"] is False
        assert answer["error_message"] == message(
            antivirus.INFECTED_MESSAGE, html=False, name="prisliste.txt"
        )
        assert Document.objects.count() == before
        assert not UploadedFile.objects.exists()
        assert media_files("documents") == files
        assert media_files("uploaded_files") == uploads

    def test_eicar_in_the_choosers_upload_is_refused(
        self, clamav, editor_client, vvs_collection, vvs_site
    ):
        # The chooser's upload form carries a prefix; the scan must find the file under it.
        before, files = Document.objects.count(), media_files("documents")
        images = WagtailImage.objects.count()
        for url, prefix in (
            (reverse("wagtaildocs_chooser:create"), "document-chooser-upload"),
            (reverse("wagtailimages_chooser:create"), "image-chooser-upload"),
        ):
            editor_client.post(
                url,
                {
                    f"{prefix}-title": "Bilag",
                    f"{prefix}-collection": vvs_collection.pk,
                    f"{prefix}-file": upload("bilag.txt", EICAR),
                },
            )
        assert Document.objects.count() == before
        assert WagtailImage.objects.count() == images
        assert media_files("documents") == files
        assert sorted(VirusDetection.objects.values_list("kind", "site")) == [
            ("document", vvs_site.pk),
            ("image", vvs_site.pk),
        ]

    def test_replacing_a_documents_file_with_eicar_keeps_the_old_one(
        self, clamav, editor_client, vvs_collection
    ):
        self.post_document(editor_client, vvs_collection, "prisliste.txt", b"Pris")
        document = Document.objects.latest("pk")
        old_name = document.file.name
        response = editor_client.post(
            reverse("wagtaildocs:edit", args=[document.pk]),
            {
                "title": "Prisliste",
                "collection": vvs_collection.pk,
                "file": upload("ny.txt", EICAR),
            },
        )
        assert response.status_code == 200
        document.refresh_from_db()
        assert document.file.name == old_name
        assert document.file.read() == b"Pris"

    def test_eicar_image_is_refused_by_the_scanner(self, clamav, editor_client, vvs_collection):
        before, files = WagtailImage.objects.count(), media_files("original_images")
        response = self.post_image(editor_client, vvs_collection, "logo.png", EICAR)
        assert response.status_code == 200
        assert message(antivirus.INFECTED_MESSAGE, name="logo.png") in response.content.decode()
        assert WagtailImage.objects.count() == before
        assert media_files("original_images") == files
        assert VirusDetection.objects.get().kind == "image"

    def test_infected_real_image_is_refused_in_both_uploaders(
        self, clamav, editor_client, vvs_collection
    ):
        before = WagtailImage.objects.count()
        originals = media_files("original_images")
        response = self.post_image(editor_client, vvs_collection, "foto.jpg", infected_photo())
        assert response.status_code == 200
        response = editor_client.post(
            reverse("wagtailimages:add_multiple"),
            {"files[]": upload("foto.jpg", infected_photo()), "collection": vvs_collection.pk},
        )
        assert json.loads(response.content)["success"] is False
        assert WagtailImage.objects.count() == before
        assert not UploadedFile.objects.exists()
        assert media_files("original_images") == originals
        assert VirusDetection.objects.filter(kind="image").count() == 2

    def test_scanner_unreachable_refuses_documents(
        self, scanner_nowhere, editor_client, vvs_collection
    ):
        before, files = Document.objects.count(), media_files("documents")
        response = self.post_document(editor_client, vvs_collection, "prisliste.txt", b"Pris")
        assert response.status_code == 200
        assert message(antivirus.UNAVAILABLE_MESSAGE) in response.content.decode()
        assert Document.objects.count() == before
        assert media_files("documents") == files


# The owner's report -------------------------------------------------------------------------


@needs_clamd
class TestReport:
    def test_infections_are_counted_per_month_and_kind(
        self, clamav, post_quote, client, superuser, vvs_collection
    ):
        post_quote([upload("a.jpg", EICAR)])
        post_quote([upload("b.jpg", EICAR)])
        VirusDetection.objects.create(
            kind="document",
            signature="Old.Thing",
            detected_at=timezone.now() - timedelta(days=62),
        )
        client.force_login(superuser)
        response = client.get(reverse("mih_antivirus_report"))
        assert response.status_code == 200
        months = response.context["months"]
        assert months[0]["counts"] == [2, 0, 0, 0] and months[0]["total"] == 2
        assert months[-1]["counts"] == [0, 1, 0, 0]
        html = response.content.decode()
        assert EICAR_SIGNATURE in html
        assert "a.jpg" not in html and "Mette" not in html

    def test_only_superusers_see_it(self, client, vvs_editor, superuser):
        client.force_login(vvs_editor)
        assert_permission_denied(client.get(reverse("mih_antivirus_report")))
        menu = client.get(reverse("wagtailadmin_home"))
        assert reverse("mih_antivirus_report") not in menu.content.decode()
        client.force_login(superuser)
        menu = client.get(reverse("wagtailadmin_home"))
        assert reverse("mih_antivirus_report") in menu.content.decode()


# /healthz/ and check --deploy ---------------------------------------------------------------


def probe(client, query=""):
    return client.get(f"/healthz/{query}", HTTP_HOST="10.0.3.17", REMOTE_ADDR="10.0.3.1")


@needs_clamd
class TestHealth:
    def test_running_scanner_is_ok(self, clamav, client):
        heartbeat.beat()
        response = probe(client)
        assert response.status_code == 200
        assert response.json()["checks"]["antivirus"] == "ok"
        assert response.json()["status"] == "ok"

    def test_failing_scanner_is_degraded_and_strict_fails(self, scanner_nowhere, client):
        heartbeat.beat()
        response = probe(client)
        assert response.status_code == 200
        assert response.json()["checks"]["antivirus"] == "fail"
        assert response.json()["status"] == "degraded"
        assert probe(client, "?strict").status_code == 503

    def test_scanning_off_has_no_check(self, client, settings):
        settings.ANTIVIRUS_ENABLED = False
        assert "antivirus" not in probe(client).json()["checks"]


def test_check_deploy_warns_when_production_does_not_scan():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SITE_HOSTNAMES": "mihvvs=mihvvs.dk,mihel=mihel.dk",
        "SECRET_KEY": "x" * 60,
        "ANTIVIRUS_ENABLED": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "antivirus.W001" in result.stderr


@pytest.mark.parametrize("enabled", [False, True])
def test_the_deploy_check_is_about_scanning(settings, enabled):
    settings.ANTIVIRUS_ENABLED = enabled
    found = [m.id for m in checks.run_checks(include_deployment_checks=True)]
    assert ("antivirus.W001" in found) is not enabled


def test_clamd_binary_is_found_or_tests_say_why():
    # CI installs clamav-daemon: a missing binary there would silently skip the tests above.
    if os.environ.get("CI"):
        assert CLAMD, "CI must install clamav-daemon (apt-get install clamav-daemon clamav)"


# Every other admin upload (cms.antivirus.AdminUploadScanMiddleware) -------------------------


@needs_clamd
class TestOtherAdminUploads:
    """Uploads that no form of ours scans, first of them an editor's profile picture, which
    Wagtail decodes with Pillow and keeps in public media."""

    def post_avatar(self, client, content):
        return client.post(
            reverse("wagtailadmin_account"),
            {"avatar-avatar": upload("mig.jpg", content)},
            HTTP_ACCEPT_LANGUAGE="da",
        )

    def test_an_infected_profile_picture_is_refused(self, clamav, editor_client, vvs_editor):
        before = media_files("avatar_images")
        response = self.post_avatar(editor_client, EICAR)
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_account")
        page = editor_client.get(response["Location"]).content.decode()
        assert message(antivirus.INFECTED_MESSAGE, name="mig.jpg") in page
        assert media_files("avatar_images") == before
        vvs_editor.wagtail_userprofile.refresh_from_db()
        assert not vvs_editor.wagtail_userprofile.avatar
        assert VirusDetection.objects.get().kind == "other"

    def test_a_clean_profile_picture_reaches_wagtails_form(self, clamav, editor_client):
        # Wagtail's account page validates every panel together; here only the picture is
        # posted, so the page comes back with the other panels' errors, from Wagtail's view.
        response = self.post_avatar(editor_client, clean_photo())
        assert response.status_code == 200
        panels = [p for tab in response.context["panels_by_tab"].values() for p in tab]
        assert "avatar" in {panel.name for panel in panels}
        assert not VirusDetection.objects.exists()

    def test_scanner_down_refuses_the_upload(self, clamav, settings, editor_client, vvs_editor):
        settings.CLAMAV_SOCKET = "/nonexistent/clamd.ctl"
        response = self.post_avatar(editor_client, clean_photo())
        assert response.status_code == 302
        page = editor_client.get(response["Location"]).content.decode()
        assert message(antivirus.UNAVAILABLE_MESSAGE) in page
        vvs_editor.wagtail_userprofile.refresh_from_db()
        assert not vvs_editor.wagtail_userprofile.avatar
