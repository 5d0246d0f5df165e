"""What visitors sent: submissions with their consent proof and retention metadata, and photos.

Each submission carries its proof of consent (GDPR art. 7(1), written by
:mod:`forms_app.intake.consent`) and its retention metadata (art. 5(1)(e), decided by
:mod:`forms_app.retention`); see docs/data-protection.md for every personal-data field and how
long it lives.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.models import AbstractFormSubmission

from home.models import published_versions

from ..normalise import normalise_email, normalise_phone
from ..retention import SubmissionStatus, expired_q, retention_for
from ..storage import photo_upload_to, private_storage


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent (GDPR art. 6(1)(a))")
    PRE_CONTRACT = "pre_contract", _("Steps before a contract (GDPR art. 6(1)(b))")


class LegalHoldCategory(models.TextChoices):
    """Why a submission is on legal hold, in the words the person is told (access report).

    Staff's own reason stays in ``legal_hold_reason``, an internal note the person never sees:
    it is typed freely ("advokat involveret") and may name people or tactics.
    """

    LEGAL_CLAIM = "legal_claim", _("Legal claim or complaint case")
    STATUTORY = "statutory", _("Required by law")


# The standard sentence the person reads in an access report for each category.
LEGAL_HOLD_EXPLANATIONS = {
    LegalHoldCategory.LEGAL_CLAIM: _(
        "We keep this submission because it is part of a complaint or a legal claim that is "
        "not yet settled. The law allows us to keep data for that purpose (GDPR art. "
        "17(3)(e))."
    ),
    LegalHoldCategory.STATUTORY: _(
        "We keep this submission because a law requires us to keep it (GDPR art. 17(3)(b))."
    ),
}


class FormSubmissionQuerySet(models.QuerySet):
    def for_person(self, *, email="", phone=""):
        """Every submission by this email or phone (access and erasure requests)."""
        email, phone = normalise_email(email), normalise_phone(phone)
        query = models.Q(pk__in=[])
        # An empty value must match nobody, never everyone without an email or phone.
        if email:
            query |= models.Q(email=email)
        if phone:
            query |= models.Q(phone=phone)
        return self.filter(query)

    def expired(self, today=None):
        """Past their retention date and not on legal hold: what the purge deletes."""
        return self.filter(expired_q(today))

    def policy_versions(self):
        """``{revision_id: version}`` for every policy revision these submissions point at.

        One query for all policy pages involved, numbered as the policy page itself numbers
        them (:func:`home.models.published_versions`).
        """
        page_ids = (
            self.order_by()
            .filter(policy_page__isnull=False, policy_revision__isnull=False)
            .values("policy_page_id")
            .distinct()
        )
        return {
            revision_id: version
            for revision_id, (version, _first) in published_versions(page_ids).items()
        }


class FormSubmission(AbstractFormSubmission):
    """One visitor's submission with its consent proof and retention metadata.

    ``form_data`` holds the editor-defined fields as JSON (Wagtail's format). The columns
    below copy what staff search by, so access and erasure requests use indexes.
    """

    # Wagtail's own FormSubmission already claims Page.formsubmission_set.
    # PROTECT: deleting a form page must never silently delete what visitors sent (legal
    # holds included); the before_delete_page hook explains this to the editor.
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("form page"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="form_submissions",
    )
    # Submitter identity, normalised for lookup
    name = models.CharField(_("name"), max_length=255, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    # Case-folded name, email and phone: SQLite's LIKE folds ASCII only, so "ølgaard" would
    # not find "Ølgaard" without this.
    search_key = models.CharField(_("search key"), max_length=600, blank=True, editable=False)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    # Proof of consent
    consent_given_at = models.DateTimeField(_("consent given at"))
    consent_text = models.TextField(_("consent text shown"))
    consent_language = models.CharField(_("consent language"), max_length=10)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    policy_page = models.ForeignKey(
        "home.PrivacyPolicyPage",
        verbose_name=_("privacy policy page"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # PROTECT: the proof must survive revision clean-ups (purge_revisions skips it).
    policy_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("privacy policy revision"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    form_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("form page revision"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Retention
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.NEW,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    retain_until = models.DateField(_("keep until"), db_index=True)
    retention_reason = models.CharField(_("retention reason"), max_length=255)
    legal_hold = models.BooleanField(_("legal hold"), default=False, db_index=True)
    # Set by a database trigger when a photo of this submission is stored, however it is
    # stored (migration 0015), so an export looks photos up only for the submissions that
    # have some. A photo removed on its own later (an erasure replayed after a restore) may
    # leave it set: that costs one lookup.
    has_photos = models.BooleanField(
        _("has photos"), default=False, db_default=False, editable=False
    )
    # What the person is told (access report) ...
    legal_hold_category = models.CharField(
        _("legal hold category"),
        max_length=20,
        choices=LegalHoldCategory.choices,
        blank=True,
        help_text=_("Shown to the person in an access report, with a standard explanation."),
    )
    # ... and staff's own note, which stays internal.
    legal_hold_reason = models.CharField(
        _("legal hold internal note"),
        max_length=255,
        blank=True,
        help_text=_("For staff only; never shown to the person."),
    )

    # Casework: who on staff handles it (optional). SET_NULL: a removed account leaves the
    # submission unassigned, never deleted.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = FormSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        indexes = [
            # The inbox's and the export's default order (newest first, id breaking ties):
            # read in order from this index instead of sorting every row.
            models.Index(fields=["-submit_time", "-id"], name="submission_time_id"),
            models.Index(fields=["site", "-submit_time"], name="submission_site_time"),
            models.Index(fields=["page", "-submit_time"], name="submission_page_time"),
        ]
        permissions = [("export_formsubmission", _("Can export form submissions"))]

    def __str__(self):
        return f"#{self.pk} {self.page.title} {self.submit_time:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        self.search_key = " ".join([self.name, self.email, self.phone]).casefold()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)

    # Presentation: what staff, the mails and the access report show of a submission.

    def labelled_fields(self):
        """``[(label, value)]`` of the form's own fields in the form's order, then any extras.

        Photo fields are left out (photos are rows of their own); fields the editor has
        removed since keep their key as the label.
        """
        data = dict(self.form_data)
        rows = []
        for field in self.page.specific.get_form_fields():
            if field.field_type == "photos":
                continue
            value = data.pop(field.clean_name, "")
            if isinstance(value, list):
                value = ", ".join(map(str, value))
            rows.append((field.label, value))
        rows += list(data.items())
        return rows

    def policy_publication(self):
        """``(version, published_at)`` of the policy revision the visitor consented to, or
        ``(None, None)`` when no policy was linked."""
        if not (self.policy_page_id and self.policy_revision_id):
            return None, None
        return self.policy_page.get_publication(self.policy_revision_id)

    def get_data(self):
        """Wagtail's row of this submission (its per-form listing): the form data plus the
        proof columns of ``FormPage.get_data_fields``."""
        data = super().get_data()
        version, _published_at = self.policy_publication()
        data.update(
            # len(): the listing's prefetch_related("photos") answers it without a query.
            photo_count=len(self.photos.all()),
            status=self.get_status_display(),
            consent_given_at=self.consent_given_at,
            policy_version=version,
            retain_until=self.retain_until,
            retention_reason=self.retention_reason,
            legal_hold=_("Yes") if self.legal_hold else "",
        )
        return data

    def legal_hold_explanation(self):
        """The standard sentence the person is told about this hold ("" without a hold)."""
        if not self.legal_hold:
            return ""
        category = self.legal_hold_category or LegalHoldCategory.LEGAL_CLAIM
        return LEGAL_HOLD_EXPLANATIONS[category]

    def set_status(self, status, *, now=None):
        """Change the status and move the retention date with it (:mod:`forms_app.retention`)."""
        now = now or timezone.now()
        self.status, self.status_changed_at = status, now
        self.retain_until, self.retention_reason = retention_for(
            self.page.specific, status, received=self.submit_time, changed=now
        )


class SubmissionPhoto(models.Model):
    """A photo sent with a submission, stored (cleaned) in private storage."""

    submission = models.ForeignKey(
        FormSubmission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    field_name = models.CharField(_("field"), max_length=255)
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=photo_upload_to, max_length=255
    )
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    key = models.UUIDField(_("key"), unique=True, editable=False)

    class Meta:
        verbose_name = _("submission photo")
        verbose_name_plural = _("submission photos")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name or self.file.name

    @property
    def extension(self):
        """The stored file's extension (``jpg``, ``png``, ``webp``), from our own file name."""
        name = self.file.name or ""
        return name.rsplit(".", 1)[-1].lower() if "." in name else "bin"


class SubmissionNote(models.Model):
    """An internal note staff add to a submission: who, when, what.

    A note is personal data about the person who sent the submission: it lives and dies with
    the submission (CASCADE, so the retention purge and an erasure delete it), and it is part
    of the person's access report unless staff marked it as withheld under an exception
    (``shown_to_person`` False, e.g. a note prepared for a legal claim).
    """

    submission = models.ForeignKey(
        FormSubmission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="notes",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The author's name as it was, so a note keeps its "who" after the account is removed.
    author_name = models.CharField(_("author's name"), max_length=150, blank=True)
    text = models.TextField(_("note"), max_length=2000)
    shown_to_person = models.BooleanField(
        _("include in access reports"),
        default=True,
        help_text=_(
            "Notes are personal data: the person sees them in an access report. Untick only "
            "when an exception applies, for example a note prepared for a legal claim."
        ),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author_name or '?'} {self.created_at:%Y-%m-%d %H:%M}"
