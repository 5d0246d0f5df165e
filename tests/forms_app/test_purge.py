"""The retention purge: date boundaries, legal hold, files, reporting, running twice."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from forms_app.models import FormSubmission, StaffAction, SubmissionPhoto
from forms_app.purge import purge_expired
from tests.factories import FormSubmissionFactory
from tests.forms_app.conftest import private_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def quotes(quote_page):
    """Three quotes received 2026-01-15 (kept until 2027-01-15), one with a photo."""
    with freeze_time("2026-01-15 10:00:00"):
        FormSubmissionFactory(page=quote_page, with_photo=True)
        FormSubmissionFactory(page=quote_page, answers={"e_mail": "b@example.dk"})
        FormSubmissionFactory(page=quote_page, answers={"e_mail": "c@example.dk"})
    return list(FormSubmission.objects.order_by("pk"))


def purge(**kwargs):
    return purge_expired(**kwargs)


def test_nothing_is_purged_on_the_last_day(quotes):
    report = purge(today=datetime.date(2027, 1, 15), delete=True)
    assert report.count == 0 and FormSubmission.objects.count() == 3


def test_purged_the_day_after(quotes, django_capture_on_commit_callbacks):
    assert len(private_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        report = purge(today=datetime.date(2027, 1, 16), delete=True, batch_size=2)
    assert report.count == 3 and report.files == 1
    assert FormSubmission.objects.count() == 0 and SubmissionPhoto.objects.count() == 0
    assert private_files() == []


def test_legal_hold_is_never_purged(quotes):
    FormSubmission.objects.filter(pk=quotes[1].pk).update(legal_hold=True, legal_hold_reason="Sag")
    purge(today=datetime.date(2030, 1, 1), delete=True)
    assert list(FormSubmission.objects.all()) == [quotes[1]]


def test_without_delete_it_only_reports(quotes):
    report = purge(today=datetime.date(2027, 2, 1))
    assert report.count == 3 and report.files == 1 and not report.deleted
    assert FormSubmission.objects.count() == 3
    assert not StaffAction.objects.exists()


def test_running_twice_is_safe_and_audited_without_personal_data(quotes, vvs_site):
    first = purge(today=datetime.date(2027, 2, 1), delete=True)
    second = purge(today=datetime.date(2027, 2, 1), delete=True)
    assert (first.count, second.count) == (3, 0)
    [entry] = StaffAction.objects.filter(action="purge")
    assert (entry.site, entry.count, entry.user) == (vvs_site, 3, None)
    assert "example.dk" not in f"{entry.detail} {entry}"


def test_status_change_moves_the_purge_date(quotes):
    customer = quotes[0]
    with freeze_time("2026-12-01 12:00:00"):
        customer.set_status("customer")
        customer.save()
    purge(today=datetime.date(2027, 2, 1), delete=True)
    assert list(FormSubmission.objects.all()) == [customer]


def test_command_reports_then_deletes(quotes):
    out = StringIO()
    with freeze_time("2027-02-01 03:00:00"):
        call_command("purge_expired_submissions", stdout=out)
        assert "Would delete 3 submissions" in out.getvalue()
        assert FormSubmission.objects.count() == 3
        call_command("purge_expired_submissions", "--delete", stdout=out)
    assert "Deleted 3 submissions" in out.getvalue()
    assert FormSubmission.objects.count() == 0
