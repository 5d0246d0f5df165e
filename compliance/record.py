"""The record of processing activities (GDPR art. 30), generated per company, in Danish.

"Fortegnelse over behandlingsaktiviteter": nobody writes it by hand, so it cannot go out of
date. Each time it is opened it is built from what the system is:

* the controller: the site's ``CompanySettings`` (name, CVR, address, contact);
* one processing activity per live form page of the site: its purpose and legal basis (the
  page's ``legal_basis``), every field an editor put on it (photos included), what is stored
  with each submission besides (consent proof, case handling: from the classification registry
  :mod:`compliance.personal_data`) and how long (:mod:`forms_app.retention`);
* the handling of access and erasure requests, and the staff accounts and login records;
* recipients: the staff groups that may see the site's submissions and the site's register of
  data processors (``home.DataProcessor``), with transfers outside the EU/EEA;
* where the data is stored (the configured database and storages) and the security measures,
  each with whether it is switched on in this installation;
* every personal-data field of every model, with how it is erased (the registry).

Superusers see every company's record; staff who may view a site's submissions
(:mod:`forms_app.permissions`) see their own company's only. The page is plain printable HTML
(a print stylesheet, nothing loaded from elsewhere); the browser's print makes the PDF.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from wagtail.models import GroupSitePermission, Site

from forms_app.models import (
    FormPage,
    FormSubmission,
    LegalBasis,
    SubmissionNote,
    SubmissionPhoto,
)
from forms_app.permissions import VIEW, sites_user_can, user_can
from forms_app.retention import SubmissionStatus, open_case_reason, retention_for
from home.models import CompanySettings
from home.sites import site_roots

from . import personal_data

# The record is the company's own document for Datatilsynet: always in Danish.
RECORD_LANGUAGE = "da"


@dataclass
class FormFieldRow:
    label: str
    kind: str
    required: bool


@dataclass
class Activity:
    """One processing activity: why, on what basis, whose data, which data, for how long."""

    title: str
    purpose: str
    legal_basis: str
    subjects: list[str]
    fields: list[FormFieldRow] = field(default_factory=list)
    # ``[(category label, [field names])]``: what is stored besides the fields above.
    stored: list[tuple[str, list[str]]] = field(default_factory=list)
    retention: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    url: str = ""


@dataclass
class Measure:
    title: str
    description: str
    active: bool


@dataclass
class Record:
    site: Site
    company: CompanySettings
    generated_at: object
    activities: list[Activity]
    processors: list
    transfers: list
    storage: list[tuple[str, str]]
    measures: list[Measure]
    classification: list[dict]


# -- who may see it ------------------------------------------------------------------------


def sites_for(user):
    """The sites whose record ``user`` may read: where they may view submissions."""
    return sites_user_can(user, VIEW).order_by("site_name", "pk")


# -- building it ---------------------------------------------------------------------------


def build_record(site):
    """The record of ``site``'s company, as of now, in the active language."""
    company = CompanySettings.for_site(site)
    processors = list(company.processors.order_by("sort_order"))
    staff = staff_groups(site)
    recipients = [
        _("The company's staff in the groups: %(groups)s")
        % {"groups": ", ".join(staff) or _("none")},
        *(f"{p.name} ({_('data processor')}: {p.service})" for p in processors),
    ]
    activities = [form_activity(page, recipients) for page in form_pages(site)]
    activities += [
        cookie_consent_activity(recipients[:1]),
        statistics_activity(),
        requests_activity(),
        accounts_activity(),
    ]
    return Record(
        site=site,
        company=company,
        generated_at=timezone.localtime(),
        activities=activities,
        processors=processors,
        transfers=[p for p in processors if p.outside_eea],
        storage=storage_locations(),
        measures=security_measures(site, staff),
        classification=classification_rows(),
    )


def form_pages(site):
    """Every form page of the site that collects data or still holds what it collected: live,
    or with submissions kept (an unpublished form's data is still processed until it is
    deleted), in every language tree. A translation of a page listed is left out (its fields'
    keys, types and "required" are synchronised with the Danish page's); a form that exists
    only in another language is listed too. Danish tree first, then tree order."""
    pages = []
    for root in sorted(site_roots(site), key=lambda root: root.locale.language_code != "da"):
        pages += (
            FormPage.objects.descendant_of(root)
            .filter(Q(live=True) | Q(pk__in=FormSubmission.objects.values("page_id")))
            .order_by("path")
        )
    listed, found = set(), []
    for page in pages:
        if page.translation_key not in listed:
            listed.add(page.translation_key)
            found.append(page)
    return found


def stored_with(models, exclude=(), subject=None):
    """``[(category label, [field names])]`` of the personal-data fields of ``models``; only
    the categories of ``subject`` (whose data) when given."""
    rows = [
        (found.category, str(model_field.verbose_name))
        for model in models
        for model_field, found in personal_data.personal_fields(model)
        if found.category not in exclude and (subject is None or found.category.subject == subject)
    ]
    order = {category: index for index, category in enumerate(personal_data.CATEGORIES)}
    rows.sort(key=lambda row: order[row[0]])
    return [
        (str(category.label), list(dict.fromkeys(name for _category, name in group)))
        for category, group in groupby(rows, key=lambda row: row[0])
    ]


def form_activity(page, recipients):
    fields = list(page.get_form_fields())
    models = [FormSubmission]
    if any(f.field_type == "photos" for f in fields):
        models.append(SubmissionPhoto)
    models.append(SubmissionNote)  # staff's internal notes, on any form's submissions
    if page.legal_basis == LegalBasis.PRE_CONTRACT:
        purpose = _(
            "Working out a quote and answering the request sent through the form “%(form)s”."
        )
    else:
        purpose = _("Answering the enquiries sent through the form “%(form)s”.")
    now = timezone.now()
    return Activity(
        title=page.title,
        purpose=purpose % {"form": page.title},
        legal_basis=page.get_legal_basis_display(),
        subjects=[str(personal_data.SUBJECTS[personal_data.VISITORS])],
        fields=[
            FormFieldRow(f.label, str(f.get_field_type_display()), f.required) for f in fields
        ],
        # The visitor's data; which employee handles it is under the staff accounts.
        stored=stored_with(
            models, exclude={personal_data.ANSWERS}, subject=personal_data.VISITORS
        ),
        retention=[
            _("Open case: %(period)s after it arrived. %(reason)s")
            % {
                "period": page.get_retention_period_display(),
                "reason": open_case_reason(page),
            },
            retention_for(page, SubmissionStatus.CUSTOMER, received=now, changed=now)[1],
            retention_for(page, SubmissionStatus.CLOSED, received=now, changed=now)[1],
            _(
                "A submission on legal hold (a legal claim, or a law requiring it) is kept "
                "until the hold is lifted."
            ),
        ],
        recipients=recipients,
        url=page.full_url or "",
    )


def cookie_consent_activity(recipients):
    from cookie_consent.models import ConsentRecord

    return Activity(
        title=_("Cookie consent"),
        purpose=_(
            "Remembering each visitor's choice about cookies and proving what they agreed to: "
            "the banner text and the privacy policy revision shown, the categories chosen and "
            "when (the Danish cookie order and GDPR art. 7(1))."
        ),
        legal_basis=_("Legal obligation (GDPR art. 6(1)(c))"),
        subjects=[str(personal_data.SUBJECTS[personal_data.VISITORS])],
        stored=stored_with([ConsentRecord]),
        retention=[
            _(
                "Each choice is kept until %(days)s days after the visitor's last change, then "
                "deleted by the daily job. No IP address and no browser details are stored; "
                "the consent id in the visitor's cookie is the only link to them."
            )
            % {"days": settings.CONSENT_LOG_RETENTION_DAYS},
            _("The choice counts for %(days)s days; then the banner asks again.")
            % {"days": settings.CONSENT_MAX_AGE_DAYS},
        ],
        recipients=recipients,
    )


def statistics_activity():
    return Activity(
        title=_("Visit statistics"),
        purpose=_(
            "Counting visits, pages seen and referring websites per site, to improve the "
            "website (privacy policy section 5)."
        ),
        legal_basis=_(
            "Consent for the statistics cookie (GDPR art. 6(1)(a)); legitimate interest for "
            "counting visits without a cookie (GDPR art. 6(1)(f))"
        ),
        subjects=[str(personal_data.SUBJECTS[personal_data.VISITORS])],
        stored=[],
        retention=[
            _(
                "Only daily totals per page and referring website are stored. A visitor is "
                "recognised within one day by a keyed hash of a shortened IP address and the "
                "browser's name, with a key that changes every day; the hashes and the key are "
                "deleted when the day ends and never reach the database."
            )
        ],
        recipients=[_("The company's staff who may see its submissions")],
    )


def requests_activity():
    return Activity(
        title=_("Requests for access and erasure"),
        purpose=_(
            "Giving people access to the data we hold about them, and erasing it when they ask "
            "(GDPR articles 15 and 17)."
        ),
        legal_basis=_("Legal obligation (GDPR art. 6(1)(c))"),
        subjects=[str(personal_data.SUBJECTS[personal_data.VISITORS])],
        stored=stored_with(
            [FormSubmission, SubmissionPhoto, SubmissionNote], subject=personal_data.VISITORS
        ),
        retention=[
            _(
                "The e-mail address or phone number searched for is not stored. The access "
                "report is made when it is downloaded and not kept; the audit trail records "
                "that a request was handled and how many submissions it found, never who asked."
            ),
            _(
                "Staff's internal notes are in the access report with their date and text, "
                "not the employee's name, unless a note is withheld under an exception; an "
                "erasure deletes them with the submission."
            ),
        ],
        recipients=[_("The person who asked, and the staff who handle the request")],
    )


def accounts_activity():
    # The submissions and notes only for their staff fields (assignee, note author).
    models = [get_user_model(), FormSubmission, SubmissionNote]
    for label in ("forms_app.StaffAction", "compliance.AccessReview", "axes.AccessLog"):
        try:
            models.append(apps.get_model(label))
        except LookupError:
            continue
    return Activity(
        title=_("Staff accounts and login security"),
        purpose=_(
            "Giving staff access to the administration, only to what their work needs, and "
            "protecting it against password guessing; showing who did what with submissions."
        ),
        legal_basis=_(
            "Legitimate interest: securing the personal data we hold (GDPR art. 6(1)(f))"
        ),
        subjects=[str(personal_data.SUBJECTS[personal_data.STAFF])],
        stored=stored_with(models, subject=personal_data.STAFF),
        retention=[
            _("Accounts: until a superuser deletes the account."),
            _(
                "Who handles a submission and who wrote its notes: deleted with the submission; "
                "the link to the account is emptied when the account is deleted."
            ),
            _(
                "Failed logins: %(minutes)s minutes (the lockout period); successful logins: "
                "%(days)s days."
            )
            % {
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
                "days": settings.AXES_KNOWN_CLIENT_DAYS,
            },
        ],
        recipients=[_("Superusers")],
    )


def staff_groups(site):
    """Names of the groups that may view ``site``'s submissions."""
    content_type = ContentType.objects.get_for_model(FormSubmission)
    return list(
        GroupSitePermission.objects.filter(
            site=site,
            permission__content_type=content_type,
            permission__codename=f"{VIEW}_formsubmission",
        )
        .order_by("group__name")
        .values_list("group__name", flat=True)
        .distinct()
    )


def describe_storage(alias, fallback=None):
    """Where the storage ``alias`` keeps files: an S3 bucket or a folder (no credentials)."""
    config = settings.STORAGES.get(alias)
    if config is None:
        return fallback
    backend = config.get("BACKEND", "")
    options = config.get("OPTIONS", {})
    if "s3" in backend.lower():
        endpoint = options.get("endpoint_url") or getattr(settings, "AWS_S3_ENDPOINT_URL", None)
        return _("S3 bucket “%(bucket)s” (region %(region)s, %(endpoint)s)") % {
            "bucket": options.get("bucket_name")
            or getattr(settings, "AWS_STORAGE_BUCKET_NAME", "")
            or "?",
            "region": options.get("region_name")
            or getattr(settings, "AWS_S3_REGION_NAME", None)
            or _("not stated"),
            "endpoint": urlsplit(endpoint).hostname if endpoint else "Amazon S3",
        }
    location = options.get("location") or (settings.MEDIA_ROOT if alias == "default" else "")
    return _("Folder %(path)s on the web server") % {"path": location}


def storage_locations():
    """``[(what, where)]`` from this installation's settings."""
    database = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        where = _("PostgreSQL database “%(name)s” on %(host)s") % {
            "name": database.get("NAME", ""),
            "host": database.get("HOST") or "localhost",
        }
    else:
        where = _("SQLite database file %(path)s on the web server") % {
            "path": database.get("NAME", "")
        }
    var_dir = getattr(settings, "VAR_DIR", settings.BASE_DIR / "var")
    rows = [
        (_("Submissions, consent proof, staff accounts, audit trail"), where),
        (_("Photos sent with submissions"), describe_storage("private")),
        (_("Images and documents published by editors"), describe_storage("default")),
    ]
    if apps.is_installed("backups"):
        rows += [
            (
                _("Backups (database and both file storages)"),
                describe_storage(
                    "backups",
                    _("Folder %(path)s on the web server") % {"path": var_dir / "backups"},
                ),
            ),
            (
                _("Erasure ledger (ids of what was deleted, no personal data)"),
                describe_storage(
                    "ledger", _("Folder %(path)s on the web server") % {"path": var_dir / "ledger"}
                ),
            ),
        ]
    return rows


# A backup older than this does not count as the daily backup the policy promises.
BACKUP_MAX_AGE_DAYS = 2


def latest_backup():
    """``(active, sentence)``: whether an archive was made in the last BACKUP_MAX_AGE_DAYS
    days (read from the backups storage, so the record states a fact, not a setting)."""
    if not apps.is_installed("backups"):
        return False, ""
    from backups.archive import list_archives, stamp_of

    try:
        names = list_archives()
    except Exception:  # noqa: BLE001 - an unreachable bucket is "no recent backup"
        names = []
    made = stamp_of(names[-1]) if names else None
    if made is None or timezone.now() - made > timedelta(days=BACKUP_MAX_AGE_DAYS):
        return False, _("No archive was made in the last %(days)s days.") % {
            "days": BACKUP_MAX_AGE_DAYS
        }
    local = timezone.localtime(made)
    return True, _("The newest archive was made on %(date)s.") % {
        "date": f"{local:%d.%m.%Y %H:%M}"
    }


def security_measures(site, staff):
    """The measures policy section 6 promises, each with whether it is on here."""
    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True).count()
    https = bool(getattr(settings, "SECURE_SSL_REDIRECT", False)) and bool(
        getattr(settings, "SESSION_COOKIE_SECURE", False)
    )
    backup_state, backup_made = latest_backup()
    measures = [
        Measure(
            _("Access only where needed"),
            _(
                "Only the groups %(groups)s see this company's submissions, and only this "
                "company's; superusers (%(superusers)s) see everything. Editors of pages do "
                "not see submissions."
            )
            % {"groups": ", ".join(staff) or _("none"), "superusers": superusers},
            True,
        ),
        Measure(
            _("Antivirus"),
            _(
                "Every uploaded file is scanned by ClamAV before it is stored; if the scanner "
                "does not answer, the upload is refused."
            ),
            bool(getattr(settings, "ANTIVIRUS_ENABLED", False)),
        ),
        Measure(
            _("Backup"),
            _(
                "The database and both file storages are backed up (manage.py backup), "
                "%(encrypted)s; deletions are replayed from the erasure ledger after a restore."
            )
            % {
                "encrypted": _("encrypted")
                if getattr(settings, "BACKUP_ENCRYPTION_KEY", "")
                else _("not encrypted")
            }
            + " "
            + backup_made,
            backup_state,
        ),
        Measure(
            _("Encryption in transit"),
            _(
                "The sites and the administration are served over HTTPS only (HSTS "
                "%(seconds)s seconds), and cookies are marked secure."
            )
            % {"seconds": getattr(settings, "SECURE_HSTS_SECONDS", 0) or 0},
            https,
        ),
        Measure(
            _("Photos kept private"),
            _(
                "Photos are stored without location and camera details, in a storage with no "
                "public address; only staff who may see the submission can open them."
            ),
            True,
        ),
        Measure(
            _("Audit trail"),
            _(
                "Exports, access and erasure requests, status changes, legal holds and purges "
                "are logged: who, when, how many; never the personal data itself."
            ),
            True,
        ),
        Measure(
            _("Login lockouts"),
            _(
                "Logging in to the administration is locked for %(minutes)s minutes after "
                "%(limit)s failed attempts from one address or for one username."
            )
            % {
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
                "limit": settings.AXES_FAILURE_LIMIT,
            },
            True,
        ),
        Measure(
            _("Automatic deletion"),
            _("A daily job deletes submissions and photos past their retention date."),
            True,
        ),
    ]
    review = last_access_review(site)
    if review is not None:
        measures.append(review)
    return measures


def last_access_review(site):
    """The access review measure, when the access review is installed."""
    try:
        model = apps.get_model("compliance", "AccessReview")
    except LookupError:
        return None
    last = model.objects.filter(site=site).order_by("-reviewed_at").first()
    if last is None:
        description = _("Who can see personal data is reviewed every year; not yet signed off.")
    else:
        description = _(
            "Who can see personal data is reviewed every year; last signed off %(date)s."
        ) % {"date": timezone.localtime(last.reviewed_at).strftime("%d.%m.%Y")}
    return Measure(_("Access review"), description, last is not None)


def classification_rows():
    """Every personal-data field of every model, with its category and how it is erased."""
    rows = []
    for model in personal_data.checked_models():
        for model_field, found in personal_data.personal_fields(model):
            rows.append(
                {
                    "model": str(model._meta.verbose_name),
                    "field": str(model_field.verbose_name),
                    "category": str(found.category.label),
                    "erasure": str(found.erasure),
                }
            )
    return rows


# -- views ---------------------------------------------------------------------------------


@never_cache
def record_index(request):
    """The companies whose record the user may read; straight to it when there is one."""
    sites = list(sites_for(request.user))
    if not sites:
        raise PermissionDenied
    if len(sites) == 1:
        return redirect("fortegnelse:record", sites[0].pk)
    companies = [(site, CompanySettings.for_site(site)) for site in sites]
    return render(request, "compliance/record_index.html", {"companies": companies})


@never_cache
def record_view(request, site_id):
    site = get_object_or_404(Site, pk=site_id)
    if not user_can(request.user, VIEW, site):
        raise PermissionDenied
    with translation.override(RECORD_LANGUAGE):
        record = build_record(site)
        # Rendered inside the override (a TemplateResponse would render after it).
        return render(request, "compliance/record.html", {"record": record})
