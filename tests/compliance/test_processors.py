"""The register of data processors (policy section 3): kept per site in the company settings,
edited on the settings page, shown in that site's privacy policy in Danish and English."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale

from home.models import CompanySettings, DataProcessor, PrivacyPolicyPage
from tests.admin_forms import settings_form_data
from tests.factories import EL_STAFF, UserFactory

VVS, EL = "mihvvs.localhost", "mihel.localhost"
POLICY = "/persondatapolitik/"


def danish(text):
    with translation.override("da"):
        return translation.gettext(text)


def english_policy_path(site):
    policy = CompanySettings.for_site(site).privacy_policy_page
    english = policy.get_translation(Locale.objects.get(language_code="en"))
    return english.get_url()


def settings_url(site):
    return reverse("wagtailsettings:edit", args=["home", "companysettings", site.pk])


NEW_PROCESSOR = {
    "name": "Backupfirmaet ApS",
    "service": "Opbevarer krypterede sikkerhedskopier.",
    "service_en": "Keeps encrypted backups.",
    "data": "En krypteret kopi af alle data.",
    "data_en": "An encrypted copy of all data.",
    "country": "DK",
    "transfer_basis": "",
    "agreement_date": "2026-03-01",
    "agreement_url": "https://backupfirmaet.example/dpa.pdf",
}


def register_html(html):
    """The policy's register section (from its heading to the end of its section)."""
    match = re.search(
        r'<section[^>]*aria-labelledby="([^"]+)">\s*<h[23] id="\1">[^<]*</h[23]>'
        r'\s*<div class="rich-text policy__processors">.*?</section>',
        html,
        re.S,
    )
    assert match, "the policy has no register section"
    return match.group(0)


@pytest.fixture
def editor_client(client, vvs_editor):
    """The test client, logged in as a MIH VVS editor (owner's side: company settings)."""
    client.force_login(vvs_editor)
    return client


# -- shown in the policy -------------------------------------------------------------------


def test_danish_policy_lists_the_sites_own_register(client, vvs_site, el_site):
    html = client.get(POLICY, HTTP_HOST=VVS).content.decode()
    register = register_html(html)
    for name in ("Hetzner Online GmbH", "Microsoft Ireland Operations Ltd", "Mailgun"):
        assert name in register
    assert "Drift af hjemmesiden: webserver, database og de billeder, du sender." in register
    assert "One.com" not in html  # MIH El's supplier

    el_html = client.get(POLICY, HTTP_HOST=EL).content.decode()
    assert "One.com Group AB" in register_html(el_html)
    assert "Mailgun" not in el_html and "Microsoft" not in el_html


def test_english_policy_shows_the_english_texts(client, vvs_site):
    html = client.get(english_policy_path(vvs_site), HTTP_HOST=VVS).content.decode()
    register = register_html(html)
    assert "Hosting of the website: web server, database and the photos you send." in register
    assert "Drift af hjemmesiden" not in register
    with translation.override("en"):
        assert translation.gettext("Our data processors") in register


def test_english_falls_back_to_danish_text(client, vvs_site):
    company = CompanySettings.for_site(vvs_site)
    company.processors.update(service_en="")
    html = client.get(english_policy_path(vvs_site), HTTP_HOST=VVS).content.decode()
    assert "Drift af hjemmesiden" in register_html(html)


def test_register_follows_section_three_in_text_and_contents(client, vvs_site):
    html = client.get(POLICY, HTTP_HOST=VVS).content.decode()
    heading = danish("Our data processors")
    toc = re.search(r'<nav class="policy__toc".*?</nav>', html, re.S).group(0)
    entries = re.findall(r'href="#([^"]+)">([^<]+)<', toc)
    titles = [title for _anchor, title in entries]
    position = titles.index(heading)
    assert titles[position - 1].startswith("3. ")
    assert titles[position + 1].startswith("4. ")
    anchor = entries[position][0]
    assert f'<h3 id="{anchor}">{heading}</h3>' in html
    body = html.index(f'id="{anchor}"')
    assert html.index('id="3-') < body < html.index('id="4-')


def test_a_transfer_outside_the_eea_is_flagged_with_its_safeguard(client, vvs_site):
    html = client.get(POLICY, HTTP_HOST=VVS).content.decode()
    mailgun = re.search(r"<li>\s*<strong>Mailgun.*?</li>", html, re.S).group(0)
    with translation.override("da"):
        safeguard = DataProcessor.objects.get(name__startswith="Mailgun")
        expected = translation.gettext(
            "outside the EU/EEA; the transfer is based on: %(safeguard)s"
        ) % {"safeguard": safeguard.get_transfer_basis_display()}
        assert translation.gettext("United States") in mailgun
    assert expected in mailgun
    hetzner = re.search(r"<li>\s*<strong>Hetzner.*?</li>", html, re.S).group(0)
    assert danish("in the EU/EEA") in hetzner


def test_policy_without_section_three_gets_the_register_at_the_end(vvs_site):
    page = PrivacyPolicyPage(
        title="Politik",
        sections=[
            ("section", {"heading": "Indledning", "level": "2", "body": "<p>a</p>"}),
            ("section", {"heading": "Vores databehandlere", "level": "2", "body": ""}),
        ],
    )
    with translation.override("da"):
        entries = page.contents_with_register()
    assert [(e["anchor"], e["level"], e["section"] is None) for e in entries][-1][1:] == (
        2,
        True,
    )
    anchors = [entry["anchor"] for entry in entries]
    assert len(anchors) == len(set(anchors)) == 3


def test_empty_register_says_so(client, el_site):
    CompanySettings.for_site(el_site).processors.all().delete()
    html = client.get(POLICY, HTTP_HOST=EL).content.decode()
    assert danish("We use no data processors at the moment.") in register_html(html)


# -- edited in the settings, shown at once -------------------------------------------------


def test_admin_adds_a_processor_and_the_cached_policy_shows_it(
    admin_client, client, vvs_site, django_capture_on_commit_callbacks
):
    first = client.get(POLICY, HTTP_HOST=VVS)
    assert client.get(POLICY, HTTP_HOST=VVS)["X-Page-Cache"] == "hit"
    assert "Backupfirmaet" not in first.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            settings_url(vvs_site),
            settings_form_data(vvs_site, add=[NEW_PROCESSOR]),
            HTTP_HOST=VVS,
        )
    assert response.status_code == 302
    saved = DataProcessor.objects.get(name="Backupfirmaet ApS")
    assert saved.company.site_id == vvs_site.pk
    assert saved.agreement_date == datetime.date(2026, 3, 1)

    html = client.get(POLICY, HTTP_HOST=VVS).content.decode()
    assert "Backupfirmaet ApS" in register_html(html)
    assert "Opbevarer krypterede sikkerhedskopier." in html
    # The other company's policy is untouched.
    assert "Backupfirmaet" not in client.get(POLICY, HTTP_HOST=EL).content.decode()


def test_changing_and_deleting_rows_invalidate_the_cached_policy(
    admin_client, client, vvs_site, django_capture_on_commit_callbacks
):
    client.get(POLICY, HTTP_HOST=VVS)
    assert client.get(POLICY, HTTP_HOST=VVS)["X-Page-Cache"] == "hit"
    company = CompanySettings.for_site(vvs_site)
    mailgun = company.processors.get(name__startswith="Mailgun")
    hetzner = company.processors.get(name__startswith="Hetzner")
    data = settings_form_data(
        vvs_site, delete={mailgun.pk}, change={hetzner.pk: {"service": "Ny hostingbeskrivelse."}}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(settings_url(vvs_site), data, HTTP_HOST=VVS)
    assert response.status_code == 302
    assert not DataProcessor.objects.filter(pk=mailgun.pk).exists()

    html = client.get(POLICY, HTTP_HOST=VVS).content.decode()
    assert "Mailgun" not in html
    assert "Ny hostingbeskrivelse." in register_html(html)


def test_outside_the_eea_without_a_safeguard_is_refused(admin_client, vvs_site):
    before = DataProcessor.objects.count()
    data = settings_form_data(
        vvs_site, add=[{**NEW_PROCESSOR, "name": "Cloudfirma Inc.", "country": "US"}]
    )
    response = admin_client.post(settings_url(vvs_site), data, HTTP_HOST=VVS)
    assert response.status_code == 200
    formset = response.context["form"].formsets["processors"]
    errors = [form.errors.get("transfer_basis") for form in formset.forms if form.errors]
    with translation.override("da"):
        expected = translation.gettext(
            "%(country)s is outside the EU/EEA: choose what makes the transfer lawful, or "
            "choose a supplier that keeps the data in the EU/EEA."
        ) % {"country": translation.gettext("United States")}
    assert errors == [[expected]]
    assert DataProcessor.objects.count() == before


def test_a_safeguard_for_an_eea_country_is_dropped(admin_client, vvs_site):
    data = settings_form_data(vvs_site, add=[{**NEW_PROCESSOR, "transfer_basis": "scc"}])
    assert admin_client.post(settings_url(vvs_site), data, HTTP_HOST=VVS).status_code == 302
    saved = DataProcessor.objects.get(name="Backupfirmaet ApS")
    assert (saved.transfer_basis, saved.outside_eea) == ("", False)


def test_editor_edits_own_register_and_never_sees_the_other(editor_client, vvs_site, el_site):
    page = editor_client.get(settings_url(vvs_site), HTTP_HOST=VVS)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Mailgun Technologies, Inc." in html
    assert "One.com" not in html

    response = editor_client.post(
        settings_url(vvs_site), settings_form_data(vvs_site, add=[NEW_PROCESSOR]), HTTP_HOST=VVS
    )
    assert response.status_code == 302
    assert CompanySettings.for_site(vvs_site).processors.filter(name="Backupfirmaet ApS").exists()

    other = editor_client.get(settings_url(el_site), HTTP_HOST=VVS)
    assert other.status_code in (302, 403)
    assert "One.com" not in other.content.decode()
    before = list(CompanySettings.for_site(el_site).processors.values_list("name", flat=True))
    refused = editor_client.post(
        settings_url(el_site),
        settings_form_data(el_site, add=[{**NEW_PROCESSOR, "name": "Indtrænger ApS"}]),
        HTTP_HOST=VVS,
    )
    assert refused.status_code in (302, 403)
    after = list(CompanySettings.for_site(el_site).processors.values_list("name", flat=True))
    assert after == before


def test_customer_service_cannot_edit_the_register(client, el_site):
    client.force_login(UserFactory(groups=[EL_STAFF]))
    response = client.get(settings_url(el_site), HTTP_HOST=EL)
    assert response.status_code in (302, 403)


def test_a_register_row_saved_or_deleted_on_its_own_invalidates_the_policy(
    client, vvs_site, django_capture_on_commit_callbacks
):
    """A row changed outside the settings page (a shell, a script) is no settings save: its
    own signal must start a new cache generation (and drop the memoised register)."""
    client.get(POLICY, HTTP_HOST=VVS)
    assert client.get(POLICY, HTTP_HOST=VVS)["X-Page-Cache"] == "hit"
    row = DataProcessor.objects.get(company__site=vvs_site, name__startswith="Hetzner")
    row.service = "Ændret i en skal."
    with django_capture_on_commit_callbacks(execute=True):
        row.save()
    response = client.get(POLICY, HTTP_HOST=VVS)
    assert response["X-Page-Cache"] == "miss"
    assert "Ændret i en skal." in register_html(response.content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        row.delete()
    assert "Hetzner" not in client.get(POLICY, HTTP_HOST=VVS).content.decode()
