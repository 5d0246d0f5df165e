"""Issue 13, editors: the policy page names the controller and the right to complain by itself
(GDPR art. 13), the staff's "policy as it was" says it is a historical version, and "version"
means one thing: a new public version only when the policy's text changed.

New wording is checked through ``gettext``, so these tests hold before and after the Danish
catalogue has the new messages.
"""

import datetime
import html as html_lib
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext
from freezegun import freeze_time

from forms_app.models import FormSubmission
from home.models import CompanySettings
from home.policy_import import import_policy
from tests.factories import FormSubmissionFactory

pytestmark = pytest.mark.django_db

VVS = "mihvvs.localhost"
POLICY = "/persondatapolitik/"
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "persondatapolitik_seed.md"


def in_language(message, language="da"):
    with translation.override(language):
        return gettext(message)


def policy_of(site):
    return CompanySettings.for_site(site).privacy_policy_page


def get_policy(client, path=POLICY, host=VVS):
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200
    return response.content.decode()


def section_html(html, anchor):
    """The ``<section>`` headed by the element with id ``anchor``."""
    match = re.search(
        rf'<section[^>]*aria-labelledby="{re.escape(anchor)}"[^>]*>.*?</section>', html, re.S
    )
    assert match, f"no section {anchor}"
    return match.group(0)


def toc(html):
    nav = re.search(r'<nav class="policy__toc".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a href="#([^"]+)">([^<]*)</a>', nav)


def heading_ids(html):
    """The ids of the policy's section headings (the contents' own heading left out)."""
    return [i for i in re.findall(r'<h[23] id="([^"]+)"', html) if i != "toc-heading"]


def anchors(language="da"):
    """The anchors of the fixed sections: their headings, slugified."""
    return (
        slugify(in_language("Data controller", language)),
        slugify(in_language("Complaints to the Danish Data Protection Agency", language)),
    )


# -- the controller and the complaint, from the template and the settings ---------------------


def test_the_policy_names_the_controller_from_the_company_settings(client, vvs_site):
    company = CompanySettings.for_site(vvs_site)
    company.company_name = "MIH VVS & Søn ApS"
    company.cvr_number = "11223344"
    company.street_address = "Havnegade 7"
    company.postcode = "4000"
    company.city = "Roskilde"
    company.phone = "46 35 00 00"
    company.email = "post@mihvvs.dk"
    company.save()

    html = get_policy(client)
    controller_anchor, _complaint = anchors()
    block = html_lib.unescape(section_html(html, controller_anchor))
    assert in_language("Data controller") in block
    assert "<strong>MIH VVS & Søn ApS</strong>" in block
    assert f"{in_language('CVR')}: 11223344" in block
    assert "Havnegade 7" in block and "4000 Roskilde" in block
    assert '<a href="tel:+4546350000">46 35 00 00</a>' in block
    assert '<a href="mailto:post@mihvvs.dk">post@mihvvs.dk</a>' in block


def test_the_controller_comes_first_and_the_complaint_last_in_page_and_contents(client, vvs_site):
    html = get_policy(client)
    controller, complaint = anchors()
    entries = toc(html)
    assert entries[0] == (controller, in_language("Data controller"))
    assert entries[-1] == (
        complaint,
        in_language("Complaints to the Danish Data Protection Agency"),
    )
    ids = heading_ids(html)
    assert ids[0] == controller and ids[-1] == complaint
    # After the version line and the intro, before the editor's first section.
    assert html.index('class="policy__meta"') < html.index('class="rich-text policy__intro"')
    assert html.index('class="rich-text policy__intro"') < html.index(f'id="{controller}"')
    assert html.index(f'id="{controller}"') < html.index(">1. Generelt</h2>")
    # Every entry of the contents leads to a heading, and every anchor is unique.
    assert [anchor for anchor, _heading in entries] == [i for i in ids if i != "cookies"]
    assert len(ids) == len(set(ids))


def test_the_complaint_section_names_datatilsynet_with_its_address_and_link(client, vvs_site):
    html = get_policy(client)
    _controller, complaint = anchors()
    block = html_lib.unescape(section_html(html, complaint))
    assert (
        in_language(
            "If you are unhappy with how we process your personal data, you can complain to "
            "the Danish Data Protection Agency (Datatilsynet)."
        )
        in block
    )
    assert "Datatilsynet<br>" in block
    assert "Carl Jacobsens Vej 35" in block and "2500 Valby" in block
    assert '<a href="https://www.datatilsynet.dk">www.datatilsynet.dk</a>' in block


def test_the_english_policy_has_them_in_english(client, vvs_site):
    html = get_policy(client, "/en/privacy-policy/")
    controller, complaint = anchors("en")
    assert (controller, complaint) == (
        "data-controller",
        "complaints-to-the-danish-data-protection-agency",
    )
    entries = toc(html)
    assert entries[0] == (controller, "Data controller")
    assert entries[-1] == (complaint, "Complaints to the Danish Data Protection Agency")
    block = section_html(html, controller)
    assert "<strong>MIH VVS ApS</strong>" in block
    assert "The data controller responsible for processing your personal data is:" in block
    assert "Carl Jacobsens Vej 35" in section_html(html, complaint)


def test_an_imported_client_policy_cannot_lose_them(client, vvs_site):
    """The client's policy has no controller block and no complaint section."""
    text = SEED.read_text(encoding="utf-8")
    assert "Datatilsynet" not in text and "CVR" not in text
    import_policy(vvs_site.hostname, SEED, publish=True)
    html = get_policy(client)
    controller, complaint = anchors()
    company = CompanySettings.for_site(vvs_site)
    assert f"<strong>{company.company_name}</strong>" in section_html(html, controller)
    assert company.cvr_number in section_html(html, controller)
    assert "Carl Jacobsens Vej 35" in section_html(html, complaint)
    entries = [anchor for anchor, _heading in toc(html)]
    assert entries[0] == controller and entries[-1] == complaint


def test_the_editors_own_complaint_heading_does_not_clash_with_the_fixed_one(client, vvs_site):
    policy = policy_of(vvs_site)
    heading = in_language("Complaints to the Danish Data Protection Agency")
    policy.sections = [
        ("section", {"heading": "1. Generelt", "level": "2", "body": "<p>Om os.</p>"}),
        ("section", {"heading": heading, "level": "2", "body": "<p>Skriv til os først.</p>"}),
        ("section", {"heading": in_language("Data controller"), "level": "2", "body": ""}),
    ]
    policy.save_revision().publish()
    html = get_policy(client)
    controller, complaint = anchors()
    ids = heading_ids(html)
    assert len(ids) == len(set(ids))
    # The fixed sections keep their anchors; the editor's get a number.
    assert ids[0] == controller and ids[-1] == complaint
    assert f"{complaint}-2" in ids and f"{controller}-2" in ids
    assert "Skriv til os først." in section_html(html, f"{complaint}-2")
    assert "Carl Jacobsens Vej 35" in section_html(html, complaint)
    assert [anchor for anchor, _heading in toc(html)] == [i for i in ids if i != "cookies"]


def test_the_demo_policy_text_no_longer_repeats_them(client, vvs_site):
    policy = policy_of(vvs_site)
    assert "CVR" not in policy.intro and "mailto:" not in policy.intro
    assert not [b for b in policy.sections if "Datatilsynet" in str(b.value["body"])]
    html = get_policy(client)
    assert html.count("Carl Jacobsens Vej 35") == 1
    assert html.count('href="https://www.datatilsynet.dk"') == 1


# -- the staff's view of the policy as it was ----------------------------------------------------


HISTORICAL = (
    "This is how the privacy policy looked when the consent was given. The version in force "
    "now may be different."
)


def test_the_policy_as_it_was_says_it_is_a_historical_version(client, vvs_site, vvs_staff):
    submission = FormSubmissionFactory()
    client.force_login(vvs_staff)
    html = client.get(reverse("henvendelser:policy", args=[submission.pk])).content.decode()
    note = re.search(r'<div class="policy__historical" role="note">(.*?)</div>', html, re.S)
    assert note, "no historical-version banner"
    text = html_lib.unescape(note.group(1))
    # The policy is shown as the public site showed it: in the policy's language (Danish).
    assert in_language("Historical version:") in text
    assert in_language(HISTORICAL) in text
    # At the top: before the title.
    assert html.index('class="policy__historical"') < html.index("<h1>")


def test_the_public_policy_has_no_historical_banner(client, vvs_site):
    html = get_policy(client)
    assert "policy__historical" not in html
    assert in_language(HISTORICAL) not in html
    assert 'role="note"' not in html


# -- one meaning of "version" ---------------------------------------------------------------------


def test_publishing_the_same_text_again_is_not_a_new_version(client, vvs_site):
    policy = policy_of(vvs_site)
    first = policy.live_revision_id
    version, published_at = policy.get_publication()
    assert version == 1

    with freeze_time(timezone.now() + datetime.timedelta(days=3)):
        same = policy.save_revision()  # "Publish" with no change in the editor
        same.publish()
    policy.refresh_from_db()
    assert policy.live_revision_id == same.pk != first
    assert policy.get_publication() == (1, published_at)
    assert "Version 1" in get_policy(client)

    # Unpublished and published again (a new revision of the same text).
    policy.unpublish()
    policy.refresh_from_db()
    policy.save_revision().publish()
    policy.refresh_from_db()
    assert policy.get_publication() == (1, published_at)

    # Block ids and rich-text block keys are not the text: sections saved anew, same words.
    policy.sections = [
        (
            "section",
            {"heading": b.value["heading"], "level": b.value["level"], "body": b.value["body"]},
        )
        for b in policy.sections
    ]
    policy.intro = policy.intro.replace("<p>", '<p data-block-key="x1y2z">')
    policy.save_revision().publish()
    policy.refresh_from_db()
    assert policy.get_publication()[0] == 1

    # A changed word is a new version, dated when it was published.
    later = timezone.now() + datetime.timedelta(days=7)
    with freeze_time(later):
        policy.title = "Persondatapolitik for MIH VVS"
        policy.save_revision().publish()
    policy.refresh_from_db()
    assert policy.get_publication() == (2, later)
    html = get_policy(client)
    assert "Version 2" in html and "Version 3" not in html

    # Going back to the earlier text is a change too: the next version.
    with freeze_time(later + datetime.timedelta(days=1)):
        policy.title = "Persondatapolitik"
        policy.save_revision().publish()
    policy.refresh_from_db()
    assert policy.get_publication()[0] == 3
    # The old revisions keep their numbers.
    assert policy.get_publication(first)[0] == 1
    assert policy.get_publication(same.pk) == (1, published_at)


def test_the_substantive_change_box_alone_is_not_a_new_version(vvs_site):
    policy = policy_of(vvs_site)
    policy.substantive_change = True
    policy.save_revision().publish()
    policy.refresh_from_db()
    assert policy.get_publication()[0] == 1


def test_consent_proof_keeps_its_revision_and_shows_the_version_it_repeats(
    client, vvs_site, vvs_staff
):
    policy = policy_of(vvs_site)
    policy.save_revision().publish()  # the same text again
    policy.refresh_from_db()
    submission = FormSubmissionFactory()
    assert submission.policy_revision_id == policy.live_revision_id
    assert submission.policy_publication()[0] == 1
    # The export's numbering (one query for all submissions) agrees.
    versions = FormSubmission.objects.filter(pk=submission.pk).policy_versions()
    assert versions[submission.policy_revision_id] == 1

    policy.title = "Ny persondatapolitik"
    policy.save_revision().publish()
    policy.refresh_from_db()
    newer = FormSubmissionFactory()
    assert newer.policy_publication()[0] == 2
    assert submission.policy_publication()[0] == 1  # still its own revision's version

    client.force_login(vvs_staff)
    html = client.get(reverse("henvendelser:policy", args=[submission.pk])).content.decode()
    assert "Version 1" in html and "<h1>Ny persondatapolitik</h1>" not in html
