"""Answer from the tool: contact links, the reference number, internal notes and an assignee
on a submission; the inbox's assignee column and filter, reference search and date format."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from forms_app.intake import notifications
from forms_app.intake.thanks import reference_number
from forms_app.models import FormPage, FormSubmission, StaffAction, SubmissionNote
from tests.factories import VVS_STAFF, FormSubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mette(quote_page):
    return FormSubmissionFactory(page=quote_page)


@pytest.fixture
def else_el(el_site):
    el_contact = FormPage.objects.descendant_of(el_site.root_page).get(slug="kontakt")
    return FormSubmissionFactory(
        page=el_contact, answers={"navn": "Else El", "e_mail": "else@example.dk"}
    )


@pytest.fixture
def staff_client(client, vvs_staff):
    client.force_login(vvs_staff)
    return client


def da(msgid):
    """``msgid`` in the admin's Danish (the English msgid until the catalogue has it)."""
    with override("da"):
        return gettext(msgid)


def detail_html(client, submission):
    return client.get(reverse("henvendelser:detail", args=[submission.pk])).content.decode()


def reference(submission):
    return f"VVS-{timezone.localtime(submission.submit_time).year}-{submission.pk:05d}"


def test_detail_links_email_and_phone_and_shows_the_reference(staff_client, mette):
    html = detail_html(staff_client, mette)
    assert '<a href="mailto:mette.hansen@example.dk">mette.hansen@example.dk</a>' in html
    assert '<a href="tel:+4512345678">12 34 56 78</a>' in html
    assert reference(mette) == reference_number(mette, "MIH VVS ApS")
    assert f"<strong>{reference(mette)}</strong>" in html


def test_add_note_lists_it_with_author_and_danish_time_and_audits_without_text(
    staff_client, mette, vvs_staff
):
    vvs_staff.first_name, vvs_staff.last_name = "Karin", "Kundeservice"
    vvs_staff.save()
    response = staff_client.post(
        reverse("henvendelser:add_note", args=[mette.pk]),
        {"text": "Ringede kl. 10, kommer torsdag.", "shown_to_person": "on"},
        follow=True,
    )
    note = SubmissionNote.objects.get()
    assert (note.submission, note.author, note.author_name) == (
        mette,
        vvs_staff,
        "Karin Kundeservice",
    )
    assert note.shown_to_person
    html = response.content.decode()
    assert da("The note is added.") in html
    assert "Ringede kl. 10, kommer torsdag." in html and "Karin Kundeservice" in html
    # Django's Danish DATETIME_FORMAT ("26. november 2026 14:05"), never ISO.
    created = timezone.localtime(note.created_at)
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august"]
    months += ["september", "oktober", "november", "december"]
    expected = f"{created.day}. {months[created.month - 1]} {created.year} {created:%H:%M}"
    assert expected in html
    assert f"{created:%Y-%m-%d}" not in re.sub(r'datetime="[^"]*"', "", html)
    entry = StaffAction.objects.get(action="note_added")
    assert (entry.user, entry.site_id, entry.count, entry.detail) == (
        vvs_staff,
        mette.site_id,
        1,
        "",
    )


def test_a_withheld_note_is_marked(staff_client, mette):
    staff_client.post(reverse("henvendelser:add_note", args=[mette.pk]), {"text": "Til advokat"})
    assert not SubmissionNote.objects.get().shown_to_person
    assert da("not in access reports") in detail_html(staff_client, mette)


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_bad_note_changes_nothing(staff_client, mette, text):
    response = staff_client.post(reverse("henvendelser:add_note", args=[mette.pk]), {"text": text})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not SubmissionNote.objects.exists() and not StaffAction.objects.exists()


def test_notes_and_assignee_need_post_and_csrf(client, vvs_staff, mette):
    from django.test import Client

    assert client.get(reverse("henvendelser:add_note", args=[mette.pk])).status_code in (302, 405)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(vvs_staff)
    assert (
        strict.post(reverse("henvendelser:add_note", args=[mette.pk]), {"text": "x"}).status_code
        == 403
    )
    assert (
        strict.post(
            reverse("henvendelser:assign", args=[mette.pk]), {"assignee": vvs_staff.pk}
        ).status_code
        == 403
    )
    strict.force_login(vvs_staff)
    assert strict.get(reverse("henvendelser:assign", args=[mette.pk])).status_code == 405
    assert not SubmissionNote.objects.exists()
    mette.refresh_from_db()
    assert mette.assignee is None


def test_other_companys_staff_get_404_and_change_nothing(client, el_staff, vvs_staff, mette):
    note = SubmissionNote.objects.create(submission=mette, author=vvs_staff, text="Intern")
    client.force_login(el_staff)
    assert (
        client.post(reverse("henvendelser:add_note", args=[mette.pk]), {"text": "x"}).status_code
        == 404
    )
    assert (
        client.post(reverse("henvendelser:delete_note", args=[mette.pk, note.pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("henvendelser:assign", args=[mette.pk]), {"assignee": el_staff.pk}
        ).status_code
        == 404
    )
    assert SubmissionNote.objects.count() == 1
    mette.refresh_from_db()
    assert mette.assignee is None and not StaffAction.objects.exists()


def test_delete_own_note_after_confirmation(staff_client, vvs_staff, mette):
    note = SubmissionNote.objects.create(submission=mette, author=vvs_staff, text="Slet mig")
    url = reverse("henvendelser:delete_note", args=[mette.pk, note.pk])
    assert url in detail_html(staff_client, mette)
    confirm = staff_client.get(url)
    assert confirm.status_code == 200 and "Slet mig" in confirm.content.decode()
    assert SubmissionNote.objects.exists()  # a GET only asks
    response = staff_client.post(url, follow=True)
    assert da("The note is deleted.") in response.content.decode()
    assert not SubmissionNote.objects.exists()
    entry = StaffAction.objects.get(action="note_deleted")
    assert (entry.site_id, entry.count, entry.detail) == (mette.site_id, 1, "")


def test_only_the_author_or_a_superuser_deletes_a_note(staff_client, mette, superuser):
    colleague = UserFactory(groups=[VVS_STAFF])
    note = SubmissionNote.objects.create(submission=mette, author=colleague, text="Min note")
    url = reverse("henvendelser:delete_note", args=[mette.pk, note.pk])
    assert url not in detail_html(staff_client, mette)
    response = staff_client.post(url)
    assert response.status_code == 403
    assert da("You can only delete your own notes.") in response.content.decode()
    assert SubmissionNote.objects.exists() and not StaffAction.objects.exists()
    # A note of another submission is not reached through this one.
    other = FormSubmissionFactory(page=mette.page)
    assert (
        staff_client.post(
            reverse("henvendelser:delete_note", args=[other.pk, note.pk])
        ).status_code
        == 404
    )
    staff_client.force_login(superuser)
    assert staff_client.post(url).status_code == 302
    assert not SubmissionNote.objects.exists()


def test_notes_go_with_the_submission(mette, vvs_staff):
    SubmissionNote.objects.create(submission=mette, author=vvs_staff, text="Væk")
    mette.delete()
    assert not SubmissionNote.objects.exists()


def test_assignee_choices_are_this_sites_readers_only(
    staff_client, mette, vvs_staff, el_staff, vvs_editor, superuser
):
    inactive = UserFactory(username="tidligere", groups=[VVS_STAFF], is_active=False)
    html = detail_html(staff_client, mette)
    select = re.search(r'<select name="assignee".*?</select>', html, re.S).group(0)
    assert f">{da('Nobody')}<" in select
    assert vvs_staff.username in select and superuser.username in select
    for outsider in (el_staff, vvs_editor, inactive):
        assert f'value="{outsider.pk}"' not in select

    url = reverse("henvendelser:assign", args=[mette.pk])
    for outsider in (el_staff, vvs_editor, inactive):
        response = staff_client.post(url, {"assignee": outsider.pk})
        assert response.status_code == 400
        assert (
            da("Choose someone who may read this site's submissions, or nobody.").replace(
                "'", "&#x27;"
            )
            in response.content.decode()
        )
    mette.refresh_from_db()
    assert mette.assignee is None and not StaffAction.objects.exists()

    response = staff_client.post(url, {"assignee": vvs_staff.pk}, follow=True)
    assert (
        da("The submission is assigned to %(name)s.") % {"name": vvs_staff.username}
    ) in response.content.decode()
    mette.refresh_from_db()
    assert mette.assignee == vvs_staff
    entry = StaffAction.objects.get(action="assigned")
    assert (entry.user, entry.site_id, entry.count, entry.detail) == (
        vvs_staff,
        mette.site_id,
        1,
        "",
    )
    staff_client.post(url, {"assignee": ""})
    mette.refresh_from_db()
    assert mette.assignee is None
    assert StaffAction.objects.filter(action="assigned").count() == 2


def test_inbox_assignee_column_and_filter(staff_client, quote_page, vvs_staff):
    mine = FormSubmissionFactory(page=quote_page, answers={"navn": "Min Kunde"})
    FormSubmissionFactory(page=quote_page, answers={"navn": "Ingens Kunde"})
    colleague = UserFactory(username="kollega", groups=[VVS_STAFF])
    FormSubmissionFactory(page=quote_page, answers={"navn": "Kollegas Kunde"})
    FormSubmission.objects.filter(pk=mine.pk).update(assignee=vvs_staff)
    FormSubmission.objects.filter(name="Kollegas Kunde").update(assignee=colleague)

    def names(**params):
        html = staff_client.get(reverse("henvendelser:inbox"), params).content.decode()
        found = {n for n in ("Min Kunde", "Ingens Kunde", "Kollegas Kunde") if n in html}
        return html, found

    html, found = names()
    assert da("Assignee") in html and "kollega" in html
    assert found == {"Min Kunde", "Ingens Kunde", "Kollegas Kunde"}
    assert names(assignee="me")[1] == {"Min Kunde"}
    assert names(assignee="none")[1] == {"Ingens Kunde"}
    assert names(assignee=str(colleague.pk))[1] == {"Kollegas Kunde"}
    html, _found = names(assignee="me")
    assert da("Assigned to me") in html


def test_search_by_reference_number_within_own_sites(staff_client, mette, else_el):
    other = FormSubmissionFactory(page=mette.page, answers={"navn": "Anden Person"})

    def found(q):
        html = staff_client.get(reverse("henvendelser:inbox"), {"q": q}).content.decode()
        return {n for n in ("Mette Hansen", "Anden Person", "Else El") if n in html}

    assert found(reference(mette)) == {"Mette Hansen"}
    assert found(reference(mette).lower()) == {"Mette Hansen"}
    assert found(str(other.pk)) >= {"Anden Person"}
    assert "Mette Hansen" not in found(f"VVS-1999-{mette.pk:05d}")  # wrong year
    assert "Mette Hansen" not in found(f"EL-2026-{mette.pk:05d}")  # another company's prefix
    # The El submission's own number finds nothing for VVS staff.
    el_ref = f"EL-{timezone.localtime(else_el.submit_time).year}-{else_el.pk:05d}"
    assert found(el_ref) == set()
    assert found(str(else_el.pk)) <= {"Mette Hansen", "Anden Person"}


def test_filters_read_danish_not_dashes_or_default_tag(staff_client, mette, superuser):
    staff_client.force_login(superuser)
    html = staff_client.get(reverse("henvendelser:inbox")).content.decode()
    assert "---------" not in html
    assert "[standardindstilling]" not in html and "[default]" not in html
    assert re.search(r'<option value="" selected>\s*Alle\s*</option>', html)
    assert ">MIH VVS ApS<" in html


def test_status_message_uses_the_pages_date_format(staff_client, mette):
    response = staff_client.post(
        reverse("henvendelser:status", args=[mette.pk]), {"status": "closed"}, follow=True
    )
    mette.refresh_from_db()
    html = response.content.decode()
    assert mette.retain_until.isoformat() not in html
    message = re.search(r"Status ændret til [^<]*", html).group(0)
    assert f"{mette.retain_until.day}. " in message and str(mette.retain_until.year) in message


def test_mails_carry_the_reference_number(mette, mailoutbox, settings):
    page = mette.page.specific
    page.send_receipt = True
    page.save_revision().publish()
    mette.refresh_from_db()
    assert notifications.send_staff_notification(mette)
    assert notifications.send_receipt(mette)
    staff_mail, receipt = mailoutbox
    assert reference(mette) in staff_mail.body
    assert reference(mette) in receipt.body


def test_a_reader_without_change_permission_sees_notes_but_cannot_write_them(client, mette):
    """Notes and the assignee are changes to personal data: the same permission as status."""
    from django.contrib.auth.models import Permission

    reader = UserFactory(username="kun-laeser")
    reader.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(
            content_type__app_label="forms_app", codename="view_formsubmission"
        ),
    )
    SubmissionNote.objects.create(submission=mette, author_name="Kollega", text="Ringede i dag.")
    client.force_login(reader)
    html = detail_html(client, mette)
    assert "Ringede i dag." in html
    assert reverse("henvendelser:add_note", args=[mette.pk]) not in html
    assert reverse("henvendelser:assign", args=[mette.pk]) not in html
    response = client.post(
        reverse("henvendelser:add_note", args=[mette.pk]),
        {"text": "Skrevet af en læser", "shown_to_person": "on"},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("henvendelser:assign", args=[mette.pk]), {"assignee": reader.pk}
    )
    assert response.status_code == 404
    mette.refresh_from_db()
    assert mette.assignee is None
    assert list(mette.notes.values_list("text", flat=True)) == ["Ringede i dag."]
    assert not StaffAction.objects.exists()
