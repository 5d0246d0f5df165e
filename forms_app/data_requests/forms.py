"""Who a data-subject request is about, and how to find their submissions."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..normalise import PHONE_CHARACTERS
from ..permissions import submissions_for

MIN_PHONE_DIGITS = 6


class PersonForm(forms.Form):
    """Who the request is about: an email address, a phone number, or both."""

    email = forms.EmailField(label=gettext_lazy("Email"), required=False, max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=32)

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        digits = sum(ch.isdigit() for ch in value)
        # A phone of no digits would normalise to "" and match every submission without one.
        if value and (not PHONE_CHARACTERS.match(value) or digits < MIN_PHONE_DIGITS):
            raise ValidationError(
                _("Enter a phone number of digits, spaces and an optional + sign.")
            )
        return value

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("email") or data.get("phone")):
            raise ValidationError(_("Enter an email address or a phone number, or both."))
        return data

    def person(self):
        return {"email": self.cleaned_data["email"], "phone": self.cleaned_data["phone"]}


def bound_form(request):
    """The person form, bound to the POST data when there is some."""
    return PersonForm(request.POST if request.method == "POST" else None)


def person_submissions(user, action, form):
    """The person's submissions on the sites where ``user`` may perform ``action``."""
    return submissions_for(user, action).for_person(**form.person())
