"""Every model field is classified as personal data or not (compliance/personal_data.py).

A field added to any model of the project's apps (home, forms_app, compliance, backups and any
app added later), to the user model or to django-axes' login records fails this test until it
is classified, so it cannot slip out of the record of processing, the access report and the
erasure unnoticed.
"""

import json
import zipfile

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import CASCADE

from compliance import personal_data
from compliance.personal_data import REGISTRY, Classification
from forms_app.data_requests.access import build_access_archive
from forms_app.models import FormSubmission, SubmissionNote, SubmissionPhoto
from tests.factories import FormSubmissionFactory


def test_every_field_of_every_checked_model_is_classified():
    missing = personal_data.unclassified()
    assert missing == [], (
        "Classify these fields in compliance/personal_data.py (personal(...) or NOT_PERSONAL): "
        + ", ".join(missing)
    )


def test_no_entry_names_a_field_that_is_gone():
    assert personal_data.stale_entries() == []


def test_the_checked_models_include_every_project_app_and_the_user_model():
    labels = {model._meta.label for model in personal_data.checked_models()}
    for app_label in ("home", "forms_app", "compliance"):
        for model in apps.get_app_config(app_label).get_models():
            assert model._meta.label in labels
    assert get_user_model()._meta.label in labels
    assert "axes.AccessAttempt" in labels
    # An app under the project folder counts without being named anywhere.
    assert {"home", "forms_app", "compliance"} <= set(personal_data.project_app_labels())
    assert "wagtailcore" not in personal_data.project_app_labels()


def test_every_personal_field_says_what_it_is_and_how_it_goes():
    for label, entries in REGISTRY.items():
        for name, found in entries.items():
            assert isinstance(found, Classification), f"{label}.{name}"
            if found.personal:
                assert found.category in personal_data.CATEGORIES, f"{label}.{name}"
                assert str(found.erasure).strip(), f"{label}.{name}"
            else:
                assert found.category is None and not found.erasure, f"{label}.{name}"


def test_what_visitors_send_is_personal():
    """The fields the access report and erasure are about are classified as personal."""
    expected = {
        "forms_app.FormSubmission": ["form_data", "name", "email", "phone", "consent_text"],
        "forms_app.SubmissionPhoto": ["file", "original_name"],
        "forms_app.SubmissionNote": ["text", "created_at"],
        "auth.User": ["username", "email", "first_name", "last_name"],
    }
    for label, names in expected.items():
        for name in names:
            assert REGISTRY[label][name].personal, f"{label}.{name}"


def test_a_new_field_is_caught(monkeypatch):
    """What happens when someone adds a column to a checked model without classifying it."""
    from forms_app.models import FormSubmission

    extra = models.CharField("new", max_length=10)
    extra.set_attributes_from_name("house_age")
    extra.model = FormSubmission
    fields = [*FormSubmission._meta.local_concrete_fields, extra]
    original = personal_data.fields_of

    def with_extra(model):
        return fields if model is FormSubmission else original(model)

    monkeypatch.setattr(personal_data, "fields_of", with_extra)
    assert personal_data.unclassified() == ["forms_app.FormSubmission.house_age"]


# What the registry says about erasure and access is checked against the code that does it.

# Kept out of the access report on purpose: a normalised copy of name, email and phone (all
# three are in it), and staff's internal note on a hold (the person is told the category).
NOT_IN_ACCESS_REPORT = {"search_key", "legal_hold_reason"}
# A withheld note is left out whole, so a note in the report is always one shown to the person.
NOTE_NOT_IN_ACCESS_REPORT = {"shown_to_person"}


def visitor_fields(model):
    return [
        model_field
        for model_field, found in personal_data.personal_fields(model)
        if found.category.subject == personal_data.VISITORS
    ]


def test_every_visitor_field_goes_with_its_submission():
    # A visitor's data is erased by deleting the submission: every field classified as theirs
    # lives on the submission or on a row the database deletes with it. The cookie consent log
    # is the one exception: it belongs to no submission and is pruned by age
    # (tests/cookie_consent prove the pruning).
    for model in personal_data.checked_models():
        fields = [
            f
            for f in visitor_fields(model)
            if personal_data.classification(model, f.name).category
            is not personal_data.COOKIE_CHOICES
        ]
        if not fields or model is FormSubmission:
            continue
        links = [
            f
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is FormSubmission
        ]
        assert links, f"{model._meta.label} holds visitor data but no link to a submission"
        assert all(link.remote_field.on_delete is CASCADE for link in links), model


def test_notes_are_the_visitors_and_their_authors_the_staffs():
    assert personal_data.classification(SubmissionNote, "text").category is personal_data.NOTES
    assert personal_data.NOTES.subject == personal_data.VISITORS
    for model, name in [
        (SubmissionNote, "author"),
        (SubmissionNote, "author_name"),
        (FormSubmission, "assignee"),
    ]:
        found = personal_data.classification(model, name)
        assert found.category.subject == personal_data.STAFF, name


@pytest.mark.django_db
def test_every_visitor_field_is_in_the_access_report(vvs_site):
    submission = FormSubmissionFactory(with_photo=True)
    SubmissionNote.objects.create(submission=submission, author_name="Jens", text="Ringede op.")
    submissions = FormSubmission.objects.filter(pk=submission.pk)
    with build_access_archive(submissions) as handle, zipfile.ZipFile(handle) as archive:
        [record] = json.loads(archive.read("data.json"))["submissions"]
    keys = (
        set(record)
        | {f"photos.{key}" for key in record["photos"][0]}
        | {f"notes.{key}" for key in record["notes"][0]}
    )
    for model_field in visitor_fields(FormSubmission):
        if model_field.name in NOT_IN_ACCESS_REPORT:
            continue
        assert {model_field.name, model_field.attname} & keys, model_field.name
    for model_field in visitor_fields(SubmissionPhoto):
        assert f"photos.{model_field.name}" in keys, model_field.name
    for model_field in visitor_fields(SubmissionNote):
        if model_field.name in NOTE_NOT_IN_ACCESS_REPORT:
            continue
        assert f"notes.{model_field.name}" in keys, model_field.name
    # The staff's fields are not: who wrote a note is the employee's data.
    assert not {"author", "author_name"} & set(record["notes"][0])
    assert "assignee" not in record and "assignee_id" not in record
