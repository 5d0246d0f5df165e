"""Visitors' photos on a private S3 bucket (production), against a real S3 server on loopback.

moto's server mode is an S3-compatible HTTP server; django-storages and boto3 talk to it
exactly as they would to the production bucket.
"""

import datetime
import io

import pytest
from django.urls import reverse
from PIL import Image

from forms_app.models import FormSubmission, SubmissionPhoto
from forms_app.purge import purge_expired
from tests.factories import FormSubmissionFactory, SubmissionPhotoFactory
from tests.forms_app.conftest import BUCKET, GPS_IFD, keys, needs_moto, photo_bytes, upload

# The moto server and the bucket fixture are in tests/forms_app/conftest.py.
pytestmark = [pytest.mark.django_db, needs_moto]


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
