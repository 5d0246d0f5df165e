"""Factories for every page model (a meta-test checks none is missing)."""

import wagtail_factories

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
