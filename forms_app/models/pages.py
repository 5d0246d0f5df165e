"""Form pages built by editors: their fields, consent and retention settings, and serving.

A form page is Wagtail's ``AbstractEmailForm`` extended through its own override points:
``form_builder`` adds the consent checkbox, honeypot and our field types;
``process_form_submission`` hands a valid form to :mod:`forms_app.intake.store`;
``get_submissions_list_view_class`` gives Wagtail's listing our columns and audit.
"""

import logging
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.contrib.forms.models import FORM_FIELD_CHOICES, AbstractEmailForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.contrib.forms.utils import get_forms_for_user
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import TranslatableMixin
from wagtail_localize.fields import SynchronizedField, TranslatableField

from home.models import CompanySettings

from ..intake.consent import policy_for, policy_link, shown_revisions
from ..intake.forms import AUTOFILL_FIELD_TYPES, RESERVED_FIELD_NAMES, PublicFormBuilder
from ..intake.ratelimit import count_submission, posts_limited, submission_limited
from ..intake.thanks import QUERY_PARAMETER, read_thanks, sign_thanks, wants_receipt
from ..retention import RetentionPeriod
from .submissions import FormSubmission, LegalBasis

logger = logging.getLogger(__name__)


class AutofillChoice(models.TextChoices):
    """The HTML ``autocomplete`` tokens an editor may choose for a field (WCAG 1.3.5)."""

    NAME = "name", _("Full name")
    STREET_ADDRESS = "street-address", _("Street address")
    POSTAL_CODE = "postal-code", _("Postcode")
    CITY = "address-level2", _("City")
    TEL = "tel", _("Phone number")
    EMAIL = "email", _("Email address")
    ORGANIZATION = "organization", _("Company name")
    OFF = "off", _("Nothing (autofill off)")


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
    # What the browser may fill in (WCAG 1.3.5). Empty: decided from the field's key and type
    # (forms_app.intake.forms.autofill_for); "off" turns autofill off for this field.
    autofill = models.CharField(
        _("autofill"),
        max_length=30,
        blank=True,
        choices=AutofillChoice.choices,
        help_text=_(
            "What the visitor's browser may fill in by itself. Leave empty to let the field's "
            "name and type decide."
        ),
    )

    panels = [*AbstractFormField.panels, FieldPanel("autofill")]

    class Meta(AbstractFormField.Meta):
        unique_together = [("translation_key", "locale")]

    def clean(self):
        super().clean()
        if self.get_field_clean_name() in RESERVED_FIELD_NAMES:
            raise ValidationError(
                {"label": _("This name is reserved for the fixed consent field.")}
            )
        if self.autofill and self.field_type not in AUTOFILL_FIELD_TYPES:
            raise ValidationError(
                {
                    "autofill": _(
                        "Autofill applies only to fields the visitor types in (text, email, "
                        "phone number, number, URL) and to drop-down lists. Leave it empty."
                    )
                }
            )


class PermittedFormSubmissionsPanel(FormSubmissionsPanel):
    """Wagtail's "Total submissions / Latest submission" panel, shown only to a user who may
    open the submissions it links to: an editor who cannot read the site's submissions does
    not see how many there are, nor a link that ends in "no permission"."""

    class BoundPanel(FormSubmissionsPanel.BoundPanel):
        def is_shown(self):
            # The test Wagtail's own submissions list applies (get_forms_for_user, narrowed
            # by forms_app's filter_form_submissions_for_user hook to sites the user may
            # read submissions on).
            user = getattr(self.request, "user", None)
            if user is None or not self.instance.pk:
                return False
            if not get_forms_for_user(user).filter(pk=self.instance.pk).exists():
                return False
            return super().is_shown()


class FormPage(RoutablePageMixin, AbstractEmailForm):
    """A quote-request or contact form whose fields editors define.

    The consent checkbox is not an editor field: it is added to every form by
    :class:`forms_app.intake.forms.PublicFormBuilder`, so no editor can remove it.
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
        PermittedFormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel(
            "form_fields",
            heading=_("Form fields"),
            label=_("form field"),
            help_text=_(
                "Visitors see the fields in this order, except that photo fields always come "
                "after the other fields, just before the consent checkbox. So a new field can "
                "simply be added at the end."
            ),
        ),
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

    form_builder = PublicFormBuilder

    # Wagtail's override points ------------------------------------------------------------

    def get_submission_class(self):
        return FormSubmission

    def get_form_parameters(self):
        # The policy, looked up once per request, and the revisions every rendered form
        # shows (signed into it, and checked when it comes back).
        policy = policy_for(self)
        return {
            **super().get_form_parameters(),
            "policy": policy,
            "shown": shown_revisions(self, policy),
        }

    def get_data_fields(self):
        """Wagtail's submissions listing: editor fields (photos as a count, not a column of
        empty values: they are rows of their own) plus proof columns."""
        photo_keys = {f.clean_name for f in self.get_form_fields() if f.field_type == "photos"}
        return [
            *(field for field in super().get_data_fields() if field[0] not in photo_keys),
            ("photo_count", _("Photos")),
            ("status", _("Status")),
            ("consent_given_at", _("Consent given")),
            ("policy_version", _("Policy version")),
            ("retain_until", _("Keep until")),
            ("retention_reason", _("Why it is kept")),
            ("legal_hold", _("Legal hold")),
        ]

    def get_submissions_list_view_class(self):
        # Lazy, as in Wagtail's own FormMixin: the staff views sit above the models.
        from ..staff.wagtail_views import SubmissionsListView

        return SubmissionsListView

    def process_form_submission(self, form):
        # Lazy: storing a submission needs the models, which import this module.
        from ..intake.store import store_submission

        return store_submission(self, form)

    # Serving ---------------------------------------------------------------------------

    @path("")
    def form_view(self, request):
        """GET shows the form; POST validates fully, stores atomically, then redirects.

        Redirecting to the thank-you page (post/redirect/get) means a reload never sends twice;
        the redirect carries a signed token of the reference number and what was received
        (:mod:`forms_app.intake.thanks`). A form whose consent text or policy changed since it
        was loaded is shown again with the new text and nothing is stored: consent counts only
        for what the visitor saw. The rate limit counts stored submissions (a refused post
        uses none of the quota) under a much higher ceiling for every post.
        """
        if request.method == "POST":
            scope = f"form:{self.get_site().pk}"
            if submission_limited(request, scope) or posts_limited(request, scope):
                return self.render_rate_limited(request)
            form = self.get_form(request.POST, request.FILES, page=self, user=request.user)
            if form.is_spam:
                logger.info("Dropped a honeypot submission on form page %s", self.pk)
                return redirect(self.thank_you_url(request))
            if form.is_valid():
                submission = self.process_form_submission(form)
                count_submission(request, scope)
                return redirect(self.thank_you_url(request, submission, form))
        else:
            form = self.get_form(page=self, user=request.user)
        return self.render_form(request, form)

    def render_form(self, request, form, status=200, **extra_context):
        """The form page showing ``form`` (also used by the CSRF failure view, which shows a
        refused post's values again: ``forms_app.intake.csrf_failure``)."""
        context = self.get_context(request)
        context["form"] = form
        context["policy_link"] = policy_link(form.policy, request)
        context.update(extra_context)
        return TemplateResponse(request, self.get_template(request), context, status=status)

    @path("tak/")
    @path("thank-you/", name="thank_you_en")
    def thank_you_view(self, request):
        response = self.render_landing_page(request)
        response.context_data["thanks"] = read_thanks(request.GET.get(QUERY_PARAMETER), self)
        return response

    def thank_you_url(self, request, submission=None, form=None):
        """The thank-you page; for a stored ``submission`` of ``form`` with its signed
        reference number, photo count and whether a receipt is on its way."""
        route = "thank_you_en" if self.locale.language_code == "en" else "thank_you_view"
        url = self.get_url(request=request) + self.reverse_subpage(route)
        if submission is None:
            return url
        photo_fields = form.photo_field_names()
        photos = (
            sum(len(form.cleaned_data.get(name) or []) for name in photo_fields)
            if photo_fields
            else None
        )
        token = sign_thanks(
            self,
            submission,
            CompanySettings.for_request(request).company_name,
            photos,
            wants_receipt(self, submission),
        )
        return f"{url}?{urlencode({QUERY_PARAMETER: token})}"

    def render_rate_limited(self, request):
        context = self.get_context(request)
        context["company"] = CompanySettings.for_request(request)
        response = TemplateResponse(request, "forms_app/rate_limited.html", context, status=429)
        response["Retry-After"] = "600"
        return response

    def serve_preview(self, request, mode_name):
        if mode_name == "landing":
            return self.render_landing_page(request)
        # Skip RoutablePageMixin.serve_preview, which would route to form_view: Wagtail's
        # FormMixin.serve_preview renders the form itself.
        return super(RoutablePageMixin, self).serve_preview(request, mode_name)
