"""Form pages built by editors, and what visitors send through them.

Each submission carries its proof of consent (GDPR art. 7(1)) and its retention metadata
(art. 5(1)(e)); see docs/data-protection.md for every personal-data field and how long it lives.
"""

import logging

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.contrib.forms.models import (
    FORM_FIELD_CHOICES,
    AbstractEmailForm,
    AbstractFormField,
    AbstractFormSubmission,
)
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import TranslatableMixin
from wagtail_localize.fields import SynchronizedField, TranslatableField

from .storage import photo_upload_to, private_storage

logger = logging.getLogger(__name__)

# Field keys (clean names) that are reserved for the fixed parts of every form.
CONSENT_FIELD = "samtykke"
HONEYPOT_FIELD = "mih_hp"
RESERVED_FIELD_NAMES = {CONSENT_FIELD, HONEYPOT_FIELD}
# Field keys that hold the submitter's name, so staff can search by it.
NAME_FIELD_NAMES = {"navn", "name", "fulde_navn", "dit_navn", "full_name"}


class RetentionPeriod(models.IntegerChoices):
    """How long an open case is kept after it arrives, in months (policy section 4)."""

    ONE_MONTH = 1, _("1 month")
    THREE_MONTHS = 3, _("3 months")
    SIX_MONTHS = 6, _("6 months")
    TWELVE_MONTHS = 12, _("12 months")
    TWENTY_FOUR_MONTHS = 24, _("24 months")
    THIRTY_SIX_MONTHS = 36, _("36 months")


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent (GDPR art. 6(1)(a))")
    PRE_CONTRACT = "pre_contract", _("Steps before a contract (GDPR art. 6(1)(b))")


class SubmissionStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    CUSTOMER = "customer", _("Customer")
    CLOSED = "closed", _("Closed")


# How long after the status changed a customer's or a closed case's data is kept.
CUSTOMER_RETENTION = relativedelta(months=24)
CLOSED_RETENTION = relativedelta(months=1)


class FormField(TranslatableMixin, AbstractFormField):
    """An editor-defined field. Labels, help text and choices are translated per language;
    the key (``clean_name``), type and "required" stay the same, so an English submission has
    the same keys as a Danish one.
    """

    translatable_fields = [
        TranslatableField("label"),
        TranslatableField("help_text"),
        TranslatableField("choices"),
        TranslatableField("default_value"),
        SynchronizedField("clean_name"),
        SynchronizedField("field_type"),
        SynchronizedField("required"),
    ]

    field_type = models.CharField(
        verbose_name=_("field type"),
        max_length=16,
        choices=[
            *FORM_FIELD_CHOICES,
            ("tel", _("Phone number")),
            ("photos", _("Photos")),
        ],
    )
    page = ParentalKey("FormPage", on_delete=models.CASCADE, related_name="form_fields")

    class Meta(AbstractFormField.Meta):
        unique_together = [("translation_key", "locale")]

    def clean(self):
        super().clean()
        if self.get_field_clean_name() in RESERVED_FIELD_NAMES:
            raise ValidationError(
                {"label": _("This name is reserved for the fixed consent field.")}
            )


class FormPage(RoutablePageMixin, AbstractEmailForm):
    """A quote-request or contact form whose fields editors define.

    The consent checkbox is not an editor field: it is added to every form by
    :class:`forms_app.forms.PublicFormBuilder`, so no editor can remove it.
    """

    intro = RichTextField(_("intro"), features=["bold", "italic", "link", "ul"], blank=True)
    thank_you_text = RichTextField(
        _("thank-you text"),
        features=["bold", "italic", "link"],
        blank=True,
        help_text=_("Shown after the form has been sent."),
    )
    consent_text = models.TextField(
        _("consent text"),
        default=_(
            "I agree that the company may store and use my details and photos to answer my "
            "enquiry, as described in the privacy policy."
        ),
        help_text=_(
            "The label of the required consent checkbox. A link to the site's privacy "
            "policy is shown with it. Stored with every submission as proof."
        ),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=20,
        choices=LegalBasis.choices,
        default=LegalBasis.CONSENT,
        help_text=_("Why we may process what visitors send through this form."),
    )
    retention_period = models.PositiveSmallIntegerField(
        _("retention period"),
        choices=RetentionPeriod.choices,
        default=RetentionPeriod.TWELVE_MONTHS,
        help_text=_(
            "How long an open case is kept after it arrives before it is deleted "
            "automatically. Customers and legal holds are kept longer."
        ),
    )
    retention_reason = models.CharField(
        _("retention reason"),
        max_length=255,
        blank=True,
        help_text=_("Why data from this form is kept that long; shown to staff."),
    )
    send_receipt = models.BooleanField(
        _("send receipt to visitor"),
        default=False,
        help_text=_("Email the visitor a copy of what they sent (without photos)."),
    )

    content_panels = [
        *AbstractEmailForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("Form fields")),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                HelpPanel(
                    _(
                        "Every form has a required consent checkbox with this text and a "
                        "link to the site's privacy policy. It cannot be removed."
                    )
                ),
                FieldPanel("consent_text"),
                FieldPanel("legal_basis"),
                FieldRowPanel([FieldPanel("retention_period"), FieldPanel("retention_reason")]),
            ],
            heading=_("Consent and retention"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
                FieldPanel("send_receipt"),
            ],
            heading=_("Email"),
        ),
    ]

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("form page")
        verbose_name_plural = _("form pages")

    # Wagtail's override points ------------------------------------------------------------

    def get_form_class(self):
        from .forms import PublicFormBuilder

        return PublicFormBuilder(self.get_form_fields(), page=self).get_form_class()

    def get_submission_class(self):
        return FormSubmission

    def get_data_fields(self):
        """Wagtail's submissions listing and CSV export: editor fields plus proof columns."""
        return [
            *super().get_data_fields(),
            ("photo_count", _("Photos")),
            ("status", _("Status")),
            ("consent_given_at", _("Consent given")),
            ("policy_version", _("Policy version")),
            ("retain_until", _("Keep until")),
            ("retention_reason", _("Why it is kept")),
            ("legal_hold", _("Legal hold")),
        ]

    def serve_submissions_list_view(self, request, *args, **kwargs):
        """Wagtail's own listing: its export needs the export permission on this site (the
        view class audits each export)."""
        from .permissions import EXPORT, user_can

        export_format = request.GET.get("export")
        if export_format and not user_can(request.user, EXPORT, self.get_site()):
            raise PermissionDenied
        return super().serve_submissions_list_view(request, *args, **kwargs)

    def get_submissions_list_view_class(self):
        from .admin_views import SubmissionsListView

        return SubmissionsListView

    def process_form_submission(self, form):
        from .submissions import store_submission

        return store_submission(self, form)

    # Serving ---------------------------------------------------------------------------

    @path("")
    def form_view(self, request):
        from .views import serve_form_page

        return serve_form_page(self, request)

    @path("tak/")
    @path("thank-you/", name="thank_you_en")
    def thank_you_view(self, request):
        return self.render_landing_page(request)

    def serve_preview(self, request, mode_name):
        if mode_name == "landing":
            return self.render_landing_page(request)
        return super(RoutablePageMixin, self).serve_preview(request, mode_name)

    @property
    def retention_months(self):
        return self.get_retention_period_display()

    def default_retention_reason(self):
        return self.retention_reason or _(
            "Kept while the enquiry is handled, at most %(period)s after it arrived."
        ) % {"period": self.get_retention_period_display()}


class FormSubmissionQuerySet(models.QuerySet):
    def for_person(self, *, email="", phone=""):
        """Every submission by this email or phone (access and erasure requests)."""
        from .normalise import normalise_email, normalise_phone

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
        today = today or timezone.localdate()
        return self.filter(retain_until__lt=today, legal_hold=False)


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
    legal_hold_reason = models.CharField(_("legal hold reason"), max_length=255, blank=True)

    objects = FormSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        indexes = [
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

    def get_data(self):
        data = super().get_data()
        version = None
        known_versions = getattr(self, "policy_versions", None)  # set by list views
        if known_versions is not None:
            version = known_versions.get(self.policy_revision_id)
        elif self.policy_page_id and self.policy_revision_id:
            version, _published = self.policy_page.get_publication(self.policy_revision_id)
        photo_total = getattr(self, "photo_total", None)  # annotated by list views
        data.update(
            photo_count=self.photos.count() if photo_total is None else photo_total,
            status=self.get_status_display(),
            consent_given_at=self.consent_given_at,
            policy_version=version,
            retain_until=self.retain_until,
            retention_reason=self.retention_reason,
            legal_hold=_("Yes") if self.legal_hold else "",
        )
        return data

    def set_status(self, status, *, now=None):
        """Change the status and move the retention date with it (docs/data-protection.md)."""
        now = now or timezone.now()
        self.status, self.status_changed_at = status, now
        self.retain_until, self.retention_reason = retention_for(
            self.page.specific, status, received=self.submit_time, changed=now
        )


def retention_for(form_page, status, *, received, changed):
    """``(retain_until, reason)`` for a submission in ``status``.

    Open cases live for the form page's period from arrival; a customer's data while they are
    a customer (reviewed two years after the last change); a closed case one more month, so
    a mistaken close can be undone.
    """
    received_date = timezone.localdate(received)
    changed_date = timezone.localdate(changed)
    if status == SubmissionStatus.CUSTOMER:
        return changed_date + CUSTOMER_RETENTION, str(
            _("Customer: kept while the customer relationship lasts, reviewed after 2 years.")
        )
    if status == SubmissionStatus.CLOSED:
        until = min(
            received_date + relativedelta(months=form_page.retention_period),
            changed_date + CLOSED_RETENTION,
        )
        return until, str(_("Closed case: deleted one month after it was closed."))
    return (
        received_date + relativedelta(months=form_page.retention_period),
        str(form_page.default_retention_reason()),
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


class StaffAction(models.Model):
    """Audit trail of what staff and the purge did with submissions: who, when, which site,
    how many. It never holds personal data: no names, addresses or search terms.
    """

    class Action(models.TextChoices):
        EXPORT = "export", _("Export")
        ACCESS_REQUEST = "access_request", _("Access request")
        ERASURE = "erasure", _("Erasure")
        STATUS_CHANGE = "status_change", _("Status change")
        LEGAL_HOLD_SET = "legal_hold_set", _("Legal hold set")
        LEGAL_HOLD_LIFTED = "legal_hold_lifted", _("Legal hold lifted")
        PURGE = "purge", _("Retention purge")

    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("number of submissions"), default=0)
    detail = models.CharField(
        _("detail"), max_length=100, blank=True, help_text=_("For example the export format.")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("staff action")
        verbose_name_plural = _("staff actions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} ({self.count})"

    @classmethod
    def record(cls, action, *, user=None, site=None, count=0, detail=""):
        if user is not None and not user.is_authenticated:
            user = None
        return cls.objects.create(action=action, user=user, site=site, count=count, detail=detail)

    @classmethod
    def record_per_site(cls, action, submissions, *, user=None, detail=""):
        """One entry per site the submissions belong to, with that site's count."""
        counts = submissions.order_by().values("site_id").annotate(n=models.Count("pk"))
        return [
            cls.objects.create(
                action=action, user=user, site_id=row["site_id"], count=row["n"], detail=detail
            )
            for row in counts
        ]
