"""Pruning the consent log: a visitor's entries go together once their latest choice is older than
CONSENT_LOG_RETENTION_DAYS; a recent change keeps the whole history. The daily
purge_expired_submissions reports it, and prunes with --delete."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cookie_consent.models import BannerTextVersion, ConsentRecord
from cookie_consent.prune import prunable_entries, prune_consent_log

Method = ConsentRecord.Method
RETENTION = 5 * 365


def banner(site, age=None, now=None):
    version = BannerTextVersion.objects.create(
        site=site, language="da", heading="Vi bruger cookies", text="…", digest=uuid.uuid4().hex
    )
    if age is not None:
        BannerTextVersion.objects.filter(pk=version.pk).update(created_at=now - age)
    return version


def record(site, at, consent_id, banner_text, method=Method.ACCEPT_ALL):
    entry = ConsentRecord.objects.create(
        site=site,
        consent_id=consent_id,
        method=method,
        statistics=method == Method.ACCEPT_ALL,
        language="da",
        banner_text=banner_text,
    )
    ConsentRecord.objects.filter(pk=entry.pk).update(created_at=at)
    return entry


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def log(vvs_site, el_site, now):
    """Visitors whose latest choice is just outside, just inside, exactly at the retention
    period, and one with an old history and a recent change."""
    version = banner(vvs_site)
    days = timedelta(days=RETENTION)
    ids = {name: uuid.uuid4() for name in ("outside", "inside", "at_cutoff", "changed", "el_old")}
    entries = {name: [] for name in ids}

    def add(name, age, site=vvs_site, method=Method.ACCEPT_ALL):
        entries[name].append(record(site, now - age, ids[name], version, method))

    # Latest choice one day older than the period: all three entries go.
    add("outside", days + timedelta(days=400))
    add("outside", days + timedelta(days=30), method=Method.CUSTOM)
    add("outside", days + timedelta(days=1), method=Method.WITHDRAW)
    # Latest choice one day inside the period: kept, with its older entry.
    add("inside", days + timedelta(days=10))
    add("inside", days - timedelta(days=1))
    # Exactly as old as the period: not older, kept.
    add("at_cutoff", days)
    # Six years of history and a change ten days ago: all kept.
    add("changed", timedelta(days=6 * 365))
    add("changed", timedelta(days=10), method=Method.REJECT_ALL)
    # The other site's old visitor goes too (the prune is for every site).
    add("el_old", days + timedelta(days=2), site=el_site)
    return ids, entries


def remaining(ids):
    return {
        name
        for name, consent_id in ids.items()
        if ConsentRecord.objects.filter(consent_id=consent_id).exists()
    }


def test_prune_deletes_exactly_the_visitors_whose_latest_choice_is_older(log, now):
    ids, entries = log
    assert set(prunable_entries(now).values_list("consent_id", flat=True)) == {
        ids["outside"],
        ids["el_old"],
    }
    assert prune_consent_log(now=now) == 4
    assert remaining(ids) == {"inside", "at_cutoff", "changed"}
    for name in ("inside", "at_cutoff", "changed"):
        assert ConsentRecord.objects.filter(consent_id=ids[name]).count() == len(entries[name])
    assert prune_consent_log(now=now) == 0


def test_a_day_later_the_boundary_visitors_go(log, now):
    ids, _entries = log
    # A microsecond past the period: the visitor exactly at the cutoff goes.
    assert prune_consent_log(now=now + timedelta(microseconds=1)) == 4 + 1
    # "inside" is now exactly at the cutoff (kept); a moment later it goes.
    assert prune_consent_log(now=now + timedelta(days=1)) == 0
    assert prune_consent_log(now=now + timedelta(days=1, microseconds=1)) == 2
    assert remaining(ids) == {"changed"}


def test_prune_in_small_batches_deletes_the_same(log, now):
    ids, _entries = log
    assert prune_consent_log(now=now, batch_size=1) == 4
    assert remaining(ids) == {"inside", "at_cutoff", "changed"}


def test_the_retention_period_is_a_setting(log, now, settings):
    ids, _entries = log
    settings.CONSENT_LOG_RETENTION_DAYS = 9
    assert prune_consent_log(now=now) == 4 + 2 + 1 + 2
    assert remaining(ids) == set()


def test_prune_is_a_few_queries_whatever_the_number_of_visitors(
    vvs_site, now, django_assert_max_num_queries
):
    version = banner(vvs_site)
    for _i in range(200):
        record(vvs_site, now - timedelta(days=RETENTION + 5), uuid.uuid4(), version)
    with django_assert_max_num_queries(8):
        assert prune_consent_log(now=now) == 200


def test_unreferenced_old_banner_texts_go_referenced_or_recent_ones_stay(vvs_site, now):
    old = timedelta(days=RETENTION + 1)
    unused_old = banner(vvs_site, age=old, now=now)
    unused_recent = banner(vvs_site, age=timedelta(days=3), now=now)
    used_by_kept = banner(vvs_site, age=old, now=now)
    used_by_pruned = banner(vvs_site, age=old, now=now)
    record(vvs_site, now - timedelta(days=2), uuid.uuid4(), used_by_kept)
    record(vvs_site, now - old, uuid.uuid4(), used_by_pruned)
    assert prune_consent_log(now=now) == 1
    kept = set(BannerTextVersion.objects.values_list("pk", flat=True))
    assert unused_recent.pk in kept
    assert used_by_kept.pk in kept
    assert unused_old.pk not in kept
    assert used_by_pruned.pk not in kept  # its only entry went first


def test_the_daily_command_reports_then_prunes(log):
    ids, _entries = log
    # The command's "now" is a moment after the fixture's: the visitor exactly at the cutoff
    # would be just outside it.
    ConsentRecord.objects.filter(consent_id=ids.pop("at_cutoff")).delete()
    out = StringIO()
    call_command("purge_expired_submissions", stdout=out)
    report = out.getvalue()
    assert f"Consent log: 4 entries older than {RETENTION} days would be deleted" in report
    assert "Nothing was deleted. Run again with --delete to delete them." in report
    assert remaining(ids) == set(ids)

    out = StringIO()
    call_command("purge_expired_submissions", "--delete", stdout=out)
    assert f"Consent log: 4 entries older than {RETENTION} days deleted" in out.getvalue()
    assert remaining(ids) == {"inside", "changed"}

    out = StringIO()
    call_command("purge_expired_submissions", "--delete", stdout=out)
    assert f"Consent log: 0 entries older than {RETENTION} days deleted" in out.getvalue()
