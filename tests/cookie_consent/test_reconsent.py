"""A policy revision published as a substantive change asks every visitor again."""

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cookie_consent.models import ConsentRecord, ReconsentEvent
from home.models import CompanySettings
from tests.cookie_consent.helpers import VVS, banner_shown, choose

pytestmark = pytest.mark.django_db


def policy_of(site):
    return CompanySettings.for_site(site).privacy_policy_page


def edit_data(page, *, substantive):
    data = {
        "title": page.title,
        "slug": page.slug,
        "intro": rich_text(page.intro),
        "sections": streamfield(
            [
                (
                    "section",
                    {
                        "heading": block.value["heading"],
                        "level": block.value["level"],
                        "body": rich_text(block.value["body"].source),
                    },
                )
                for block in page.sections
            ]
        ),
        "seo_title": "",
        "search_description": "",
        "comments": inline_formset([]),
        "action-publish": "publish",
    }
    if substantive:
        data["substantive_change"] = "on"
    return nested_form_data(data)


def publish(client, page, *, substantive, on_commit):
    with on_commit(execute=True):
        response = client.post(
            f"/admin/pages/{page.pk}/edit/", edit_data(page, substantive=substantive)
        )
    assert response.status_code == 302, response.content.decode()[:3000]


def test_substantive_change_shows_the_banner_again(
    client, admin_client, vvs_site, el_site, django_capture_on_commit_callbacks
):
    policy = policy_of(vvs_site)
    choose(client, "accept_all")
    assert not banner_shown(client.get("/", HTTP_HOST=VVS))
    assert client.get("/", HTTP_HOST=VVS)["X-Page-Cache"] == "hit"
    revisions = policy.revisions.count()

    # An ordinary edit: the choice still counts.
    publish(admin_client, policy, substantive=False, on_commit=django_capture_on_commit_callbacks)
    assert policy.revisions.count() == revisions + 1
    assert not ReconsentEvent.objects.exists()
    assert not banner_shown(client.get("/", HTTP_HOST=VVS))

    # A substantive change: asked again, on this site only.
    publish(admin_client, policy, substantive=True, on_commit=django_capture_on_commit_callbacks)
    event = ReconsentEvent.objects.get()
    policy.refresh_from_db()
    assert event.site == vvs_site
    assert event.policy_revision_id == policy.live_revision_id
    assert not policy.substantive_change  # the flag belongs to that one publish
    assert banner_shown(client.get("/", HTTP_HOST=VVS))
    assert banner_shown(client.get("/ydelser/", HTTP_HOST=VVS))

    # A new choice is made under the new epoch, against the new revision, and counts.
    choose(client, "accept_all")
    latest = ConsentRecord.objects.first()
    assert latest.epoch == event.pk
    assert latest.policy_revision_id == policy.live_revision_id
    assert not banner_shown(client.get("/", HTTP_HOST=VVS))

    # The edit form starts unticked again, and the next ordinary publish asks nobody.
    form = admin_client.get(f"/admin/pages/{policy.pk}/edit/").content.decode()
    assert 'name="substantive_change"' in form
    checkbox = form[form.index('name="substantive_change"') - 200 :]
    checkbox = checkbox[: checkbox.index(">", 200) + 1]
    assert "checked" not in checkbox
    publish(admin_client, policy, substantive=False, on_commit=django_capture_on_commit_callbacks)
    assert ReconsentEvent.objects.count() == 1
    assert not banner_shown(client.get("/", HTTP_HOST=VVS))


def test_the_other_site_is_not_asked_again(
    client, admin_client, vvs_site, el_site, django_capture_on_commit_callbacks
):
    choose(client, "reject_all", host="mihel.localhost")
    publish(
        admin_client,
        policy_of(vvs_site),
        substantive=True,
        on_commit=django_capture_on_commit_callbacks,
    )
    assert not banner_shown(client.get("/", HTTP_HOST="mihel.localhost"))


def test_publishing_the_english_policy_as_substantive_asks_again_on_its_site(
    client, admin_client, vvs_site, django_capture_on_commit_callbacks
):
    from wagtail.models import Locale

    english = policy_of(vvs_site).get_translation(Locale.objects.get(language_code="en"))
    english.substantive_change = True
    with django_capture_on_commit_callbacks(execute=True):
        english.save_revision().publish()
    assert ReconsentEvent.objects.get().site == vvs_site
