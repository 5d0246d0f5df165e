"""Staff deleting or erasing while the erasure ledger cannot be written: nothing is deleted and
they are told so (no error page)."""

from django.urls import reverse

from backups import ledger
from forms_app.models import FormSubmission
from tests.factories import FormSubmissionFactory


def messages_of(response):
    return [str(m).strip() for m in response.context["messages"]]


def test_staff_delete_is_refused_without_the_ledger(client, superuser, ledger_down):
    submission = FormSubmissionFactory(with_photo=True)
    client.force_login(superuser)
    url = reverse("wagtailforms:delete_submissions", args=[submission.page_id])
    response = client.post(f"{url}?selected-submissions={submission.pk}", follow=True)
    assert response.status_code == 200
    assert str(ledger.NOT_DELETED_MESSAGE) in messages_of(response)
    assert FormSubmission.objects.filter(pk=submission.pk).exists()


def test_erasure_is_refused_without_the_ledger(client, superuser, ledger_down):
    submission = FormSubmissionFactory(answers={"e_mail": "mette@example.dk"})
    client.force_login(superuser)
    response = client.post(
        reverse("henvendelser:erasure"), {"step": "confirm", "email": "mette@example.dk"}
    )
    assert response.status_code == 200
    assert str(ledger.NOT_DELETED_MESSAGE) in messages_of(response)
    assert FormSubmission.objects.filter(pk=submission.pk).exists()


def test_staff_delete_writes_one_ledger_object(client, superuser):
    submissions = FormSubmissionFactory.create_batch(3, with_photo=True)
    client.force_login(superuser)
    url = reverse("wagtailforms:delete_submissions", args=[submissions[0].page_id])
    query = "&".join(f"selected-submissions={s.pk}" for s in submissions)
    client.post(f"{url}?{query}")
    [event] = ledger.read_events()
    assert event["reason"] == "staff_delete"
    assert sorted(s["id"] for s in event["submissions"]) == sorted(s.pk for s in submissions)
    assert len(event["photos"]) == 3
