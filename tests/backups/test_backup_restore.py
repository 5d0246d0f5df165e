"""Backup → wipe → restore keeps every row and every file, and keeps erased data erased.

The round trips run on the suite's database (SQLite by default, PostgreSQL when DATABASE_URL
says so, as in CI), on local folders and on the loopback S3 server, with real pg_dump /
pg_restore and SQLite's backup API. They commit (``transaction=True``): a backup reads what
other connections see.
"""

import io
import json
from datetime import timedelta

import boto3
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Page, Site

from backups import crypto, ledger
from backups.archive import list_archives
from backups.storage import backup_storage
from cms import heartbeat
from forms_app.data_requests.erasure import erase
from forms_app.data_requests.forms import PersonForm
from forms_app.models import FormSubmission, SubmissionPhoto
from forms_app.purge import purge_expired
from home.models import CompanySettings
from tests.factories import FormSubmissionFactory, SubmissionPhotoFactory, UserFactory

from .conftest import all_files, needs_moto, s3_storage_settings, wipe

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot():
    """What a deployment holds: rows (ids and key columns) and files (bytes)."""
    return {
        "submissions": list(
            FormSubmission.objects.order_by("pk").values_list("pk", "email", "form_data")
        ),
        "photos": list(SubmissionPhoto.objects.order_by("pk").values_list("pk", "file", "key")),
        "pages": list(Page.objects.order_by("pk").values_list("pk", "title", "live")),
        "sites": list(Site.objects.order_by("pk").values_list("pk", "hostname", "root_page")),
        "settings": list(CompanySettings.objects.order_by("pk").values()),
        "users": list(
            get_user_model().objects.order_by("pk").values_list("pk", "username", "password")
        ),
        "documents": list(get_document_model().objects.order_by("pk").values_list("pk", "file")),
        "files": all_files(),
    }


@pytest.fixture
def content(sites, superuser):
    """Two sites' worth of data: submissions with photos on both, a document, a user."""
    el_page = (
        sites["mihel"]
        .root_page.get_descendants()
        .type(FormSubmission._meta.get_field("page").related_model)
    )
    submissions = [
        FormSubmissionFactory(answers={"e_mail": "mette@example.dk"}, with_photo=True),
        FormSubmissionFactory(answers={"e_mail": "jens@example.dk"}, with_photo=True),
        FormSubmissionFactory(answers={"e_mail": "ole@example.dk"}),
    ]
    SubmissionPhotoFactory(submission=submissions[1])  # a second photo
    get_document_model().objects.create(
        title="Prisliste", file=ContentFile(b"%PDF-1.4 prices", name="prisliste.pdf")
    )
    assert el_page.exists()
    return submissions


def private_count(files):
    return sum(alias == "private" for alias, _name in files)


def run(*args, strict=False, worker_running=False, **options):
    """A command's output. A restore passes --empty-ledger-ok (most tests delete nothing
    before restoring) unless ``strict``, and runs with no worker (the tasks a test ran
    in-process leave a heartbeat) unless ``worker_running``."""
    if args[0] == "restore" and not strict:
        args = (*args, "--empty-ledger-ok")
    if args[0] == "restore" and not worker_running:
        cache.delete(heartbeat.KEY)
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.parametrize("fresh_database", [False, True], ids=["flushed", "fresh-database"])
def test_round_trip_keeps_every_row_and_file(content, fresh_database):
    before = snapshot()
    assert private_count(before["files"]) == 3  # the photos
    assert ("default", "documents/prisliste.pdf") in before["files"]
    output = run("backup")
    assert "NOT encrypted" in output
    [name] = list_archives()

    wipe(fresh_database=fresh_database)
    output = run("restore")

    assert f"Restored {name}" in output
    assert "Erasure ledger replayed: 0 events" in output
    assert snapshot() == before


@needs_moto
def test_round_trip_on_s3(content, settings, s3_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-north-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for bucket in ("mih-h2-private", "mih-h2-public", "mih-h2-backups"):
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
        )
    local = all_files()
    settings.STORAGES = {
        **settings.STORAGES,
        "private": s3_storage_settings(
            s3_endpoint, "mih-h2-private", "forms_app.storage.PrivateS3Storage"
        ),
        "default": s3_storage_settings(s3_endpoint, "mih-h2-public"),
        "backups": s3_storage_settings(s3_endpoint, "mih-h2-backups"),
    }
    # The same files, now in the buckets (as a production deployment has them).
    for (alias, name), data in local.items():
        client.put_object(
            Bucket={"private": "mih-h2-private", "default": "mih-h2-public"}[alias],
            Key=name,
            Body=data,
        )
    before = snapshot()
    assert before["files"] == local

    run("backup")
    [name] = [o["Key"] for o in client.list_objects_v2(Bucket="mih-h2-backups")["Contents"]]
    assert name.startswith("mih-backup-")
    wipe()
    run("restore", name)

    assert snapshot() == before


def test_erased_purged_and_deleted_stay_so_after_restore(content, superuser):
    run("backup")
    erased, purged, kept = content
    staff_deleted = FormSubmissionFactory(with_photo=True)
    run("backup")  # a later archive holds staff_deleted; the restore takes the newest
    erased_files = [p.file.name for p in erased.photos.all()]
    deleted_files = [p.file.name for p in staff_deleted.photos.all()]
    purged_files = [p.file.name for p in purged.photos.all()]

    # An erasure request (art. 17) for mette@example.dk.
    form = PersonForm({"email": "mette@example.dk"})
    assert form.is_valid()
    assert erase(superuser, form)["deleted_count"] == 1
    # The retention purge, on the day after purged's retention date.
    FormSubmission.objects.filter(pk=purged.pk).update(
        retain_until=timezone.localdate() - timedelta(days=1)
    )
    assert purge_expired(delete=True).count == 1
    # Staff deleting one submission: what Wagtail's per-form delete does (the view itself is
    # tested in test_ledger_views.py; in this process, after the flushes and restores of the
    # tests before, Wagtail's form-type lookup no longer matches the renumbered pages).
    with transaction.atomic(), ledger.recording(ledger.Reason.STAFF_DELETE):
        FormSubmission.objects.filter(pk=staff_deleted.pk).delete()
    gone = {erased.pk, purged.pk, staff_deleted.pk}
    assert not FormSubmission.objects.filter(pk__in=gone).exists()
    events = list(ledger.read_events())
    assert [e["reason"] for e in events] == ["erasure", "purge", "staff_delete"]

    wipe()
    output = run("restore")

    assert "Erasure ledger replayed: 3 events; deleted again 3 submissions, 4 photos and" in (
        output
    )
    assert set(FormSubmission.objects.values_list("pk", flat=True)) == {kept.pk}
    names = {name for (_alias, name) in all_files()}
    for name in erased_files + purged_files + deleted_files:
        assert name not in names
    assert run("replay_ledger").startswith(
        "Erasure ledger replayed: 3 events; deleted again 0 submissions, 0 photos and 0 files"
    )


def test_encrypted_round_trip_and_wrong_key(content, settings):
    settings.BACKUP_ENCRYPTION_KEY = crypto.generate_key()
    before = snapshot()
    assert "encrypted" in run("backup")
    [name] = list_archives()
    assert name.endswith(".tar.enc")
    with backup_storage().open(name, "rb") as handle:
        data = handle.read()
    # Nothing readable: not the manifest, not an email, not a photo's bytes.
    for plain in [b"manifest.json", b"mette@example.dk", *before["files"].values()]:
        assert plain[:64] not in data
    wipe()

    right_key = settings.BACKUP_ENCRYPTION_KEY
    settings.BACKUP_ENCRYPTION_KEY = crypto.generate_key()
    with pytest.raises(CommandError, match="encrypted with another key"):
        run("restore")
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="is encrypted: set BACKUP_ENCRYPTION_KEY"):
        run("restore")
    assert FormSubmission.objects.count() == 0  # nothing was restored

    settings.BACKUP_ENCRYPTION_KEY = right_key
    run("restore")
    assert snapshot() == before


def test_restore_refuses_a_deployment_with_data(content):
    run("backup")
    FormSubmissionFactory()
    with pytest.raises(CommandError, match=r"already holds data \(.*4 submissions"):
        run("restore")
    assert FormSubmission.objects.count() == 4

    run("restore", "--force")
    assert FormSubmission.objects.count() == 3


def test_a_delete_the_ledger_cannot_record_does_not_happen(content, superuser, ledger_down):
    form = PersonForm({"email": "mette@example.dk"})
    assert form.is_valid()
    with pytest.raises(ledger.LedgerUnavailable):
        erase(superuser, form)
    assert FormSubmission.objects.count() == 3
    FormSubmission.objects.update(retain_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ledger.LedgerUnavailable):
        purge_expired(delete=True)
    assert FormSubmission.objects.count() == 3
    assert private_count(all_files()) == 3


def test_ledger_holds_ids_and_storage_names_only(content, settings):
    FormSubmission.objects.update(retain_until=timezone.localdate() - timedelta(days=1))
    assert purge_expired(delete=True, batch_size=2).count == 3
    events = list(ledger.read_events())
    assert len(events) == 2  # one object per batch
    assert sum(len(e["submissions"]) for e in events) == 3
    assert sum(len(e["photos"]) for e in events) == 3
    text = json.dumps(events)
    for personal in ["example.dk", "Mette", "12 34", "bad.jpg", "Søndergade"]:
        assert personal not in text
    assert all(p["file"].startswith("submissions/") for e in events for p in e["photos"])


def test_replay_spares_a_new_submission_that_got_an_erased_id(content):
    erased = content[0]
    ledger.write_event(
        ledger.Event(
            ledger.Reason.ERASURE,
            submissions=[
                {
                    "id": erased.pk,
                    "page": erased.page_id,
                    "site": erased.site_id,
                    "submitted": (erased.submit_time - timedelta(days=3)).isoformat(),
                }
            ],
        )
    )
    assert run("replay_ledger").startswith(
        "Erasure ledger replayed: 1 events; deleted again 0 submissions"
    )
    assert FormSubmission.objects.filter(pk=erased.pk).exists()


def test_other_deletes_are_recorded_after_commit(content):
    FormSubmission.objects.filter(pk=content[2].pk).delete()  # a shell, say
    [event] = ledger.read_events()
    assert event["reason"] == "delete"
    assert [s["id"] for s in event["submissions"]] == [content[2].pk]


def test_users_survive_round_trip(content):
    UserFactory(username="kontor")
    before = snapshot()["users"]
    run("backup")
    wipe()
    run("restore")
    assert snapshot()["users"] == before


def test_orphan_sweep_lists_what_it_deletes_and_replay_deletes_it_again(content):
    from django.core.files.base import ContentFile as File

    from forms_app.orphans import sweep_orphans
    from forms_app.storage import private_storage

    orphan = private_storage().save("submissions/2020/01/0123abcd.jpg", File(b"orphan"))
    later = timezone.now() + timedelta(days=2)
    run("backup")  # it holds the orphan
    assert sweep_orphans(delete=True, now=later).removed == 1
    [event] = ledger.read_events()
    assert (event["reason"], event["files"]) == ("orphan_sweep", [orphan])

    wipe()
    output = run("restore")
    assert "deleted again 0 submissions, 0 photos and 1 files" in output
    assert not private_storage().exists(orphan)


def test_restore_refuses_an_empty_ledger(content):
    # An empty ledger is most often the wrong one (a new host's own folder): restoring would
    # bring back everything erased since the backup, so it takes an explicit flag.
    run("backup")
    wipe()
    with pytest.raises(CommandError, match="holds no event"):
        run("restore", strict=True)
    assert FormSubmission.objects.count() == 0


def test_restore_refuses_while_a_worker_runs(content):
    run("backup")
    wipe()
    heartbeat.beat()
    with pytest.raises(CommandError, match="task worker is running"):
        run("restore", worker_running=True)
    assert FormSubmission.objects.count() == 0


def test_an_archive_cut_short_changes_nothing(content):
    # The whole archive is read and checked before anything is written: a file cut short is
    # refused with the database and storages as they were (here: empty), not half restored
    # and never replayed.
    run("backup")
    [name] = list_archives()
    with backup_storage().open(name, "rb") as handle:
        data = handle.read()
    backup_storage().delete(name)
    backup_storage().save(name, ContentFile(data[: len(data) // 2]))
    wipe()
    with pytest.raises(CommandError):
        run("restore")
    assert FormSubmission.objects.count() == 0
    assert not Page.objects.exclude(depth=1).exists()
    assert not all_files()
