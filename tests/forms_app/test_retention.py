"""Retention dates follow the form page's period and move with the submission's status."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from forms_app.models import FormField, FormSubmission, SubmissionStatus
from tests.factories import FormPageFactory, FormSubmissionFactory

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


@pytest.mark.parametrize(
    ("editors_reason", "shown"),
    [
        ("", "Gemmes, mens henvendelsen behandles, dog højst 3 måneder efter modtagelsen."),
        ("Slettes, når tilbuddet er udløbet.", "Slettes, når tilbuddet er udløbet."),
    ],
    ids=["from-the-period", "the-editors-own"],
)
def test_staff_see_the_retention_reason_in_the_listing(
    client, superuser, vvs_site, editors_reason, shown
):
    """The reason comes from the form's own period, unless its editor wrote one."""
    page = FormPageFactory(
        parent=vvs_site.root_page, retention_period=3, retention_reason=editors_reason
    )
    submission = FormSubmissionFactory(page=page)
    assert submission.retention_reason == shown
    client.force_login(superuser)
    response = client.get(reverse("wagtailforms:list_submissions", args=[page.pk]))
    assert response.status_code == 200
    assert shown in response.content.decode()


@pytest.mark.parametrize("label", ["Samtykke", "mih hp"])
def test_editors_cannot_shadow_the_fixed_fields(quote_page, label):
    field = FormField(page=quote_page, label=label, field_type="singleline")
    with pytest.raises(ValidationError):
        field.clean()
