"""Danish first, English under /en/: routing, switcher, hreflang, forms, editors, catalogues."""

import re
import shutil

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from wagtail.models import Locale

from forms_app.models import FormPage, FormSubmission
from home.models import CompanySettings, StandardPage
from tests.assertions import assert_permission_denied
from tests.visitor import post_form

pytestmark = pytest.mark.django_db


def html(client, host, path, **extra):
    response = client.get(path, HTTP_HOST=host, **extra)
    assert response.status_code == 200, (host, path, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize(
    ("host", "path", "lang", "heading"),
    [
        ("mihvvs.localhost", "/", "da", "VVS-arbejde, du kan regne med"),
        ("mihvvs.localhost", "/en/", "en", "Plumbing and heating you can rely on"),
        ("mihvvs.localhost", "/kontakt/", "da", "Kontakt"),
        ("mihvvs.localhost", "/en/contact/", "en", "Contact"),
        ("mihel.localhost", "/persondatapolitik/", "da", "Persondatapolitik"),
        ("mihel.localhost", "/en/privacy-policy/", "en", "Privacy policy"),
        ("mihel.localhost", "/en/", "en", "Safe electrical installations"),
    ],
)
def test_each_site_in_each_language(client, sites, host, path, lang, heading):
    page = html(client, host, path, HTTP_ACCEPT_LANGUAGE="da" if lang == "en" else "en")
    assert f'<html lang="{lang}">' in page
    assert re.search(rf"<h1>{re.escape(heading)}", page)


def test_english_has_no_danish_slugs(client, sites):
    assert client.get("/en/kontakt/", HTTP_HOST="mihvvs.localhost").status_code == 404
    assert client.get("/contact/", HTTP_HOST="mihvvs.localhost").status_code == 404


def test_english_chrome_is_english(client, sites):
    page = html(client, "mihvvs.localhost", "/en/privacy-policy/")
    assert "Last updated" in page and "Opening hours" in page and "Version 1" in page
    assert "Monday" in page  # the English opening hours, not "Mandag"
    assert 'href="/en/privacy-policy/"' in page  # footer links the English policy


def switcher(page):
    nav = re.search(r'<nav class="language-switcher".*?</nav>', page, re.S).group(0)
    return dict(re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', nav))


def test_switcher_leads_to_the_translation(client, sites):
    da = switcher(html(client, "mihvvs.localhost", "/tilbud/"))
    assert da == {"http://mihvvs.localhost/en/get-a-quote/": "en"}
    en = switcher(html(client, "mihvvs.localhost", "/en/get-a-quote/"))
    assert en == {"http://mihvvs.localhost/tilbud/": "da"}


def test_switcher_falls_back_to_the_english_home(client, vvs_site):
    home = vvs_site.root_page
    home.add_child(instance=StandardPage(title="Kun på dansk", slug="kun-dansk"))
    StandardPage.objects.get(slug="kun-dansk").save_revision().publish()
    links = switcher(html(client, "mihvvs.localhost", "/kun-dansk/"))
    assert links == {"http://mihvvs.localhost/en/": "en"}


def test_switcher_keeps_the_visitors_port(client, sites):
    links = switcher(html(client, "mihvvs.localhost:8000", "/kontakt/"))
    assert links == {"http://mihvvs.localhost:8000/en/contact/": "en"}


def test_hreflang_alternates(client, sites):
    page = html(client, "mihel.localhost", "/en/privacy-policy/")
    alternates = dict(
        re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)"', page)
    )
    assert alternates == {
        "da": "http://mihel.localhost/persondatapolitik/",
        "x-default": "http://mihel.localhost/persondatapolitik/",
        "en": "http://mihel.localhost/en/privacy-policy/",
    }


class TestForms:
    def post_contact(self, client, path, **data):
        return post_form(client, path, data)

    def test_english_submission_has_the_danish_keys_and_english_proof(self, client, vvs_site):
        danish = {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"}
        english = {"navn": "Ann", "e_mail": "ann@example.com", "besked": "Hi", "samtykke": "on"}
        assert self.post_contact(client, "/kontakt/", **danish).status_code == 302
        response = self.post_contact(client, "/en/contact/", **english)
        assert response.status_code == 302
        assert response["Location"].startswith("/en/contact/thank-you/?ref=")
        thanks = client.get(response["Location"], HTTP_HOST="mihvvs.localhost").content.decode()
        assert "Thank you" in thanks and '<a href="/en/">Go to the front page</a>' in thanks
        da, en = FormSubmission.objects.order_by("pk")
        assert set(da.form_data) == set(en.form_data) == {"navn", "e_mail", "telefon", "besked"}
        assert (da.site, en.site) == (vvs_site, vvs_site)
        assert (da.consent_language, en.consent_language) == ("da", "en")
        assert en.consent_text.startswith("I consent to MIH VVS ApS")
        assert "/en/privacy-policy/" in en.consent_text
        policy_da = CompanySettings.for_site(vvs_site).privacy_policy_page
        policy_en = policy_da.get_translation(Locale.objects.get(language_code="en"))
        assert da.policy_revision_id == policy_da.live_revision_id
        assert en.policy_revision_id == policy_en.live_revision_id
        assert (da.retain_until, da.retention_reason) != (None, "")
        assert en.retain_until == da.retain_until  # same form rules: 6 months

    def test_english_page_shows_english_labels_and_errors(self, client, sites):
        response = self.post_contact(client, "/en/contact/", navn="", e_mail="nope")
        page = response.content.decode()
        assert "Please tick the box to give your consent" in page
        assert "Enter a valid email address." in page
        assert "This field is required." in page
        assert re.search(r"<label[^>]*>Message", page)
        response = self.post_contact(client, "/kontakt/", navn="", e_mail="nope")
        page = response.content.decode()
        assert "Sæt kryds for at give dit samtykke" in page
        assert "Indtast en gyldig e-mailadresse, f.eks. navn@eksempel.dk." in page

    def test_english_submissions_reach_the_same_inbox(self, client, vvs_site, vvs_staff):
        self.post_contact(
            client,
            "/en/contact/",
            navn="Ann",
            e_mail="ann@example.com",
            besked="Hi",
            samtykke="on",
        )
        client.force_login(vvs_staff)
        assert "ann@example.com" in client.get("/admin/henvendelser/").content.decode()
        en_form = FormPage.objects.get(
            locale__language_code="en",
            slug="contact",
            url_path__startswith=vvs_site.root_page.specific.get_translation(
                Locale.objects.get(language_code="en")
            ).url_path,
        )
        assert en_form.get_site() == vvs_site


class TestEditors:
    def test_editor_edits_own_english_tree_only(self, client, vvs_site, el_site, vvs_editor):
        english = Locale.objects.get(language_code="en")
        vvs_en = vvs_site.root_page.get_translation(english)
        el_en = el_site.root_page.get_translation(english)
        assert vvs_en.permissions_for_user(vvs_editor).can_edit()
        assert vvs_en.get_children().first().permissions_for_user(vvs_editor).can_publish()
        assert not el_en.permissions_for_user(vvs_editor).can_edit()
        client.force_login(vvs_editor)
        assert client.get(f"/admin/pages/{vvs_en.pk}/edit/").status_code == 200
        assert_permission_denied(client.get(f"/admin/pages/{el_en.pk}/edit/"))

    def test_translations_are_synced_with_wagtail_localize(self, client, superuser, vvs_site):
        from wagtail_localize.models import Translation

        english = Locale.objects.get(language_code="en")
        policy = CompanySettings.for_site(vvs_site).privacy_policy_page
        translation = Translation.objects.get(
            source__object_id=policy.translation_key, target_locale=english
        )
        assert translation.get_progress()[0] == translation.get_progress()[1]
        # Editing the English page opens wagtail-localize's translation editor.
        en_policy = policy.get_translation(english)
        client.force_login(superuser)
        page = client.get(f"/admin/pages/{en_policy.pk}/edit/").content.decode()
        assert f"/admin/localize/translate/{translation.pk}/pofile/download/" in page


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) not installed")
def test_catalogue_has_no_untranslated_danish(tmp_path, monkeypatch):
    """``makemessages`` over the code finds no string the Danish catalogue lacks.

    It runs in a scratch folder (links to the code, a copy of the catalogue): makemessages
    writes to ./locale, and the project's own catalogue must stay as it is.
    """
    shutil.copytree(settings.BASE_DIR / "locale", tmp_path / "locale")
    # Every app of the project (a folder with apps.py), the project package and the templates.
    for name in (
        "cms",
        "templates",
        *(path.parent.name for path in settings.BASE_DIR.glob("*/apps.py")),
    ):
        (tmp_path / name).symlink_to(settings.BASE_DIR / name)
    monkeypatch.chdir(tmp_path)
    before = (settings.BASE_DIR / "locale" / "da" / "LC_MESSAGES" / "django.po").read_bytes()
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command(
            "makemessages",
            locale=["da"],
            symlinks=True,
            no_location=True,
            verbosity=0,
        )
    assert (settings.BASE_DIR / "locale" / "da" / "LC_MESSAGES" / "django.po").read_bytes() == (
        before
    )
    catalogue = polib.pofile(str(tmp_path / "locale" / "da" / "LC_MESSAGES" / "django.po"))
    # The scan saw the code (Python and templates), not just the old catalogue.
    assert catalogue.find("Unknown export format. Choose csv, csv-excel or xlsx.") is not None
    assert catalogue.find("Read our %(title)s") is not None
    missing = [e.msgid for e in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
    assert missing == []


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_danish_translations_use_their_msgids_placeholders():
    # A translation naming a placeholder its msgid does not pass raises KeyError at runtime (a
    # fuzzy match once gave Wagtail's "One submission has been deleted." another entry's
    # "%(counter)s", and Wagtail's delete answered 500).
    catalogue = polib.pofile(str(settings.BASE_DIR / "locale/da/LC_MESSAGES/django.po"))
    wrong = []
    for entry in catalogue.translated_entries():
        given = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        wrong += [
            (entry.msgid, text) for text in translations if set(PLACEHOLDER.findall(text)) - given
        ]
    assert not wrong
