"""Company editors keep their own site's English pages in step with the Danish ones.

wagtail-localize's "Sync translated pages" and "Translate this page" ask only for the global
``wagtail_localize.submit_translation`` permission; ``home.localize`` adds the page-level
check, so an editor syncs and translates their own site and is refused the other's.
"""

import pytest
from django.contrib import messages
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Locale
from wagtail_localize.models import TranslationSource

from forms_app.models import FormField, FormPage
from home.models import CompanySettings, StandardPage
from home.setup import setup_sites
from tests.assertions import assert_permission_denied
from tests.factories import VVS_EDITORS

pytestmark = pytest.mark.django_db

NEW_HEADING = "Kunstig intelligens"
BEHIND_SOURCE = "Denne side blev udgivet, efter at dens oversættelser sidst blev synkroniseret"
BEHIND_TRANSLATION = "Originalen til denne oversættelse blev udgivet, efter at oversættelsen"


def policy(site):
    return CompanySettings.for_site(site).privacy_policy_page.specific


def english(page):
    return page.get_translation(Locale.objects.get(language_code="en")).specific


def sync_url(page):
    source = TranslationSource.objects.get_for_instance_or_none(page)
    return reverse("wagtail_localize:update_translations", args=[source.pk])


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def publish_new_section(page, user):
    """The Danish policy gets a new section, published by ``user`` (as the editor would)."""
    page.sections.append(
        ("section", {"heading": NEW_HEADING, "level": "3", "body": "<p>Vi bruger ingen.</p>"})
    )
    page.save_revision(user=user).publish(user=user)


def warnings(response):
    """The warnings the page shows (not, say, the sync's own success message)."""
    return [
        str(message)
        for message in response.context["messages"]
        if message.level == messages.WARNING
    ]


def test_editor_syncs_own_policy_and_english_page_gets_new_section(
    editor_client, vvs_editor, vvs_site
):
    danish = policy(vvs_site)
    publish_new_section(danish, vvs_editor)
    assert NEW_HEADING not in [block.value["heading"] for block in english(danish).sections]

    response = editor_client.get(sync_url(danish))
    assert response.status_code == 200
    response = editor_client.post(sync_url(danish), {"publish_translations": "on"})
    assert response.status_code == 302

    translated = english(danish)
    assert translated.live
    assert NEW_HEADING in [block.value["heading"] for block in translated.sections]
    # The English reader sees it (untranslated until an editor translates the new strings).
    page = editor_client.get(translated.url, HTTP_HOST=vvs_site.hostname)
    assert page.status_code == 200
    assert NEW_HEADING in page.content.decode()


def test_editor_syncs_new_form_field_to_english_form(editor_client, vvs_editor, vvs_site):
    danish = FormPage.objects.descendant_of(vvs_site.root_page).get(slug="kontakt")
    danish.form_fields.add(
        FormField(label="Postnummer", field_type="singleline", required=False, sort_order=99)
    )
    danish.save_revision(user=vvs_editor).publish(user=vvs_editor)
    clean_name = FormPage.objects.get(pk=danish.pk).form_fields.get(label="Postnummer").clean_name

    response = editor_client.post(sync_url(danish), {"publish_translations": "on"})

    assert response.status_code == 302
    english_form = FormPage.objects.get(pk=english(danish).pk)
    assert clean_name in english_form.form_fields.values_list("clean_name", flat=True)


def test_editor_translates_a_new_page_of_own_site(editor_client, vvs_site):
    services = StandardPage.objects.descendant_of(vvs_site.root_page).get(slug="ydelser")
    new = services.add_child(instance=StandardPage(title="Varmepumper", slug="varmepumper"))
    url = reverse("wagtail_localize:submit_page_translation", args=[new.pk])
    en = Locale.objects.get(language_code="en")

    response = editor_client.post(url, {"locales": [en.pk]})

    assert response.status_code == 302
    translated = new.get_translation(en)
    assert translated.get_parent().pk == english(services).pk


def test_editor_is_refused_the_other_sites_sync_and_translate(editor_client, el_site):
    danish = policy(el_site)
    before = english(danish).latest_revision_id

    assert_permission_denied(editor_client.get(sync_url(danish)))
    assert_permission_denied(editor_client.post(sync_url(danish), {"publish_translations": "on"}))
    assert english(danish).latest_revision_id == before

    submit = reverse("wagtail_localize:submit_page_translation", args=[danish.pk])
    assert_permission_denied(editor_client.get(submit))
    # The translation editor (the English page's edit view) is Wagtail's, refused the same way.
    assert_permission_denied(editor_client.get(edit_url(english(danish))))


def test_editor_opens_own_translation_editor(editor_client, vvs_site):
    response = editor_client.get(edit_url(english(policy(vvs_site))))
    assert response.status_code == 200
    assert "wagtail_localize/admin/edit_translation.html" in [t.name for t in response.templates]


def test_behind_warning_appears_after_change_and_disappears_after_sync(
    editor_client, vvs_editor, vvs_site
):
    danish = policy(vvs_site)
    assert warnings(editor_client.get(edit_url(danish))) == []
    assert warnings(editor_client.get(edit_url(english(danish)))) == []

    publish_new_section(danish, vvs_editor)

    source_warning = warnings(editor_client.get(edit_url(danish)))
    assert len(source_warning) == 1
    assert source_warning[0].startswith(BEHIND_SOURCE)
    assert f'<a href="{sync_url(danish)}">Synkronisér oversatte sider</a>' in source_warning[0]
    response = editor_client.get(edit_url(english(danish)))  # wagtail-localize's editor
    translation_warning = warnings(response)
    assert len(translation_warning) == 1
    assert translation_warning[0].startswith(BEHIND_TRANSLATION)
    assert translation_warning[0] in response.content.decode()  # rendered, not just queued

    assert editor_client.post(sync_url(danish), {}).status_code == 302  # sync, no publish

    assert warnings(editor_client.get(edit_url(danish))) == []
    assert warnings(editor_client.get(edit_url(english(danish)))) == []


def test_setup_grants_the_translation_permission_once(sites):
    setup_sites()
    group = Group.objects.get(name=VVS_EDITORS)
    assert list(
        group.permissions.filter(content_type__app_label="wagtail_localize").values_list(
            "codename", flat=True
        )
    ) == ["submit_translation"]


def test_dashboard_lists_own_pages_behind_until_synced(
    editor_client, vvs_editor, superuser, vvs_site, el_site
):
    dashboard = reverse("wagtailadmin_home")
    assert "translations-behind" not in editor_client.get(dashboard).content.decode()
    vvs_policy, el_policy = policy(vvs_site), policy(el_site)
    publish_new_section(vvs_policy, vvs_editor)
    publish_new_section(el_policy, superuser)

    body = editor_client.get(dashboard).content.decode()
    assert "Oversættelser, der er bagud i forhold til originalen" in body
    assert f'href="{sync_url(vvs_policy)}"' in body
    assert f'href="{sync_url(el_policy)}"' not in body  # the other company's page: not listed

    editor_client.post(sync_url(vvs_policy), {})
    assert "translations-behind" not in editor_client.get(dashboard).content.decode()


def test_translations_report_lists_own_site_only(editor_client, vvs_site, el_site):
    el_home = english(el_site.root_page.specific)
    vvs_home = english(vvs_site.root_page.specific)

    response = editor_client.get(reverse("wagtail_localize:translations_report"))

    assert response.status_code == 200
    listed = {t.get_target_instance().pk for t in response.context["object_list"]}
    vvs_english = set(vvs_home.get_descendants(inclusive=True).values_list("pk", flat=True))
    assert listed == vvs_english  # every English VVS page, nothing of MIH El's
    assert el_home.pk not in listed
