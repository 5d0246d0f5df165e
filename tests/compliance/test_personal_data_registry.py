"""Every model field is classified as personal data or not (compliance/personal_data.py).

A field added to any model of the project's apps (home, forms_app, compliance, backups and any
app added later), to the user model or to django-axes' login records fails this test until it
is classified, so it cannot slip out of the record of processing, the access report and the
erasure unnoticed.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from compliance import personal_data
from compliance.personal_data import REGISTRY, Classification


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
