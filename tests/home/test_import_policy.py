"""``manage.py import_policy``: Markdown privacy policy → a new revision of a site's policy page.

The main input is the client's real policy, kept beside the repository in shared/seeds/.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.models import Revision

from home.blocks import POLICY_FEATURES
from home.models import CompanySettings
from home.policy_import import PolicyImportError, parse_policy, read_markdown

# A byte-for-byte copy of ../shared/seeds/000_0e5e3b783200dcc5.txt (the client's policy), so
# the suite runs in any checkout.
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "persondatapolitik_seed.md"
NUMBERED = ["1.", "2.", "3.", "4.", "5.", "6."]


@pytest.fixture(autouse=True)
def english_messages():
    """Messages are asserted in English (the msgids); the Danish ones are checked below."""
    with translation.override("en"):
        yield


def test_errors_speak_danish_to_danish_staff(tmp_path, vvs_site):
    with translation.override("da"), pytest.raises(CommandError, match="findes ikke"):
        call_command("import_policy", str(tmp_path / "mangler.md"), "--site", vvs_site.hostname)


@pytest.fixture
def seed_policy():
    return parse_policy(read_markdown(SEED))


def policy_page(site):
    return CompanySettings.for_site(site).privacy_policy_page


def revision_state(page):
    """What an import must leave alone when it fails (and partly when it only drafts)."""
    page.refresh_from_db()
    return (
        page.live_revision_id,
        page.latest_revision_id,
        Revision.page_revisions.filter(object_id=str(page.pk)).count(),
    )


def run_import(hostname, path, *args):
    stdout = StringIO()
    call_command("import_policy", str(path), "--site", hostname, *args, stdout=stdout)
    return stdout.getvalue()


def section(policy, prefix):
    return next(s for s in policy.sections if s.heading.startswith(prefix))


def write(tmp_path, text, name="policy.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Parsing the real policy


def test_every_heading_but_the_title_becomes_a_section(seed_policy):
    headings = [
        line for line in SEED.read_text(encoding="utf-8").splitlines() if re.match(r"#+\s", line)
    ]
    assert headings[0] == "# Persondatapolitik"
    assert seed_policy.title == "Persondatapolitik"
    assert len(seed_policy.sections) == len(headings) - 1
    assert seed_policy.intro == ""


def test_the_six_numbered_sections_are_main_sections_in_order(seed_policy):
    numbered = [s for s in seed_policy.sections if re.match(r"\d+\.", s.heading)]
    assert [s.heading.split()[0] for s in numbered] == NUMBERED
    assert all(s.level == "2" for s in numbered)
    # Emphasis markers around the heading text are gone.
    assert numbered[2].heading == "3. Oplysninger bliver ikke videregivet uden dit samtykke"
    assert numbered[5].heading == "6. Sikkerhed"


def test_kontaktoplysninger_is_a_subsection_with_its_list(seed_policy):
    headings = [s.heading for s in seed_policy.sections]
    assert headings.index("Kontaktoplysninger:") == headings.index("1. Generelt") + 1
    contact = section(seed_policy, "Kontaktoplysninger:")
    assert contact.level == "3"
    assert contact.body.count("<ul>") == 1
    assert contact.body.count("<li>") == 2
    assert "<li>Udregne et tilbud til dig, hvis du har sendt os en forespørgsel" in contact.body
    assert "<p>" not in contact.body.split("<ul>")[1].split("</ul>")[0]


def test_section_six_keeps_its_five_bullets(seed_policy):
    body = section(seed_policy, "6.").body
    items = re.search(r"<ul>(.*)</ul>", body).group(1)
    assert len(re.findall(r"<li>.+?</li>", items)) == 5
    assert items.endswith("der behandler personoplysninger på vores vegne.</li>")


def test_links_are_kept(seed_policy):
    body = section(seed_policy, "5.").body
    assert '<a href="http://www.mihvvs.dk">www.mihvvs.dk</a>' in body
    assert '<a href="http://www.mihel.dk">www.mihel.dk</a>' in body


def test_inline_formatting_becomes_wagtail_rich_text(tmp_path):
    path = write(
        tmp_path,
        "# Titel\n\nIntro med **fed** og *kursiv* og [mail](mailto:kontakt@mihvvs.dk).\n\n"
        '## Afsnit\n\nEn _linje_ der\nfortsætter  \nog et hårdt skift: 1 < 2 & "citat".\n\n'
        "1. et\n2. to\n\n- løs\n\n- liste\n",
    )
    policy = parse_policy(read_markdown(path))
    assert policy.intro == (
        "<p>Intro med <b>fed</b> og <i>kursiv</i> og "
        '<a href="mailto:kontakt@mihvvs.dk">mail</a>.</p>'
    )
    (only,) = policy.sections
    assert (only.heading, only.level) == ("Afsnit", "2")
    assert only.body == (
        '<p>En <i>linje</i> der fortsætter<br/>og et hårdt skift: 1 &lt; 2 &amp; "citat".</p>'
        "<ol><li>et</li><li>to</li></ol><ul><li>løs</li><li>liste</li></ul>"
    )


def test_the_html_is_what_wagtails_editor_stores(seed_policy):
    """Opening and saving an imported section in the editor changes nothing but block keys."""
    sample = parse_policy(
        "## A\n\nEn *linje* **fed**\nog  \n1 < 2 & [m](mailto:a@b.dk) [**x** y](https://a.dk/?a=1&b=2)"
        "\n\n1. et\n2. to\n"
    )
    converter = ContentstateConverter(features=POLICY_FEATURES)
    for policy_section in [*seed_policy.sections, *sample.sections]:
        stored = converter.to_database_format(converter.from_database_format(policy_section.body))
        assert re.sub(r' data-block-key="[^"]*"', "", stored) == policy_section.body


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.md"
    path.write_bytes("# Titel\n\n## 1. Æbler\n\nBlåbær.".encode("utf-8-sig"))
    policy = parse_policy(read_markdown(path))
    assert policy.title == "Titel"
    assert policy.sections[0].heading == "1. Æbler"


def test_deeper_headings_are_subsections_unless_numbered():
    policy = parse_policy("## Første\n\n### 2. Andet\n\n#### 2.1 Detalje\n\n# Igen\n")
    assert [(s.heading, s.level) for s in policy.sections] == [
        ("Første", "2"),
        ("2. Andet", "2"),
        ("2.1 Detalje", "3"),
        ("Igen", "2"),
    ]
    assert policy.title is None


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("# T\n\n## A\n\n> citat\n", r"Line 5: a block quote"),
        ("# T\n\n## A\n\n---\n", r"Line 5: a horizontal rule"),
        ("# T\n\n## A\n\n    kode\n", r"Line 5: an indented code block"),
        ("# T\n\n## A\n\n<div>x</div>\n", r"Line 5: a block of raw HTML"),
        ("# T\n\n## A\n\nTekst\nmed <span>x</span>\n", r"Line 6: inline HTML"),
        ("# T\n\n## A\n\nBrug `kode`\n", r"Line 5: inline code"),
        ("# T\n\n## A\n\n~~gammelt~~\n", r"Line 5: strikethrough"),
        ("# T\n\n## A\n\n- a\n  - b\n", r"Line 6: a nested list"),
        ("# T\n\n## A\n\n3. Punkt\n", r"Line 5: a numbered list starting at 3"),
        ("# T\n\n## A\n\n- a\n\n  b\n", r"Line 5: a list item with more than one paragraph"),
        ("# T\n\n## [A](https://x.dk)\n", r"Line 3: headings are plain text, so a link"),
        ("# T\n\n- a\n\n## A\n", r"Line 3: a bulleted list is not allowed in the intro"),
        ("# T\n\n## A\n\n[x](www.mihvvs.dk)\n", r"the link “www.mihvvs.dk” is not allowed"),
        ('# T\n\n## A\n\n[x](https://x.dk "Titel")\n', r"Line 5: the link .* has a title"),
        ("# T\n\n## \n", r"Line 3: the heading is empty"),
        ("# T\n\n## " + "x" * 201 + "\n", r"Line 3: the heading is longer than 200"),
    ],
)
def test_unsupported_markdown_is_refused_by_name_and_line(markdown, message):
    with pytest.raises(PolicyImportError, match=message):
        parse_policy(markdown)


# Importing into the page


def test_import_without_publish_saves_a_draft_only(vvs_site, el_site):
    page = policy_page(vvs_site)
    live_before, latest_before, count_before = revision_state(page)
    other_before = revision_state(policy_page(el_site))

    output = run_import(vvs_site.hostname, SEED)

    live, latest, count = revision_state(page)
    assert live == live_before
    assert latest != latest_before
    assert count == count_before + 1
    # The public version still live, never the revision id readers never see.
    assert (
        "Imported 7 sections into Persondatapolitik as a draft (the published version is "
        "still version 1)" in output
    )
    assert str(latest) not in output
    assert page.has_unpublished_changes
    assert "5. Statistik over besøg" in [b.value["heading"] for b in page.sections]  # live: demo
    draft = page.get_latest_revision_as_object()
    assert [block.value["heading"] for block in draft.sections][0] == "1. Generelt"
    assert len(draft.sections) == 7
    assert revision_state(policy_page(el_site)) == other_before


def test_import_with_publish_goes_live(client, vvs_site, el_site):
    page = policy_page(vvs_site)
    _live, latest_before, _count = revision_state(page)
    other_page = policy_page(el_site)
    other_before = revision_state(other_page)

    output = run_import(vvs_site.hostname, SEED, "--publish")

    live, latest, _count = revision_state(page)
    assert live == latest != latest_before
    # The version number the public page shows ("Version 2"), not the revision id.
    assert "Imported 7 sections into Persondatapolitik (version 2, published)" in output
    assert str(live) not in output
    assert not page.has_unpublished_changes
    assert page.intro == ""

    response = client.get(page.get_url(current_site=vvs_site), HTTP_HOST=vvs_site.hostname)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Persondatapolitik</h1>" in content
    for heading in [s.heading for s in parse_policy(read_markdown(SEED)).sections]:
        tag = "h3" if heading == "Kontaktoplysninger:" else "h2"
        assert f">{heading}</{tag}>" in content
    assert "Version 2" in content
    assert "5. Statistik over besøg" not in content
    assert '<a href="http://www.mihvvs.dk">www.mihvvs.dk</a>' in content

    assert revision_state(other_page) == other_before
    other_response = client.get(
        other_page.get_url(current_site=el_site), HTTP_HOST=el_site.hostname
    )
    assert "5. Statistik over besøg" in other_response.content.decode()
    assert "Version 1" in other_response.content.decode()


def test_importing_the_published_text_again_is_not_a_new_version(client, vvs_site):
    page = policy_page(vvs_site)
    first = run_import(vvs_site.hostname, SEED, "--publish")
    assert "(version 2, published)" in first
    again = run_import(vvs_site.hostname, SEED, "--publish")
    assert "Imported 7 sections into Persondatapolitik (version 2, published)" in again
    assert "not a new version" in again
    page.refresh_from_db()
    assert page.get_publication()[0] == 2
    response = client.get(page.get_url(current_site=vvs_site), HTTP_HOST=vvs_site.hostname)
    assert "Version 2" in response.content.decode()


def test_a_draft_of_an_unpublished_page_says_so(vvs_site):
    policy_page(vvs_site).unpublish()
    output = run_import(vvs_site.hostname, SEED)
    assert (
        "Imported 7 sections into Persondatapolitik as a draft (the page is not published)"
        in output
    )


def test_the_policy_page_is_found_without_settings(vvs_site):
    page = policy_page(vvs_site)
    CompanySettings.objects.filter(site=vvs_site).update(privacy_policy_page=None)
    run_import(vvs_site.hostname, SEED)
    page.refresh_from_db()
    assert len(page.get_latest_revision_as_object().sections) == 7


# Bad input leaves everything as it was


BAD_FILES = {
    "no headings": ("Bare tekst uden overskrifter.\n", r"no headings"),
    "title only": ("# Persondatapolitik\n\nTekst.\n", r"no sections"),
    "table": ("# T\n\n## A\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", r"Line 5: a table"),
    "image": ("# T\n\n## A\n\nSe ![kort](https://x.dk/kort.png)\n", r"Line 5: an image"),
    "code fence": ("# T\n\n## A\n\n```\nkode\n```\n", r"Line 5: a fenced code block"),
    "javascript link": (
        "# T\n\n## A\n\nKlik [her](javascript:alert(1)).\n",
        r"Line 5: the link “javascript:alert\(1\)” is not allowed",
    ),
}


@pytest.fixture
def unchanged(vvs_site, el_site):
    """Assert after the test that neither site's policy page or revisions changed."""
    pages = [policy_page(vvs_site), policy_page(el_site)]
    before = [revision_state(page) for page in pages]
    yield
    assert [revision_state(page) for page in pages] == before


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_markdown_is_refused(case, tmp_path, vvs_site, unchanged):
    markdown, message = BAD_FILES[case]
    path = write(tmp_path, markdown)
    with pytest.raises(CommandError, match=message):
        run_import(vvs_site.hostname, path, "--publish")


def test_a_missing_file_is_refused(tmp_path, vvs_site, unchanged):
    with pytest.raises(CommandError, match=r"missing\.md does not exist"):
        run_import(vvs_site.hostname, tmp_path / "missing.md", "--publish")


def test_a_folder_is_refused(tmp_path, vvs_site, unchanged):
    with pytest.raises(CommandError, match=r"is not a file"):
        run_import(vvs_site.hostname, tmp_path, "--publish")


def test_an_unknown_site_is_refused(vvs_site, el_site, unchanged):
    with pytest.raises(CommandError, match=r"No site has the hostname example\.com") as error:
        run_import("example.com", SEED, "--publish")
    assert vvs_site.hostname in str(error.value)
    assert el_site.hostname in str(error.value)


def test_a_file_that_is_not_utf8_is_refused(tmp_path, vvs_site, unchanged):
    path = tmp_path / "latin1.md"
    path.write_bytes("# Titel\n\n## 1. Generelt\n\nBlåbær og æbler.\n".encode("latin-1"))
    with pytest.raises(CommandError, match=r"is not valid UTF-8 \(line 5"):
        run_import(vvs_site.hostname, path, "--publish")


def test_a_site_without_a_policy_page_is_refused(vvs_site, el_site):
    other_before = revision_state(policy_page(el_site))
    policy_page(vvs_site).delete()  # the settings' link is cleared with it
    with pytest.raises(CommandError, match=r"has no privacy policy page"):
        run_import(vvs_site.hostname, SEED, "--publish")
    assert revision_state(policy_page(el_site)) == other_before


def test_settings_pointing_at_the_other_sites_page_are_refused(vvs_site, el_site, unchanged):
    CompanySettings.objects.filter(site=vvs_site).update(privacy_policy_page=policy_page(el_site))
    with pytest.raises(CommandError, match=r"is not part of that site"):
        run_import(vvs_site.hostname, SEED, "--publish")


def test_heading_emphasis_that_is_not_kept_is_reported(seed_policy, vvs_site):
    # "### **Kontaktoplysninger:**" (line 13) and "### *3. …*" (line 32) lose their emphasis.
    assert any(note.startswith("Line 13:") for note in seed_policy.notes)
    assert any(note.startswith("Line 32:") for note in seed_policy.notes)
    output = run_import(vvs_site.hostname, SEED)
    assert "bold or italic in a heading is not kept" in output
