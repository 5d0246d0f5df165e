"""Visitors' photos on a private S3 bucket (production), against a real S3 server on loopback.

moto's server mode is an S3-compatible HTTP server; django-storages and boto3 talk to it
exactly as they would to the production bucket.
"""

import datetime
import io
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.urls import reverse
from PIL import Image

from forms_app.models import FormSubmission, SubmissionPhoto
from forms_app.purge import purge_expired
from tests.factories import FormSubmissionFactory, SubmissionPhotoFactory
from tests.forms_app.conftest import GPS_IFD, photo_bytes, upload

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
BUCKET = "mih-private-test"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not MOTO_SERVER.exists(), reason="moto[server] is not installed"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint, settings):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-north-1", **CREDENTIALS)
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "forms_app.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-north-1",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client):
    return sorted(
        item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    )


def test_photos_land_private_and_clean_in_the_bucket(bucket, post_quote, quote_data):
    same = photo_bytes("JPEG", orientation=6)
    photos = [upload("a.jpg", same), upload("a.jpg", same)]
    assert post_quote(quote_data, {"billeder_af_installationen": photos}).status_code == 302
    stored = keys(bucket)
    assert len(stored) == 2 and all(key.startswith("submissions/") for key in stored)
    for key in stored:
        grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert not any("AllUsers" in str(grant.get("Grantee")) for grant in grants)
        body = bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        with Image.open(io.BytesIO(body)) as image:
            assert image.size == (200, 320) and not image.getexif().get_ifd(GPS_IFD)
    with pytest.raises(NotImplementedError):
        SubmissionPhoto.objects.first().file.url  # noqa: B018 - no URL, not even signed


def test_staff_read_photos_through_the_view(bucket, client, quote_page, vvs_staff):
    photo = SubmissionPhotoFactory(
        submission=FormSubmissionFactory(page=quote_page), image_format="PNG"
    )
    url = reverse("henvendelser:photo", args=[photo.key])
    assert client.get(url).status_code == 404
    client.force_login(vvs_staff)
    response = client.get(url)
    assert response.status_code == 200
    [key] = keys(bucket)
    assert (
        b"".join(response.streaming_content)
        == bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    )


def test_failed_submission_leaves_no_object(bucket, post_quote, quote_data, monkeypatch):
    original_save = SubmissionPhoto.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database gone")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(SubmissionPhoto, "save", failing_save)
    photos = [upload(f"{n}.jpg", photo_bytes("JPEG")) for n in range(3)]
    with pytest.raises(RuntimeError):
        post_quote(quote_data, {"billeder_af_installationen": photos})
    assert FormSubmission.objects.count() == 0 and keys(bucket) == []


def test_purge_deletes_the_objects(
    bucket, post_quote, quote_data, django_capture_on_commit_callbacks
):
    post_quote(quote_data, {"billeder_af_installationen": [upload("a.jpg", photo_bytes("JPEG"))]})
    assert len(keys(bucket)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        report = purge_expired(
            today=datetime.date.today() + datetime.timedelta(days=800), delete=True
        )
    assert report.count == 1 and keys(bucket) == []
