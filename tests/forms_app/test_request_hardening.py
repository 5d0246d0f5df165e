"""Requests that used to cost a 500, a lost submission or a disk full of temp files.

* a body larger than a form can need is refused with 413 before it is read;
* an email address longer than the column is refused by the form, not by the database;
* Wagtail's per-form delete and bulk page delete answer bad input with a message;
* concurrent posts on the embedded SQLite database all arrive (WAL, immediate transactions).
"""

import io
import json
import os
import re
import subprocess
import sys
import threading
import time

import dj_database_url
import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.urls import reverse
from django.utils import translation
from PIL import Image
from wagtail.models import Collection, Page

from forms_app.intake.forms import EMAIL_MAX_LENGTH
from forms_app.models import FormPage, FormSubmission
from tests.factories import FormSubmissionFactory
from tests.visitor import post_form

from .conftest import photo_bytes, upload

pytestmark = pytest.mark.django_db

CONTACT = {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"}


def address(length):
    """A valid address of exactly ``length`` characters (labels within DNS limits)."""
    local = "a" * 64
    labels = []
    rest = length - len(local) - 1 - len(".dk")
    while rest > 0:
        label = min(rest, 63)
        if rest - label == 1:  # a label needs a character and its dot
            label -= 2
        labels.append("b" * label)
        rest -= label + 1 if rest > label else label
    return f"{local}@{'.'.join(labels)}.dk"


# Email length --------------------------------------------------------------------------


class TestEmailLength:
    def test_longest_address_the_column_holds_is_stored(self, client, contact_page):
        email = address(EMAIL_MAX_LENGTH)
        response = post_form(client, "/kontakt/", {**CONTACT, "e_mail": email})
        assert response.status_code == 302
        assert FormSubmission.objects.get().email == email

    @pytest.mark.parametrize("length", [255, 320])
    def test_longer_valid_address_is_refused_with_a_clear_error(
        self, client, contact_page, length
    ):
        email = address(length)
        assert len(email) == length
        response = post_form(client, "/kontakt/", {**CONTACT, "e_mail": email})
        assert response.status_code == 200
        assert response.context["form"].errors["e_mail"] == [
            danish("Enter an email address of at most %(limit_value)d characters.")
            % {"limit_value": 254}
        ]
        assert not FormSubmission.objects.exists()

    def test_the_input_tells_the_browser_the_limit(self, client, contact_page):
        html = client.get("/kontakt/", HTTP_HOST="mihvvs.localhost").content.decode()
        assert re.search(r'<input type="email" name="e_mail"[^>]*maxlength="254"', html)


# Request size cap ----------------------------------------------------------------------


class EndlessBody(io.RawIOBase):
    """A body as large as it claims to be, recording how much of it anyone read."""

    def __init__(self):
        self.bytes_read = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        self.bytes_read += size
        if self.bytes_read > 1024 * 1024:
            raise AssertionError("the body is being read")
        return b"x" * size

    def readline(self, size=-1):
        return self.read(size)


class RecordingBody(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def limit():
    return django_settings.FORMS_PHOTO_MAX_TOTAL_BYTES + django_settings.REQUEST_BODY_MARGIN_BYTES


class TestRequestSizeCap:
    def test_two_gigabytes_are_refused_unread_with_a_friendly_page(self, client, el_site):
        body = EndlessBody()
        response = client.generic(
            "POST",
            "/kontakt/",
            HTTP_HOST="mihel.localhost",
            CONTENT_TYPE="multipart/form-data; boundary=xyz",
            CONTENT_LENGTH=str(2 * 1024**3),
            **{"wsgi.input": body},
        )
        assert response.status_code == 413
        assert body.bytes_read == 0
        html = response.content.decode()
        # The site's own design: its header, footer and company, in the page's language.
        assert '<html lang="da">' in html
        assert "kontakt@mihel.dk" in html
        assert 'href="/kontakt/"' in html
        assert not FormSubmission.objects.exists()

    def test_english_page_in_english(self, client, vvs_site):
        response = client.generic(
            "POST",
            "/en/contact/",
            HTTP_HOST="mihvvs.localhost",
            CONTENT_LENGTH=str(limit() + 1),
            **{"wsgi.input": EndlessBody()},
        )
        assert response.status_code == 413
        html = response.content.decode()
        assert '<html lang="en">' in html
        assert "What you sent is too large" in html
        assert "We can receive at most 40.0\xa0MB of photos in one message." in html

    @pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 413)])
    def test_the_limit_is_the_photo_total_plus_the_margin(
        self, settings, client, vvs_site, extra, status
    ):
        """A body of exactly the limit reaches the form (which shows its errors: the file
        part is no field of it); one byte more does not."""
        settings.FORMS_PHOTO_MAX_TOTAL_BYTES = 100_000
        settings.REQUEST_BODY_MARGIN_BYTES = 1000
        head = (
            b'--xyz\r\nContent-Disposition: form-data; name="x"; filename="x.bin"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        tail = b"\r\n--xyz--\r\n"
        body = head + b"x" * (101_000 + extra - len(head) - len(tail)) + tail
        response = client.generic(
            "POST",
            "/kontakt/",
            body,
            content_type="multipart/form-data; boundary=xyz",
            HTTP_HOST="mihvvs.localhost",
        )
        assert response.status_code == status

    def test_body_without_a_length_is_counted_as_it_is_read(self, settings, vvs_site):
        """A chunked body (no Content-Length, as ASGI passes it) stops at the limit. Django's
        own DATA_UPLOAD_MAX_MEMORY_SIZE check trusts Content-Length, so without one it would
        read the whole body into memory."""
        settings.FORMS_PHOTO_MAX_TOTAL_BYTES = 100_000
        settings.REQUEST_BODY_MARGIN_BYTES = 0
        body = RecordingBody(b"navn=" + b"x" * 10_000_000)
        request = ASGIRequest(
            {
                "type": "http",
                "method": "POST",
                "path": "/kontakt/",
                "headers": [
                    (b"host", b"mihvvs.localhost"),
                    (b"content-type", b"application/x-www-form-urlencoded"),
                    (b"transfer-encoding", b"chunked"),
                ],
            },
            body,
        )
        assert "CONTENT_LENGTH" not in request.META
        request._dont_enforce_csrf_checks = True  # as Django's test client does
        handler = WSGIHandler()  # the whole middleware stack, as a server runs it
        response = handler.get_response(request)
        assert response.status_code == 413
        assert "kontakt@mihvvs.dk" in response.content.decode()
        assert body.bytes_read == 100_001

    def test_editors_may_upload_images_larger_than_a_form_post(self, settings, client, superuser):
        """/admin/ keeps room for Wagtail's image and document limits."""
        settings.FORMS_PHOTO_MAX_TOTAL_BYTES = 1024 * 1024
        settings.REQUEST_BODY_MARGIN_BYTES = 0
        noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
        buffer = io.BytesIO()
        noise.save(buffer, format="PNG")
        assert buffer.tell() > 1024 * 1024
        client.force_login(superuser)
        response = client.post(
            "/admin/images/add/",
            {
                "title": "Støj",
                "file": upload("noise.png", buffer.getvalue(), "image/png"),
                "collection": Collection.get_first_root_node().pk,
            },
            HTTP_HOST="mihvvs.localhost",
        )
        assert response.status_code == 302
        # The same bytes to a public form are refused.
        response = client.post(
            "/tilbud/",
            {"billeder_af_installationen": upload("noise.png", buffer.getvalue(), "image/png")},
            HTTP_HOST="mihvvs.localhost",
        )
        assert response.status_code == 413

    def test_ordinary_post_with_photos_still_arrives(self, post_quote, quote_data):
        photos = {"billeder_af_installationen": [upload("a.jpg", photo_bytes("JPEG"))]}
        response = post_quote(quote_data, photos)
        assert response.status_code == 302
        assert FormSubmission.objects.get().photos.count() == 1


# Staff views ---------------------------------------------------------------------------


def delete_url(page_id):
    return reverse("guarded_delete_submissions", args=(page_id,))


def messages_of(response):
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def danish(message):
    """``message`` as staff see it (Danish admin), whether or not it is translated yet."""
    with translation.override("da"):
        return translation.gettext(message)


class TestWagtailDeleteSubmissions:
    def test_page_that_is_not_a_form(self, client, superuser, vvs_site):
        client.force_login(superuser)
        response = client.get(delete_url(vvs_site.root_page_id), HTTP_HOST="mihvvs.localhost")
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailforms:index")
        assert messages_of(response) == [danish("This page is not a form; it has no submissions.")]

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_non_numeric_selection(self, client, superuser, quote_page, method):
        FormSubmissionFactory()
        client.force_login(superuser)
        url = delete_url(quote_page.pk) + "?selected-submissions=abc"
        response = getattr(client, method)(url, HTTP_HOST="mihvvs.localhost")
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "wagtailforms:list_submissions", args=(quote_page.pk,)
        )
        assert messages_of(response) == [danish("The selected submissions could not be found.")]
        assert FormSubmission.objects.count() == 1

    def test_numeric_selection_still_deletes(self, client, superuser, quote_page):
        submission = FormSubmissionFactory()
        client.force_login(superuser)
        url = delete_url(quote_page.pk) + f"?selected-submissions={submission.pk}"
        response = client.post(url, HTTP_HOST="mihvvs.localhost")
        assert response.status_code == 302
        assert not FormSubmission.objects.exists()


class TestBulkPageDelete:
    def bulk_delete(self, client, *pages):
        query = "&".join(f"id={page.pk}" for page in pages)
        url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete"))
        return client.post(f"{url}?{query}&next=/admin/pages/", HTTP_HOST="mihvvs.localhost")

    def test_form_page_with_submissions_is_kept_with_a_message(
        self, client, superuser, quote_page
    ):
        FormSubmissionFactory()
        client.force_login(superuser)
        response = self.bulk_delete(client, quote_page)
        assert response.status_code == 302
        assert response["Location"] == "/admin/pages/"
        assert messages_of(response) == [
            danish(
                "“%(title)s” cannot be deleted: submissions refer to it or to a page below it "
                "(as their form, or as the privacy policy they consented to). They are "
                "deleted when their retention date has passed."
            )
            % {"title": "Få et tilbud"}
        ]
        assert Page.objects.filter(pk=quote_page.pk).exists()

    def test_nothing_is_deleted_when_one_page_is_protected(
        self, client, superuser, quote_page, contact_page
    ):
        FormSubmissionFactory()
        client.force_login(superuser)
        response = self.bulk_delete(client, contact_page, quote_page)
        assert response.status_code == 302
        assert FormPage.objects.filter(pk__in=[quote_page.pk, contact_page.pk]).count() == 2

    def test_page_without_submissions_is_deleted(self, client, superuser, contact_page):
        client.force_login(superuser)
        response = self.bulk_delete(client, contact_page)
        assert response.status_code == 302
        assert not Page.objects.filter(pk=contact_page.pk).exists()


# Concurrent posts on SQLite ------------------------------------------------------------
# These run whatever the suite's own database is (CI's is PostgreSQL): each opens its own
# SQLite file with the options a newcomer's install gets.


def use_file_database(path):
    """This thread's connection "sqlite_file" to ``path``, with the project's SQLite OPTIONS."""
    settings_dict = {
        **dj_database_url.parse(f"sqlite:///{path}"),
        "OPTIONS": django_settings.SQLITE_OPTIONS,
        "TIME_ZONE": None,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "CONN_HEALTH_CHECKS": False,
        "TEST": {},
    }
    connections["sqlite_file"] = DatabaseWrapper(settings_dict, alias="sqlite_file")
    return connections["sqlite_file"]


def test_concurrent_posts_on_sqlite_all_arrive(tmp_path):
    """Sixteen visitors (processes) post quotes with a photo at the same moment to one SQLite
    file, as on a newcomer's ``make run``: every one gets the thank-you redirect and every
    submission and photo is stored."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.forms_app.concurrent_posts",
            str(tmp_path / "db.sqlite3"),
            "--workers",
            "16",
            "--posts",
            "6",
        ],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"statuses": {"302": 96}, "submissions": 96, "photos": 96, "sent": 96}


def test_transaction_that_reads_first_waits_for_the_writer(tmp_path):
    """The mechanism of the lost submissions, made deterministic: while one connection holds
    the write lock, a transaction that reads and then writes waits its turn and succeeds
    (deferred, it failed at once with "database is locked")."""
    path = tmp_path / "db.sqlite3"
    setup = use_file_database(path)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE visit (n INTEGER)")
        assert cursor.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    setup.close()
    holds_lock, errors = threading.Event(), []

    def writer():
        conn = use_file_database(path)
        try:
            with transaction.atomic(using="sqlite_file"), conn.cursor() as cursor:
                cursor.execute("INSERT INTO visit VALUES (1)")
                holds_lock.set()
                time.sleep(0.5)
        finally:
            conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert holds_lock.wait(10)
    conn = use_file_database(path)
    try:
        with transaction.atomic(using="sqlite_file"), conn.cursor() as cursor:
            seen = cursor.execute("SELECT count(*) FROM visit").fetchone()[0]
            cursor.execute("INSERT INTO visit VALUES (%s)", [seen + 1])
    except OperationalError as error:
        errors.append(str(error))
    thread.join()
    with conn.cursor() as cursor:
        rows = [n for (n,) in cursor.execute("SELECT n FROM visit ORDER BY n")]
    conn.close()
    assert errors == []
    assert rows == [1, 2]  # the second transaction saw the first one's row
