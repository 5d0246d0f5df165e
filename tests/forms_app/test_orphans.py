"""The orphan sweep: photo files no row points to go, after a grace period, on the local folder
and on the S3 bucket; photos with a row, their previews and young files stay."""

import datetime
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from forms_app.models import StaffAction, SubmissionPhoto
from forms_app.orphans import sweep_orphans
from forms_app.staff.photos import thumbnail
from forms_app.storage import private_storage, thumbnail_name
from tests.factories import FormSubmissionFactory, SubmissionPhotoFactory
from tests.forms_app.conftest import BUCKET, keys, needs_moto

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def store(name, content=b"not really a photo"):
    saved = private_storage().save(name, ContentFile(content))
    assert saved == name
    return name


def age(name, by):
    """Make a local file look written ``by`` ago."""
    then = time.time() - by.total_seconds()
    os.utime(private_storage().path(name), (then, then))


def random_name(folder="submissions/2026/01", extension="jpg"):
    return f"{folder}/{uuid.uuid4().hex}.{extension}"


@pytest.fixture
def local_files(quote_page):
    """Every kind of file the photo folder can hold: two days old, but the young orphan, which
    is just inside the default grace of 24 hours."""
    photo = SubmissionPhotoFactory(submission__page=quote_page)
    names = {
        "photo": photo.file.name,
        "preview": thumbnail_name(photo.file.name),
        "orphan": store(random_name(extension="png")),
        # The preview of a photo whose row is gone (say, deleted while staff looked at it).
        "orphan preview": store(thumbnail_name(random_name(folder="submissions/2025/12"))),
        "young orphan": store(random_name()),
        # Not written by the intake: the sweep does not know what it is, so it never looks.
        "elsewhere": store("notes/readme.txt"),
    }
    thumbnail(photo)  # the inbox preview, stored next to the photo
    for key, name in names.items():
        age(name, 2 * DAY if key != "young orphan" else datetime.timedelta(hours=23))
    return names


def existing(names):
    storage = private_storage()
    return {key for key, name in names.items() if storage.exists(name)}


def test_local_orphans_are_reported_then_deleted(local_files):
    report = sweep_orphans()
    assert (report.found, report.young, report.removed, report.deleted) == (2, 1, 0, False)
    assert existing(local_files) == set(local_files)
    assert not StaffAction.objects.exists()

    report = sweep_orphans(delete=True)
    assert (report.found, report.young, report.failed, report.removed) == (2, 1, 0, 2)
    assert existing(local_files) == {"photo", "preview", "young orphan", "elsewhere"}
    [entry] = StaffAction.objects.all()
    assert (entry.action, entry.detail, entry.count, entry.site, entry.user) == (
        "purge",
        "orphans",
        2,
        None,
        None,
    )

    # Running again finds nothing and writes no second audit entry.
    assert sweep_orphans(delete=True).found == 0
    assert StaffAction.objects.count() == 1


def test_the_grace_period_decides_what_is_young(local_files):
    """An upload in flight has its file and, for a moment, no row: never swept. The 23-hour
    old orphan kept above goes once the grace is shorter than its age."""
    report = sweep_orphans(delete=True, grace=datetime.timedelta(hours=22))
    assert (report.found, report.young, report.removed) == (3, 0, 3)
    assert existing(local_files) == {"photo", "preview", "elsewhere"}


def test_grace_comes_from_the_setting(local_files, settings):
    settings.FORMS_ORPHAN_GRACE_HOURS = 72
    report = sweep_orphans(delete=True)
    assert (report.found, report.young, report.grace_hours) == (0, 3, 72)
    assert existing(local_files) == set(local_files)


@pytest.mark.parametrize("hours", [0, -5])
def test_a_grace_shorter_than_an_hour_is_refused(local_files, settings, hours):
    settings.FORMS_ORPHAN_GRACE_HOURS = hours
    with pytest.raises(ImproperlyConfigured, match="at least 1 hour"):
        sweep_orphans(delete=True)
    assert existing(local_files) == set(local_files)


def test_nothing_stored_yet_is_nothing_to_sweep(private_media):
    assert not private_media.exists()
    report = sweep_orphans(delete=True)
    assert (report.found, report.young) == (0, 0)


def test_command_prints_counts_and_no_names(local_files, caplog):
    out = StringIO()
    with caplog.at_level(logging.INFO, logger="forms_app"):
        call_command("purge_expired_submissions", stdout=out)
        report_output = out.getvalue()
        assert (
            "Would delete 2 orphaned photo files (no photo row, older than 24 hours); "
            "1 younger kept." in report_output
        )
        assert "Nothing was deleted. Run again with --delete to delete them." in report_output
        assert existing(local_files) == set(local_files)

        out = StringIO()
        call_command("purge_expired_submissions", "--delete", stdout=out)
    assert (
        "Deleted 2 orphaned photo files (no photo row, older than 24 hours); 1 younger kept."
        in out.getvalue()
    )
    assert existing(local_files) == {"photo", "preview", "young orphan", "elsewhere"}
    printed = report_output + out.getvalue() + caplog.text
    assert "Orphan sweep: 2 orphaned photo files deleted, 0 failed" in caplog.text
    for name in local_files.values():
        assert posix_stem(name) not in printed


def posix_stem(name):
    return name.rsplit("/", 1)[-1].split(".", 1)[0]


# The same on the production backend: the private S3 bucket, on moto's server.


@needs_moto
def test_s3_orphans_are_reported_then_deleted(bucket, quote_page):
    photo = SubmissionPhotoFactory(submission__page=quote_page)
    thumbnail(photo)
    orphan = store(random_name())
    kept = sorted([photo.file.name, thumbnail_name(photo.file.name)])
    assert keys(bucket) == sorted([*kept, orphan])

    # Just written: inside the grace, whatever is asked.
    report = sweep_orphans(delete=True)
    assert (report.found, report.young) == (0, 1)
    assert orphan in keys(bucket)

    # A day and a bit later (S3 sets LastModified itself; the clock moves instead).
    later = timezone.now() + DAY + datetime.timedelta(hours=1)
    report = sweep_orphans(now=later)
    assert (report.found, report.young, report.removed) == (1, 0, 0)
    assert orphan in keys(bucket)

    report = sweep_orphans(delete=True, now=later)
    assert (report.found, report.removed) == (1, 1)
    assert keys(bucket) == kept
    assert StaffAction.objects.get(detail="orphans").count == 1


@needs_moto
def test_s3_listing_is_read_past_its_first_page(bucket, quote_page):
    """S3 lists at most 1,000 keys a page; django-storages' listdir pages on, so an orphan
    listed on the second page is found too."""
    folder = "submissions/2026/02"
    photos = [f"{folder}/{n:032x}.jpg" for n in range(1000)]
    orphan = f"{folder}/{'f' * 32}.jpg"  # listed last: keys come in order
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda key: bucket.put_object(Bucket=BUCKET, Key=key, Body=b"x"), photos))
    store(orphan)
    submission = FormSubmissionFactory(page=quote_page)
    SubmissionPhoto.objects.bulk_create(
        SubmissionPhoto(
            submission=submission,
            field_name="billeder_af_installationen",
            file=name,
            content_type="image/jpeg",
            size=1,
            width=1,
            height=1,
            key=uuid.uuid4(),
        )
        for name in photos
    )
    report = sweep_orphans(delete=True, now=timezone.now() + 2 * DAY)
    assert (report.found, report.young, report.removed) == (1, 0, 1)
    assert keys(bucket) == photos
