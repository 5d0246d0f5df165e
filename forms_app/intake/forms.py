"""The public form: editor fields plus the fixed consent checkbox and a honeypot.

This module sits below the models (``FormPage.form_builder = PublicFormBuilder``): it imports
Django, Wagtail's form builder, the intake helpers and the page cache's memo, never a model or
a view.
"""

import django.forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

from cms import antivirus
from home import page_cache

from ..normalise import PHONE_CHARACTERS, normalise_email
from .consent import read_reference, sign_reference
from .photos import PhotoLimits, process_photos

# Field keys (clean names) of the fixed parts of every form; editors cannot use them.
CONSENT_FIELD = "samtykke"
HONEYPOT_FIELD = "mih_hp"
# The hidden, signed reference of the form and policy revisions the visitor was shown
# (forms_app.intake.consent.sign_reference); never stored as an answer.
REFERENCE_FIELD = "mih_bevis"
RESERVED_FIELD_NAMES = frozenset({CONSENT_FIELD, HONEYPOT_FIELD, REFERENCE_FIELD})
# Field keys that hold the submitter's name, so staff can search by it.
NAME_FIELD_NAMES = frozenset({"navn", "name", "fulde_navn", "dit_navn", "full_name"})

# Autofill (WCAG 1.3.5): the ``autocomplete`` token and the phone keyboard (``inputmode``) an
# editor's field gets from its key (``clean_name``, Danish or English as editors name them; an
# English translation keeps the Danish key) when its type does not decide it (email, tel).
AUTOFILL_BY_KEY = {
    **dict.fromkeys(NAME_FIELD_NAMES | {"navn", "fuldt_navn"}, ("name", None)),
    **dict.fromkeys(
        {"adresse", "address", "vejnavn", "gadeadresse", "street_address", "din_adresse"},
        ("street-address", None),
    ),
    **dict.fromkeys(
        {"postnummer", "postnr", "post_nr", "postcode", "post_code", "postal_code", "zip"},
        ("postal-code", "numeric"),
    ),
    **dict.fromkeys({"by", "bynavn", "city", "town"}, ("address-level2", None)),
    **dict.fromkeys(
        {"telefon", "telefonnummer", "tlf", "mobil", "mobilnummer", "phone", "telephone"},
        ("tel", "tel"),
    ),
    **dict.fromkeys({"e_mail", "email", "e_mailadresse", "email_address"}, ("email", "email")),
    **dict.fromkeys({"firma", "virksomhed", "firmanavn", "company"}, ("organization", None)),
}
# The type decides over the key: an email field is an address, a phone field a number.
AUTOFILL_BY_TYPE = {"email": ("email", "email"), "tel": ("tel", "tel")}
# Field types whose input takes free text, where the key's token applies.
AUTOFILL_TEXT_TYPES = frozenset({"singleline", "multiline", "email", "tel"})


# The field types an editor's autofill choice (FormField.autofill) applies to: inputs the
# visitor types in, and drop-down lists (an ``autocomplete`` token on a <select> is valid).
AUTOFILL_FIELD_TYPES = frozenset(
    {"singleline", "multiline", "email", "tel", "number", "url", "dropdown"}
)
# The keyboard an editor's choice brings on a phone (``inputmode``); "off" and the rest: none.
INPUTMODE_BY_CHOICE = {"tel": "tel", "email": "email", "postal-code": "numeric"}


def autofill_for(field_type, key):
    """``(autocomplete token, inputmode)`` for an editor field of ``field_type`` and ``key``
    (either may be None), or ``(None, None)`` when nothing applies."""
    if field_type in AUTOFILL_BY_TYPE:
        return AUTOFILL_BY_TYPE[field_type]
    if field_type not in AUTOFILL_TEXT_TYPES:
        return None, None
    autocomplete, inputmode = AUTOFILL_BY_KEY.get(key or "", (None, None))
    if field_type == "multiline" and autocomplete != "street-address":
        return None, None  # a multi-line answer is a description, never a name or a number
    return autocomplete, inputmode


# Long enough for any honest description of a job, short enough to refuse a pasted megabyte.
MULTILINE_MAX_LENGTH = 5000

# The length of FormSubmission.email (Django's EmailField default, the longest address SMTP
# can deliver to). Django's form field accepts up to 320 characters, which PostgreSQL would
# refuse with an error when the row is stored.
EMAIL_MAX_LENGTH = 254


def validate_email_length(value):
    """Refuse an address longer than the column, as typed or as it is stored (normalised)."""
    if max(len(value), len(normalise_email(value))) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            _("Enter an email address of at most %(limit_value)d characters."),
            code="max_length",
            params={"limit_value": EMAIL_MAX_LENGTH},
        )


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


class PublicBoundField(BoundField):
    """A bound field whose input, on a blank form, is rendered once per generation.

    A form page shown to an anonymous visitor renders the same inputs every time (no data,
    no errors, the editor's default values): the HTML comes from the page cache's memo
    (:meth:`PublicForm.widget_memo_key`). Anything else renders as usual.
    """

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        key = None
        if widget is None and attrs is None and not only_initial:
            key = self.form.widget_memo_key(self.name)
        if key is None:
            return super().as_widget(widget, attrs, only_initial)
        return page_cache.memo(None, key, lambda: BoundField.as_widget(self))

    @property
    def photos_chosen(self):
        """A photo input the visitor had chosen files in, shown again after a failed post (or
        a refused CSRF check): the browser has forgotten them, the page says so."""
        return self.name in self.form.photos_chosen

    @property
    def aria_describedby(self):
        # Django ties the help text and the error to the input; the "choose your photos
        # again" note (form_field.html, id ``<id>_photos``) belongs to it too.
        described = super().aria_describedby
        if described is not None and self.auto_id and self.photos_chosen:
            described = f"{described} {self.auto_id}_photos".strip()
        return described

    @property
    def group_describedby(self):
        """For a group of radio buttons or checkboxes (rendered as a fieldset, whose inputs
        Django gives no ``aria-describedby``): the ids of its help text and error, for the
        fieldset, so a screen reader reads them with the group."""
        if not self.auto_id:
            return ""
        ids = []
        if self.help_text:
            ids.append(f"{self.auto_id}_helptext")
        if self.errors:
            ids.append(f"{self.auto_id}_error")
        return " ".join(ids)

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and not (widget or self.field.widget).is_hidden:
            # The error styling (forms.css) on every invalid input, whatever its type.
            attrs["class"] = " ".join(filter(None, [attrs.get("class"), "is-invalid"]))
        return attrs


class PublicForm(BaseForm):
    """Every public form ends with the consent checkbox, a hidden honeypot field and the
    hidden reference of what it shows.

    ``policy`` is the site's live privacy policy (or None) and ``shown`` the form and policy
    revisions live now (``FormPage.get_form_parameters`` looks both up once per request).
    Every render carries ``shown`` signed in a hidden field, so what the visitor sends names
    what they were shown. ``consent_changed``: a posted form whose reference is not the live
    one (changed since it was loaded, or forged); its consent box is unticked and says why,
    its photos are not even decoded, and it is never valid.
    """

    bound_field_class = PublicBoundField
    # Set on a class built for a live page's own fields (PublicFormBuilder.get_form_class):
    # the memo key of that class, which keys its rendered inputs too.
    memo_key = None

    def __init__(self, *args, policy=None, shown=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.shown = shown or {}
        # The photo inputs the visitor had chosen files in (before any are dropped below).
        self.photos_chosen = {
            name for name in self.photo_field_names() if any(self.files.getlist(name))
        }
        self.consent_changed = self.is_bound and (
            read_reference(self.data.get(REFERENCE_FIELD)) != self.shown
        )
        if self.consent_changed:
            # They ticked the box for a text that is no longer the one in force: they must
            # read the new one and tick it again. Nothing is stored, so no photo is decoded.
            self.data = self.data.copy()
            self.data.pop(CONSENT_FIELD, None)
            self.files = MultiValueDict()
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
        # The reference rendered is always the current one, also when a posted form is shown
        # again (a bound field would echo the stale one the visitor sent).
        self.reference = sign_reference(self.shown)
        self.fields[REFERENCE_FIELD] = django.forms.CharField(
            required=False, widget=django.forms.HiddenInput
        )

    def full_clean(self):
        # The site a photo's virus detection is counted for (cms.antivirus).
        with antivirus.uploads_for_site(lambda: self.page.get_site() if self.page else None):
            super().full_clean()
        if self.consent_changed:
            self.cleaned_data.pop(CONSENT_FIELD, None)
            self._errors[CONSENT_FIELD] = self.error_class(
                [
                    _(
                        "The form or our privacy policy changed while you were filling it "
                        "in. Please read the consent text again and send the form once more."
                    )
                ],
                renderer=self.renderer,
            )
        # Each invalid input gets aria-invalid, its error class and aria-describedby with its
        # help text and its error (PublicBoundField.build_widget_attrs; the template renders
        # them with the ids ``<id>_helptext`` and ``<id>_error``).

    def widget_memo_key(self, name):
        """The memo key of field ``name``'s rendered input, or None when it must be rendered
        (a posted form, initial values of its own, or a class not built for a live page)."""
        if self.memo_key is None or self.is_bound or self.initial:
            return None
        return (
            "form-input",
            self.memo_key,
            name,
            self.prefix,
            self.auto_id,
            translation.get_language(),
        )

    @property
    def is_spam(self):
        return bool(self.data.get(HONEYPOT_FIELD))

    def editor_fields(self):
        """The fields the editor defined, in their order (templates render the fixed ones
        through :attr:`consent_field`, :attr:`honeypot_field` and :attr:`reference`)."""
        return [f for f in self if f.name not in RESERVED_FIELD_NAMES]

    @property
    def consent_field(self):
        return self[CONSENT_FIELD]

    @property
    def honeypot_field(self):
        return self[HONEYPOT_FIELD]

    @property
    def reference_field(self):
        """The hidden reference field; templates give it :attr:`reference` as its value."""
        return self[REFERENCE_FIELD]

    def photo_field_names(self):
        return [name for name, field in self.fields.items() if isinstance(field, PhotosField)]

    def summary_label(self, name):
        """The field's name in the error summary: its label, or "Consent" for the consent
        box, whose label is the whole consent text."""
        if name == CONSENT_FIELD:
            return _("Consent")
        return self.fields[name].label

    def error_summary(self):
        """``[(bound field, summary label, message)]`` for the error summary, in form order."""
        return [
            (self[name], self.summary_label(name), error)
            for name in self.fields
            if name in self.errors
            for error in self.errors[name]
        ]


class PublicFormBuilder(FormBuilder):
    """Wagtail's form builder with our field types (``tel``, ``photos``) and limits; set as
    ``FormPage.form_builder``, Wagtail's own extension point."""

    @property
    def formfields(self):
        formfields = super().formfields
        for field in self.fields:
            form_field = formfields.get(field.clean_name or field.get_field_clean_name())
            if form_field is not None:
                self.add_autofill(field, form_field)
        # Photo fields come after the editor's other fields, whatever their sort order, and
        # the consent checkbox after them (PublicForm): a field an editor adds at the end of
        # the list lands before the photos (the panel's help text says so).
        for name in [name for name, f in formfields.items() if isinstance(f, PhotosField)]:
            formfields[name] = formfields.pop(name)
        return formfields

    def add_autofill(self, field, form_field):
        """The ``autocomplete`` token and ``inputmode`` of the field: the editor's choice
        (``FormField.autofill``) if they made one, else what its type and key call for.
        "off" turns autofill off and asks for no particular keyboard."""
        attrs = form_field.widget.attrs
        choice = getattr(field, "autofill", "")
        if choice and field.field_type in AUTOFILL_FIELD_TYPES:
            attrs["autocomplete"] = choice
            attrs.pop("inputmode", None)
            inputmode = INPUTMODE_BY_CHOICE.get(choice)
            if inputmode and not isinstance(form_field.widget, django.forms.Select):
                attrs["inputmode"] = inputmode
            return
        token, inputmode = autofill_for(
            field.field_type, field.clean_name or field.get_field_clean_name()
        )
        if token:
            attrs.setdefault("autocomplete", token)
        if inputmode:
            attrs.setdefault("inputmode", inputmode)

    def create_multiline_field(self, field, options):
        options["max_length"] = MULTILINE_MAX_LENGTH
        return super().create_multiline_field(field, options)

    def create_dropdown_field(self, field, options):
        # An empty first option: nothing is preselected, and a required dropdown left at
        # "Choose…" is an error instead of a silent first answer.
        options["choices"] = [("", _("Choose…")), *self.get_formatted_field_choices(field)]
        return django.forms.ChoiceField(**options)

    def create_email_field(self, field, options):
        options["validators"] = [validate_email_length]
        email = super().create_email_field(field, options)
        email.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)
        return email

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
        """The form class of the page's fields, memoised per page for the current generation.

        Only for the fields a live page reads from the database (a queryset of the page's
        rows): a preview or a draft holds its fields in memory and is always built afresh. A
        publish starts a new generation, so the next request builds the new fields; a visitor
        with a session (an editor) never uses the memo. Sharing the class is safe: each form
        deep-copies its fields, as for any Django form class.
        """
        # ``page.form_fields.all()`` of a page loaded from the database is a queryset that
        # names its page (Django's related managers set the ``instance`` hint); a draft's or a
        # preview's in-memory fields (modelcluster's FakeQuerySet) name none.
        page = self.fields._hints.get("instance") if isinstance(self.fields, QuerySet) else None
        if page is None or page.pk is None:
            return self.build_form_class()
        key = ("form-class", page.pk, page.live_revision_id)

        def build():
            return type("PublicForm", (PublicForm,), {**self.formfields, "memo_key": key})

        return page_cache.memo(None, key, build)

    def build_form_class(self):
        return type("PublicForm", (PublicForm,), self.formfields)
