"""Factories for every page model (a meta-test checks none is missing)."""

import factory
import wagtail_factories

from forms_app.models import FormField, FormPage
from home.models import HomePage, PrivacyPolicyPage, StandardPage


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Forside"
    intro = "Velkommen"

    class Meta:
        model = HomePage


class StandardPageFactory(wagtail_factories.PageFactory):
    title = "Side"
    intro = ""

    class Meta:
        model = StandardPage


class PrivacyPolicyPageFactory(wagtail_factories.PageFactory):
    title = "Persondatapolitik"
    intro = "<p>Sådan behandler vi dine oplysninger.</p>"

    class Meta:
        model = PrivacyPolicyPage


class FormPageFactory(wagtail_factories.PageFactory):
    title = "Formular"
    consent_text = "Jeg giver samtykke."
    retention_period = 6

    class Meta:
        model = FormPage


class FormFieldFactory(factory.django.DjangoModelFactory):
    page = factory.SubFactory(FormPageFactory)
    label = factory.Sequence(lambda n: f"Felt {n}")
    field_type = "singleline"
    required = False

    class Meta:
        model = FormField
