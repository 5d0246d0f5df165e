"""Which model fields hold personal data, and how each is erased: the classification registry.

Every concrete field (and many-to-many field) of every model in the project's own apps
(``home``, ``forms_app``, ``compliance``, ``backups`` and any app added later under the project
folder), of the user model and of django-axes' login records is listed here as personal or not,
with its category and how it goes away. ``tests/compliance/test_personal_data_registry.py``
fails on any field missing from :data:`REGISTRY` (and on entries naming fields that no longer
exist), so a new field cannot slip out of the record of processing
(:mod:`compliance.record`, which lists the categories from here), the access report or the
erasure.

To classify a new field: add ``"field_name": personal(CATEGORY, ERASURE)`` or
``"field_name": NOT_PERSONAL`` under its model's label below.
"""

from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

# Whose data a category is.
VISITORS = "visitors"
STAFF = "staff"

SUBJECTS = {
    VISITORS: _("Visitors who send a form: customers and prospective customers"),
    STAFF: _("The company's staff with access to the administration"),
}


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    subject: str


IDENTITY = Category("identity", _("Name and contact details"), VISITORS)
ANSWERS = Category("answers", _("What the person wrote in the form"), VISITORS)
PHOTOS = Category("photos", _("Photos of the installation"), VISITORS)
CONSENT = Category("consent", _("Proof of consent"), VISITORS)
CASE = Category("case", _("Case handling and retention"), VISITORS)
CASE_NOTE = Category("case_note", _("Staff's internal note on a legal hold"), VISITORS)
NOTES = Category("notes", _("Staff's internal notes on a submission"), VISITORS)
STAFF_ACCOUNT = Category("staff_account", _("Staff accounts and their rights"), STAFF)
STAFF_CONTACT = Category("staff_contact", _("Staff's work e-mail addresses"), STAFF)
STAFF_ACTIVITY = Category("staff_activity", _("What staff did (audit trail)"), STAFF)
LOGINS = Category("logins", _("Login records: username, client address, browser"), STAFF)
ACCESS_REVIEW = Category("access_review", _("Access review sign-offs"), STAFF)
CASEWORK = Category(
    "casework", _("Which employee handles a submission and who wrote its notes"), STAFF
)
COOKIE_CHOICES = Category(
    "cookie_choices", _("Cookie choices, tied to a random id in the visitor's cookie"), VISITORS
)

CATEGORIES = [
    IDENTITY,
    ANSWERS,
    PHOTOS,
    CONSENT,
    CASE,
    CASE_NOTE,
    NOTES,
    STAFF_ACCOUNT,
    STAFF_CONTACT,
    STAFF_ACTIVITY,
    LOGINS,
    ACCESS_REVIEW,
    CASEWORK,
    COOKIE_CHOICES,
]

# How personal data goes away.
WITH_SUBMISSION = _(
    "Deleted with the submission: on an erasure request, by the daily retention purge, or "
    "when staff delete it. The erasure ledger keeps it deleted after a restore."
)
WITH_PHOTO = _(
    "Deleted with the submission's photo row (erasure, purge, staff delete); the file is "
    "deleted once the transaction commits, or by the orphan sweep if it was left behind."
)
WITH_ACCOUNT = _("Deleted when a superuser deletes the staff account.")
STAFF_LINK = _(
    "Deleted with the submission (erasure, purge, staff delete); emptied earlier if the staff "
    "account is deleted."
)
AUDIT_ENTRY = _(
    "Kept as the audit trail; the link to the person is emptied when their account is deleted."
)
LOGIN_PURGE = _(
    "Deleted by the daily purge: failed logins after the lockout period, successful logins "
    "after the days a known address is remembered."
)
NOT_WRITTEN = _("Not written with our settings (django-axes' failure log is off).")
EDITOR_CHANGES = _("Changed or removed by an editor on the form page.")
KEPT_AS_EVIDENCE = _("Kept as evidence of the review; deleted with its site.")
CONSENT_LOG_PRUNE = _(
    "Kept as proof of the choice; deleted by the daily job once a consent id's last change is "
    "older than the consent log's retention period (CONSENT_LOG_RETENTION_DAYS)."
)


@dataclass(frozen=True)
class Classification:
    personal: bool
    category: Category | None = None
    erasure: str = ""


NOT_PERSONAL = Classification(personal=False)


def personal(category, erasure):
    return Classification(personal=True, category=category, erasure=erasure)


_SUBMISSION = {
    "id": NOT_PERSONAL,
    "form_data": personal(ANSWERS, WITH_SUBMISSION),
    "submit_time": personal(CASE, WITH_SUBMISSION),
    "page": NOT_PERSONAL,
    "site": NOT_PERSONAL,
    "name": personal(IDENTITY, WITH_SUBMISSION),
    "email": personal(IDENTITY, WITH_SUBMISSION),
    "search_key": personal(IDENTITY, WITH_SUBMISSION),
    "phone": personal(IDENTITY, WITH_SUBMISSION),
    "consent_given_at": personal(CONSENT, WITH_SUBMISSION),
    "consent_text": personal(CONSENT, WITH_SUBMISSION),
    "consent_language": personal(CONSENT, WITH_SUBMISSION),
    "legal_basis": personal(CONSENT, WITH_SUBMISSION),
    "policy_page": personal(CONSENT, WITH_SUBMISSION),
    "policy_revision": personal(CONSENT, WITH_SUBMISSION),
    "form_revision": personal(CONSENT, WITH_SUBMISSION),
    "status": personal(CASE, WITH_SUBMISSION),
    "status_changed_at": personal(CASE, WITH_SUBMISSION),
    "retain_until": personal(CASE, WITH_SUBMISSION),
    "retention_reason": personal(CASE, WITH_SUBMISSION),
    "legal_hold": personal(CASE, WITH_SUBMISSION),
    "legal_hold_category": personal(CASE, WITH_SUBMISSION),
    "legal_hold_reason": personal(CASE_NOTE, WITH_SUBMISSION),
    # Only whether SubmissionPhoto rows exist (they are classified themselves).
    "has_photos": NOT_PERSONAL,
    # Who on staff handles the case: the employee's data (not in the access report).
    "assignee": personal(CASEWORK, STAFF_LINK),
}

# Staff's notes on a submission are personal data about the person who sent it: in their access
# report (unless withheld under an exception), deleted with the submission (CASCADE). Who wrote
# a note is the employee's data: kept out of the access report.
_NOTE = {
    "id": NOT_PERSONAL,
    "submission": NOT_PERSONAL,
    "author": personal(CASEWORK, STAFF_LINK),
    "author_name": personal(CASEWORK, WITH_SUBMISSION),
    "text": personal(NOTES, WITH_SUBMISSION),
    "shown_to_person": personal(NOTES, WITH_SUBMISSION),
    "created_at": personal(NOTES, WITH_SUBMISSION),
}

_LOGIN_RECORD = {
    "id": NOT_PERSONAL,
    "user_agent": personal(LOGINS, LOGIN_PURGE),
    "ip_address": personal(LOGINS, LOGIN_PURGE),
    "username": personal(LOGINS, LOGIN_PURGE),
    "http_accept": personal(LOGINS, LOGIN_PURGE),
    "path_info": personal(LOGINS, LOGIN_PURGE),
    "attempt_time": personal(LOGINS, LOGIN_PURGE),
}

# ``{model label: {field name: Classification}}``, every field of every checked model.
REGISTRY = {
    # home: pages and company settings are the companies' own content, not people's.
    "home.HomePage": dict.fromkeys(["page_ptr", "intro", "body", "hero_image"], NOT_PERSONAL),
    "home.StandardPage": dict.fromkeys(["page_ptr", "intro", "body"], NOT_PERSONAL),
    "home.PrivacyPolicyPage": dict.fromkeys(
        ["page_ptr", "intro", "sections", "substantive_change"], NOT_PERSONAL
    ),
    "home.CompanySettings": dict.fromkeys(
        [
            "id",
            "site",
            "company_name",
            "cvr_number",
            "street_address",
            "postcode",
            "city",
            "phone",
            "emergency_phone",
            "emergency_hours",
            "emergency_hours_en",
            "authorisation",
            "authorisation_en",
            "email",
            "opening_hours",
            "opening_hours_en",
            "logo",
            "favicon",
            "brand_colour",
            "reply_within_days",
            "privacy_policy_page",
        ],
        NOT_PERSONAL,
    ),
    "home.DataProcessor": dict.fromkeys(
        [
            "id",
            "sort_order",
            "company",
            "name",
            "service",
            "service_en",
            "data",
            "data_en",
            "country",
            "transfer_basis",
            "agreement_date",
            "agreement_url",
        ],
        NOT_PERSONAL,
    ),
    # forms_app: what visitors send.
    "forms_app.FormSubmission": _SUBMISSION,
    "forms_app.SubmissionPhoto": {
        "id": NOT_PERSONAL,
        "submission": NOT_PERSONAL,
        "field_name": NOT_PERSONAL,
        "file": personal(PHOTOS, WITH_PHOTO),
        "original_name": personal(PHOTOS, WITH_PHOTO),
        "content_type": NOT_PERSONAL,
        "size": NOT_PERSONAL,
        "width": NOT_PERSONAL,
        "height": NOT_PERSONAL,
        "key": NOT_PERSONAL,
    },
    "forms_app.SubmissionNote": _NOTE,
    "forms_app.FormPage": {
        **dict.fromkeys(
            [
                "page_ptr",
                "subject",
                "intro",
                "thank_you_text",
                "consent_text",
                "legal_basis",
                "retention_period",
                "retention_reason",
                "send_receipt",
            ],
            NOT_PERSONAL,
        ),
        "to_address": personal(STAFF_CONTACT, EDITOR_CHANGES),
        "from_address": personal(STAFF_CONTACT, EDITOR_CHANGES),
    },
    "forms_app.FormField": dict.fromkeys(
        [
            "id",
            "translation_key",
            "locale",
            "sort_order",
            "clean_name",
            "label",
            "required",
            "choices",
            "default_value",
            "help_text",
            "field_type",
            "autofill",
            "page",
        ],
        NOT_PERSONAL,
    ),
    "forms_app.StaffAction": {
        **dict.fromkeys(["id", "action", "site", "count", "detail"], NOT_PERSONAL),
        "user": personal(STAFF_ACTIVITY, AUDIT_ENTRY),
        "created_at": personal(STAFF_ACTIVITY, AUDIT_ENTRY),
    },
    # The virus scanner's counts: no file, file name or visitor (forms_app/models/antivirus.py).
    "forms_app.VirusDetection": dict.fromkeys(
        ["id", "detected_at", "kind", "site", "signature"], NOT_PERSONAL
    ),
    # compliance: who signed off an access review, and the staff accounts it listed.
    "compliance.AccessReview": {
        "id": NOT_PERSONAL,
        "site": NOT_PERSONAL,
        "reviewed_at": personal(ACCESS_REVIEW, KEPT_AS_EVIDENCE),
        "reviewed_by": personal(ACCESS_REVIEW, KEPT_AS_EVIDENCE),
        "reviewer_name": personal(ACCESS_REVIEW, KEPT_AS_EVIDENCE),
        "note": personal(ACCESS_REVIEW, KEPT_AS_EVIDENCE),
        "findings": personal(ACCESS_REVIEW, KEPT_AS_EVIDENCE),
    },
    # cookie_consent: what editors wrote and when a policy change asked again (no visitor),
    # and the consent log (one row per choice; no IP address, no user agent).
    "cookie_consent.CookieBannerSettings": dict.fromkeys(
        ["id", "site", "heading", "text", "heading_en", "text_en"], NOT_PERSONAL
    ),
    "cookie_consent.BannerTextVersion": dict.fromkeys(
        ["id", "site", "language", "heading", "text", "digest", "created_at"], NOT_PERSONAL
    ),
    "cookie_consent.ReconsentEvent": dict.fromkeys(
        ["id", "site", "policy_revision", "created_at"], NOT_PERSONAL
    ),
    "cookie_consent.ConsentRecord": {
        "id": NOT_PERSONAL,
        "site": NOT_PERSONAL,
        **{
            name: personal(COOKIE_CHOICES, CONSENT_LOG_PRUNE)
            for name in [
                "consent_id",
                "created_at",
                "method",
                "statistics",
                "language",
                "banner_text",
                "policy_revision",
                "epoch",
            ]
        },
    },
    # analytics: totals per site and day only (the visitor hashes never reach the database).
    "analytics.DailySiteStat": dict.fromkeys(
        ["id", "site", "day", "page_views", "visits", "visitors", "returning_visitors"],
        NOT_PERSONAL,
    ),
    "analytics.DailyPageStat": dict.fromkeys(
        ["id", "site", "day", "path", "views", "entries"], NOT_PERSONAL
    ),
    "analytics.DailyReferrerStat": dict.fromkeys(
        ["id", "site", "day", "kind", "source", "visits"], NOT_PERSONAL
    ),
    # The user model: staff accounts.
    "auth.User": {
        "id": NOT_PERSONAL,
        "password": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "last_login": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "is_superuser": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "username": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "first_name": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "last_name": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "email": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "is_staff": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "is_active": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "date_joined": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "groups": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
        "user_permissions": personal(STAFF_ACCOUNT, WITH_ACCOUNT),
    },
    # django-axes' login records (home/lockouts.py purges them daily).
    "axes.AccessAttempt": {
        **_LOGIN_RECORD,
        "get_data": personal(LOGINS, LOGIN_PURGE),
        "post_data": personal(LOGINS, LOGIN_PURGE),
        "failures_since_start": personal(LOGINS, LOGIN_PURGE),
    },
    "axes.AccessAttemptExpiration": {
        "access_attempt": NOT_PERSONAL,
        "expires_at": NOT_PERSONAL,
    },
    "axes.AccessLog": {
        **_LOGIN_RECORD,
        "logout_time": personal(LOGINS, LOGIN_PURGE),
        "session_hash": personal(LOGINS, LOGIN_PURGE),
    },
    "axes.AccessFailureLog": {
        **{name: personal(LOGINS, NOT_WRITTEN) for name in _LOGIN_RECORD if name != "id"},
        "id": NOT_PERSONAL,
        "locked_out": personal(LOGINS, NOT_WRITTEN),
    },
}

# Third-party apps whose every model is checked too (they store personal data we configure).
THIRD_PARTY_APPS = ["axes"]


def project_app_labels():
    """The labels of the apps whose code lives in the project folder (not in a virtualenv)."""
    base = Path(settings.BASE_DIR).resolve()
    labels = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if base in path.parents and not {".venv", "site-packages"} & set(path.parts):
            labels.append(config.label)
    return labels


def checked_models():
    """Every model whose fields must be classified: our apps', axes' and the user model."""
    models = []
    for label in [*project_app_labels(), *THIRD_PARTY_APPS]:
        try:
            models += list(apps.get_app_config(label).get_models())
        except LookupError:  # a third-party app that is not installed
            continue
    user_model = get_user_model()
    if user_model not in models:
        models.append(user_model)
    return models


def fields_of(model):
    """The model's own stored fields: columns of its table and its many-to-many relations."""
    return [*model._meta.local_concrete_fields, *model._meta.local_many_to_many]


def classification(model, field_name):
    """The :class:`Classification` of ``model.field_name``; ``KeyError`` if unclassified."""
    return REGISTRY[model._meta.label][field_name]


def unclassified():
    """``["app.Model.field", …]`` for every checked field missing from :data:`REGISTRY`."""
    missing = []
    for model in checked_models():
        entries = REGISTRY.get(model._meta.label, {})
        missing += [
            f"{model._meta.label}.{field.name}"
            for field in fields_of(model)
            if field.name not in entries
        ]
    return missing


def stale_entries():
    """Registry entries naming a model or field that no longer exists."""
    stale = []
    for label, entries in REGISTRY.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            stale.append(label)
            continue
        names = {field.name for field in fields_of(model)}
        stale += [f"{label}.{name}" for name in entries if name not in names]
    return stale


def personal_fields(model):
    """``[(field, Classification)]`` of the personal-data fields of ``model``, in field order."""
    entries = REGISTRY.get(model._meta.label, {})
    return [
        (field, entries[field.name])
        for field in fields_of(model)
        if field.name in entries and entries[field.name].personal
    ]


def fields_in_category(category):
    """``[(model, field)]`` of every checked field in ``category``."""
    return [
        (model, field)
        for model in checked_models()
        for field, found in personal_fields(model)
        if found.category == category
    ]
