"""The record of processing activities (GDPR art. 30): generated per company from the forms,
retention rules, register of processors, storage and security settings; readable by superusers
and by the company's own staff only."""

import html
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Locale, Site

from compliance import personal_data
from forms_app.models import FormField, FormPage, FormSubmission
from forms_app.retention import SubmissionStatus, retention_for
from home.models import CompanySettings, DataProcessor
from tests.factories import FormPageFactory, FormSubmissionFactory

VVS = "mihvvs.localhost"


def record_url(site):
    return reverse("fortegnelse:record", args=[site.pk])


def danish(text, **params):
    with translation.override("da"):
        translated = translation.gettext(text)
    return translated % params if params else translated


def get_record(client, site):
    response = client.get(record_url(site), HTTP_HOST=VVS)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def activities(page_html):
    """``{title: section html}`` of the record's processing activities."""
    sections = re.findall(r'<section class="activity">(.*?)</section>', page_html, re.S)
    return {re.search(r"<h3>\d+\. ([^<]+)</h3>", s).group(1): s for s in sections}


def assert_refused(response):
    """Wagtail's answer to a refused admin view: back to the dashboard, with a message."""
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def live_forms(site):
    return FormPage.objects.live().descendant_of(site.root_page).filter(locale__language_code="da")


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


# -- what it says ----------------------------------------------------------------------------


def test_record_names_the_controller_in_danish(superuser_client, vvs_site):
    page = get_record(superuser_client, vvs_site)
    company = CompanySettings.for_site(vvs_site)
    assert f"<h1>{danish('Record of processing activities')}</h1>" in page
    assert '<html lang="da">' in page
    for value in (
        company.company_name,
        company.cvr_number,
        company.street_address,
        company.city,
        company.email,
        company.phone,
    ):
        assert value in page


def test_record_lists_every_field_of_every_live_form(superuser_client, vvs_site):
    forms = list(live_forms(vvs_site))
    assert len(forms) == 2  # the quote and contact forms setup_sites makes
    found = activities(get_record(superuser_client, vvs_site))
    for form in forms:
        section = found[form.title]
        table = re.search(r'<table class="form-fields">.*?</table>', section, re.S).group(0)
        rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", table)
        assert [label for label, _kind in rows] == [f.label for f in form.get_form_fields()]
        # Its legal basis and purpose come from the page.
        assert danish(dict(FormPage._meta.get_field("legal_basis").choices)[form.legal_basis]) in (
            section
        )
        assert form.retention_reason in section
        # The customer and closed-case rules, as forms_app/retention.py words them.
        now = timezone.now()
        with translation.override("da"):
            for status in (SubmissionStatus.CUSTOMER, SubmissionStatus.CLOSED):
                assert retention_for(form, status, received=now, changed=now)[1] in section
        assert danish(f"{form.retention_period} months") in section
    # The quote form takes photos: the photo rows' fields are listed with it.
    quote = found[next(f.title for f in forms if f.slug == "tilbud")]
    assert str(personal_data.PHOTOS.label) in quote or danish("Photos of the installation") in (
        quote
    )


def test_a_new_field_on_a_form_appears_in_the_record(superuser_client, vvs_site):
    quote = live_forms(vvs_site).get(slug="tilbud")
    FormField.objects.create(
        page=quote,
        label="Husets byggeår",
        field_type="number",
        required=False,
        sort_order=99,
        locale=quote.locale,
    )
    section = activities(get_record(superuser_client, vvs_site))[quote.title]
    assert "Husets byggeår" in section


def test_a_new_form_page_appears_and_stays_while_it_holds_submissions(superuser_client, vvs_site):
    page = FormPageFactory(parent=vvs_site.root_page, title="Servicebestilling", slug="service")
    FormField.objects.create(
        page=page, label="Kundenummer", field_type="singleline", sort_order=0, locale=page.locale
    )
    page.save_revision().publish()
    found = activities(get_record(superuser_client, vvs_site))
    assert "Kundenummer" in found["Servicebestilling"]

    FormSubmissionFactory(page=page)
    page.unpublish()
    # Unpublished, but what it collected is still kept: still processing.
    assert "Kundenummer" in activities(get_record(superuser_client, vvs_site))["Servicebestilling"]
    FormSubmission.objects.filter(page=page).delete()
    assert "Servicebestilling" not in activities(get_record(superuser_client, vvs_site))


def test_a_form_only_in_the_english_tree_is_listed(superuser_client, vvs_site):
    english_root = vvs_site.root_page.get_translation(Locale.objects.get(language_code="en"))
    page = FormPageFactory(parent=english_root, title="Warranty claim", slug="warranty")
    FormField.objects.create(
        page=page, label="Serial number", field_type="singleline", sort_order=0, locale=page.locale
    )
    page.save_revision().publish()
    assert "Serial number" in activities(get_record(superuser_client, vvs_site))["Warranty claim"]


def test_record_stores_consent_proof_and_case_fields_from_the_registry(superuser_client, vvs_site):
    page = get_record(superuser_client, vvs_site)
    quote = activities(page)[live_forms(vvs_site).get(slug="tilbud").title]
    for name in ("consent_text", "consent_given_at", "policy_revision", "retain_until"):
        field = FormSubmission._meta.get_field(name)
        with translation.override("da"):
            assert str(field.verbose_name) in quote
    # The appendix lists every personal-data field of every checked model.
    appendix = re.search(r'<table class="classification">.*?</table>', page, re.S).group(0)
    with translation.override("da"):
        for model in personal_data.checked_models():
            for field, _found in personal_data.personal_fields(model):
                assert f"<td>{model._meta.verbose_name}</td><td>{field.verbose_name}</td>" in (
                    appendix
                )


def test_record_lists_the_sites_processors_and_transfers(superuser_client, vvs_site, el_site):
    page = get_record(superuser_client, vvs_site)
    processors = re.search(r'<table class="processors">.*?</table>', page, re.S).group(0)
    for row in DataProcessor.objects.filter(company__site=vvs_site):
        assert row.name in processors and row.service in processors
    transfers = re.search(r'<ul class="transfers">.*?</ul>', page, re.S).group(0)
    mailgun = DataProcessor.objects.get(company__site=vvs_site, name__startswith="Mailgun")
    with translation.override("da"):
        assert mailgun.name in transfers
        assert str(mailgun.get_transfer_basis_display()) in transfers
    assert "Hetzner" not in transfers
    # Every form activity names the processors as recipients.
    for section in activities(page).values():
        if "form-fields" in section:
            assert mailgun.name in section

    el_page = get_record(superuser_client, el_site)
    assert "Mailgun" not in el_page and "One.com Group AB" in el_page
    assert danish("None: all data processors keep the data in the EU/EEA.") in el_page


def test_record_follows_the_settings(superuser_client, vvs_site, settings):
    settings.ANTIVIRUS_ENABLED = False
    page = get_record(superuser_client, vvs_site)
    measures = re.search(r'<table class="measures">.*?</table>', page, re.S).group(0)
    antivirus = re.search(rf"<td>{danish('Antivirus')}</td>.*?</tr>", measures, re.S).group(0)
    assert danish("Not active in this installation") in antivirus

    settings.ANTIVIRUS_ENABLED = True
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "forms_app.storage.PrivateS3Storage",
            "OPTIONS": {"bucket_name": "mih-fotos", "region_name": "eu-central-1"},
        },
    }
    page = get_record(superuser_client, vvs_site)
    measures = re.search(r'<table class="measures">.*?</table>', page, re.S).group(0)
    antivirus = re.search(rf"<td>{danish('Antivirus')}</td>.*?</tr>", measures, re.S).group(0)
    assert danish("Active") in antivirus and danish("Not active in this installation") not in (
        antivirus
    )
    storage = re.search(r'<table class="storage">.*?</table>', page, re.S).group(0)
    assert "mih-fotos" in storage and "eu-central-1" in storage


def test_record_is_printable_without_external_assets(superuser_client, vvs_site):
    page = get_record(superuser_client, vvs_site)
    assert "@media print" in page
    assert not re.search(r"<(link|script|img|iframe)\b", page)
    assert "url(" not in page


# -- who may read it -----------------------------------------------------------------------


def test_staff_read_their_own_companys_record_only(client, vvs_staff, vvs_site, el_site):
    client.force_login(vvs_staff)
    assert client.get(record_url(vvs_site), HTTP_HOST=VVS).status_code == 200
    assert_refused(client.get(record_url(el_site), HTTP_HOST=VVS))
    dashboard = client.get(record_url(el_site), HTTP_HOST=VVS, follow=True).content.decode()
    assert CompanySettings.for_site(el_site).company_name not in dashboard
    assert "One.com" not in dashboard
    # The index goes straight to their own.
    index = client.get(reverse("fortegnelse:index"), HTTP_HOST=VVS)
    assert index.status_code == 302 and index["Location"] == record_url(vvs_site)


def test_other_companys_staff_are_refused(client, el_staff, vvs_site, el_site):
    client.force_login(el_staff)
    assert_refused(client.get(record_url(vvs_site), HTTP_HOST=VVS))
    assert client.get(record_url(el_site), HTTP_HOST=VVS).status_code == 200


def test_editors_without_submission_rights_are_refused(client, vvs_editor, vvs_site):
    client.force_login(vvs_editor)
    assert_refused(client.get(record_url(vvs_site), HTTP_HOST=VVS))
    assert_refused(client.get(reverse("fortegnelse:index"), HTTP_HOST=VVS))
    dashboard = client.get(reverse("wagtailadmin_home"), HTTP_HOST=VVS).content.decode()
    assert reverse("fortegnelse:index") not in dashboard


def test_anonymous_visitors_are_sent_to_the_login(client, vvs_site):
    response = client.get(record_url(vvs_site), HTTP_HOST=VVS)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_superuser_chooses_among_both_companies(superuser_client, sites):
    index = superuser_client.get(reverse("fortegnelse:index"), HTTP_HOST=VVS)
    assert index.status_code == 200
    for site in Site.objects.all():
        assert record_url(site) in index.content.decode()


def test_menu_item_for_staff(client, vvs_staff, vvs_site):
    client.force_login(vvs_staff)
    dashboard = client.get(reverse("wagtailadmin_home"), HTTP_HOST=VVS).content.decode()
    assert reverse("fortegnelse:index") in dashboard


def test_unknown_site_is_404(superuser_client, sites):
    assert superuser_client.get(record_url(Site(pk=999999)), HTTP_HOST=VVS).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_backup_is_active_only_with_a_recent_archive(
    superuser_client, vvs_site, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "backups"},
        },
    }

    def backup_row():
        page = get_record(superuser_client, vvs_site)
        measures = re.search(r'<table class="measures">.*?</table>', page, re.S).group(0)
        return re.search(rf"<td>{danish('Backup')}</td>.*?</tr>", measures, re.S).group(0)

    assert danish("Not active in this installation") in backup_row()
    call_command("backup", stdout=io.StringIO())
    row = backup_row()
    assert danish("Not active in this installation") not in row
    assert timezone.localtime().strftime("%d.%m.%Y") in row


def test_record_lists_cookie_consent_and_visit_statistics(superuser_client, vvs_site, settings):
    settings.CONSENT_LOG_RETENTION_DAYS = 1234
    found = activities(get_record(superuser_client, vvs_site))
    consent = found[danish("Cookie consent")]
    # The consent log's fields come from the classification registry, with their retention.
    assert danish("consent id") in consent
    assert danish("banner text shown") in consent
    assert "1234" in consent
    statistics = found[danish("Visit statistics")]
    # Statistics store no personal data: no table of stored personal fields.
    assert '<table class="stored">' not in statistics
    # Consent for the cookie, legitimate interest for counting without one.
    assert (
        danish(
            "Consent for the statistics cookie (GDPR art. 6(1)(a)); legitimate interest for "
            "counting visits without a cookie (GDPR art. 6(1)(f))"
        )
        in statistics
    )
