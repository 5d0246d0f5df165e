"""Retention dates follow the form page's period and move with the submission's status."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from forms_app.models import FormField, FormSubmission, SubmissionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(post_quote, quote_data):
    with freeze_time("2026-02-10 09:00:00"):
        assert post_quote(quote_data).status_code == 302
    return FormSubmission.objects.get()


def test_open_case_keeps_the_form_period_from_arrival(submission):
    assert submission.retain_until == datetime.date(2027, 2, 10)
    with freeze_time("2026-03-01"):
        submission.set_status(SubmissionStatus.IN_PROGRESS)
    assert submission.retain_until == datetime.date(2027, 2, 10)


def test_customer_is_kept_longer_and_reviewed(submission):
    with freeze_time("2026-06-15 12:00:00"):
        submission.set_status(SubmissionStatus.CUSTOMER)
    assert submission.retain_until == datetime.date(2028, 6, 15)
    assert "Kunde" in submission.retention_reason


def test_closed_case_goes_a_month_after_closing_but_never_later_than_before(submission):
    with freeze_time("2026-04-01 12:00:00"):
        submission.set_status(SubmissionStatus.CLOSED)
    assert submission.retain_until == datetime.date(2026, 5, 1)
    with freeze_time("2027-02-05 12:00:00"):
        submission.set_status(SubmissionStatus.CLOSED)
    assert submission.retain_until == datetime.date(2027, 2, 10)


def test_expired_excludes_legal_hold(submission):
    FormSubmission.objects.filter(pk=submission.pk).update(retain_until=datetime.date(2026, 1, 1))
    assert list(FormSubmission.objects.expired(datetime.date(2026, 1, 2))) == [submission]
    assert not FormSubmission.objects.expired(datetime.date(2026, 1, 1)).exists()
    FormSubmission.objects.filter(pk=submission.pk).update(legal_hold=True)
    assert not FormSubmission.objects.expired(datetime.date(2026, 1, 2)).exists()


def test_lookup_by_any_spelling_of_email_or_phone(submission):
    assert FormSubmission.objects.for_person(email=" METTE.hansen@example.dk").get() == submission
    assert FormSubmission.objects.for_person(phone="+45 12 34 56 78").get() == submission
    assert FormSubmission.objects.for_person(phone="0045 1234 5678").get() == submission
    assert not FormSubmission.objects.for_person(email="").exists()
    FormSubmission.objects.filter(pk=submission.pk).update(email="", phone="")
    assert not FormSubmission.objects.for_person(email=" ", phone="-- --").exists()


def test_staff_see_the_retention_reason_in_the_listing(admin_client, submission, quote_page):
    html = admin_client.get(f"/admin/forms/submissions/{quote_page.pk}/").content.decode()
    assert "højst 12 måneder" in html


@pytest.mark.parametrize("label", ["Samtykke", "mih hp"])
def test_editors_cannot_shadow_the_fixed_fields(quote_page, label):
    field = FormField(page=quote_page, label=label, field_type="singleline")
    with pytest.raises(ValidationError):
        field.clean()
