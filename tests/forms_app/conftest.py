"""Real photos made on the fly, helpers to post the demo forms like a browser does, and a real
S3 server (moto) for the private bucket."""

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pillow_heif
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from forms_app.models import FormPage
from tests.visitor import post_form

pillow_heif.register_heif_opener()

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def exif_with_gps(orientation=1):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Apple"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (55.0, 38.0, 30.0), 3: "E", 4: (12.0, 5.0, 10.0)})
    return exif


def photo_bytes(fmt, size=(320, 200), colour=(200, 80, 40), orientation=1):
    """A real image of ``fmt`` (JPEG, PNG, WEBP, HEIF) with GPS coordinates in its EXIF."""
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, exif=exif_with_gps(orientation).tobytes())
    return buffer.getvalue()


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def quote_page(vvs_site):
    return FormPage.objects.descendant_of(vvs_site.root_page).get(slug="tilbud")


@pytest.fixture
def contact_page(vvs_site):
    return FormPage.objects.descendant_of(vvs_site.root_page).get(slug="kontakt")


@pytest.fixture
def quote_data():
    return {
        "navn": "Mette Hansen",
        "adresse": "Søndergade 12, 2. th.",
        "postnummer": "4000",
        "telefon": "12 34 56 78",
        "e_mail": "Mette.Hansen@Example.DK ",
        "beskrivelse_af_opgaven": "Utæt blandingsbatteri på badeværelset.",
        "samtykke": "on",
    }


@pytest.fixture
def post_quote(client, quote_page):
    def post(data, files=None, host="mihvvs.localhost", **extra):
        return post_form(client, "/tilbud/", data, files, host=host, **extra)

    return post


def private_files():
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# The private bucket (production) against moto's server mode: an S3-compatible HTTP server on
# loopback, which django-storages and boto3 talk to exactly as to the production bucket. Tests
# that use it skip themselves when moto[server] is missing (``needs_moto``).

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
BUCKET = "mih-private-test"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
needs_moto = pytest.mark.skipif(not MOTO_SERVER.exists(), reason="moto[server] is not installed")


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    # Port 0: the server binds a free port itself and logs it. Choosing one here and passing
    # it on would race with any other server started meanwhile (another test run's moto).
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", "0"], stdout=log, stderr=log
        )
    deadline = time.monotonic() + 30
    while not (found := re.search(r"Running on (http://127\.0\.0\.1:\d+)", log_path.read_text())):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("moto_server did not start")
        time.sleep(0.2)
    yield found.group(1)
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint, settings):
    """An empty private bucket as ``STORAGES["private"]``; yields a boto3 client for it."""
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
    left = keys(client)
    for start in range(0, len(left), 1000):  # at most 1,000 keys per DeleteObjects
        objects = [{"Key": key} for key in left[start : start + 1000]]
        client.delete_objects(Bucket=BUCKET, Delete={"Objects": objects, "Quiet": True})
    client.delete_bucket(Bucket=BUCKET)


def keys(client):
    """Every key in the bucket, in order (all pages: S3 lists at most 1,000 at a time)."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
