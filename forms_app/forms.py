"""The public form: editor fields plus the fixed consent checkbox and a honeypot."""

import django.forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

from .models import CONSENT_FIELD, HONEYPOT_FIELD
from .normalise import PHONE_CHARACTERS
from .photos import PhotoLimits, process_photos

# Long enough for any honest description of a job, short enough to refuse a pasted megabyte.
MULTILINE_MAX_LENGTH = 5000


class MultipleFileInput(django.forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(django.forms.FileField):
    """Several photos in one input; cleans to a list of :class:`ProcessedPhoto`."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise django.forms.ValidationError(self.error_messages["required"])
            return []
        return process_photos(files, PhotoLimits.from_settings())


class PublicForm(BaseForm):
    """Every public form ends with the consent checkbox and a hidden honeypot field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[CONSENT_FIELD] = django.forms.BooleanField(
            label=self.page.consent_text if self.page else "",
            required=True,
            error_messages={
                "required": _(
                    "Please tick the box to give your consent. Without it we cannot "
                    "receive your enquiry."
                )
            },
        )
        # Bots fill every field; people never see this one. A filled honeypot is dropped.
        self.fields[HONEYPOT_FIELD] = django.forms.CharField(
            label=_("Leave this field empty"),
            required=False,
            widget=django.forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )

    def full_clean(self):
        super().full_clean()
        # Tie each error to its input for screen readers (the template renders the message
        # with this id).
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"

    @property
    def is_spam(self):
        return bool(self.data.get(HONEYPOT_FIELD))

    def editor_fields(self):
        return [f for f in self if f.name not in (CONSENT_FIELD, HONEYPOT_FIELD)]


class PublicFormBuilder(FormBuilder):
    def __init__(self, fields, page=None):
        super().__init__(fields)
        self.page = page

    def create_multiline_field(self, field, options):
        options["max_length"] = MULTILINE_MAX_LENGTH
        return super().create_multiline_field(field, options)

    def create_tel_field(self, field, options):
        options["max_length"] = 24
        options["validators"] = [
            RegexValidator(PHONE_CHARACTERS, _("Enter a phone number, for example 12 34 56 78."))
        ]
        options["widget"] = django.forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
        return django.forms.CharField(**options)

    def create_photos_field(self, field, options):
        options.pop("initial", None)
        return PhotosField(**options)

    def get_form_class(self):
        return type("PublicForm", (PublicForm,), self.formfields)


def policy_link(page, request=None):
    """``(title, url)`` of the privacy policy linked from the consent text, if any."""
    policy = policy_for(page)
    if policy is None:
        return None
    return policy.title, policy.get_url(request=request)


def policy_for(page):
    """The live privacy policy of the page's site, in the page's language when translated."""
    from home.models import CompanySettings, PrivacyPolicyPage

    site = page.get_site()
    policy_id = CompanySettings.for_site(site).privacy_policy_page_id if site else None
    if policy_id is None:
        return None
    policies = PrivacyPolicyPage.objects.live().filter(
        translation_key__in=PrivacyPolicyPage.objects.filter(pk=policy_id).values(
            "translation_key"
        )
    )
    return (
        policies.filter(locale_id=page.locale_id).first() or policies.filter(pk=policy_id).first()
    )
