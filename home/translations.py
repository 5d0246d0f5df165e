"""English translations of the demo pages, made through wagtail-localize.

The translations are real wagtail-localize translations (Danish source, English synced):
editors keep them up to date in the admin's translation editor like any other. We create each
one the way an editor would, then fill its strings from ``home.demo_content_en`` by pairing
every Danish string with its English counterpart (the two modules mirror each other item by
item). A string without a pair falls back to the Danish source, as wagtail-localize does.
"""

from wagtail.models import Locale
from wagtail_localize.models import Translation, TranslationSource
from wagtail_localize.strings import extract_strings

from . import demo_content, demo_content_en
from .models import PrivacyPolicyPage, StandardPage


def html_pairs(danish, english):
    """``{danish segment: english segment}`` for two HTML fragments of the same structure."""
    _template, danish_strings = extract_strings(danish)
    _template, english_strings = extract_strings(english)
    if len(danish_strings) != len(english_strings):
        raise ValueError("The English demo content does not mirror the Danish one.")
    pairs = zip(danish_strings, english_strings, strict=True)
    return {da.data: en.data for (da, _attrs), (en, _attrs2) in pairs}


def company_pairs(company):
    """Every Danish demo string of one company paired with its English translation."""
    key = company["key"]
    en = demo_content_en.COMPANIES_EN[key]
    pairs = {
        company["home_title"]: en["home_title"],
        company["home_intro"]: en["home_intro"],
        **html_pairs(f"<p>{company['home_body']}</p>", f"<p>{en['home_body']}</p>"),
        **demo_content_en.HOME_CTA_EN,
        **demo_content_en.PAGE_TITLES_EN,
        **html_pairs(demo_content.policy_intro(company), demo_content_en.policy_intro(company)),
    }
    for (da_title, da_text), (en_title, en_text) in zip(
        company["services"], en["services"], strict=True
    ):
        pairs[da_title] = en_title
        pairs.update(html_pairs(f"<p>{da_text}</p>", f"<p>{en_text}</p>"))
    for (da_heading, _level, da_body), (en_heading, _level2, en_body) in zip(
        demo_content.policy_sections(company),
        demo_content_en.policy_sections(company),
        strict=True,
    ):
        pairs[da_heading] = en_heading
        pairs.update(html_pairs(da_body, en_body))
    standard = demo_content_en.STANDARD_PAGES_EN(company)
    pairs[f"Det kan {company['company_name']} hjælpe dig med."] = standard["ydelser"]["intro"]
    pairs[f"{company['company_name']} er en lokal, autoriseret {company['trade_company']}."] = (
        standard["om-os"]["intro"]
    )
    pairs.update(
        html_pairs(
            "<p>Vi er et mindre team af faglærte montører, der selv står for opgaven fra "
            "første besøg til færdigt arbejde.</p>",
            standard["om-os"]["body"],
        )
    )
    for da_form, en_form in (
        (demo_content.quote_form(company), demo_content_en.quote_form(company)),
        (demo_content.contact_form(company), demo_content_en.contact_form(company)),
    ):
        pairs[da_form["title"]] = en_form["title"]
        pairs[da_form["consent_text"]] = en_form["consent_text"]
        pairs[da_form["retention_reason"]] = en_form["retention_reason"]
        pairs.update(html_pairs(da_form["intro"], en_form["intro"]))
        pairs.update(html_pairs(da_form["thank_you_text"], en_form["thank_you_text"]))
        pairs[f"Ny henvendelse: {da_form['title']}"] = f"New enquiry: {en_form['title']}"
        for (label, _type, _required, help_text), (en_label, en_help) in zip(
            da_form["fields"], en_form["fields"], strict=True
        ):
            pairs[label] = en_label
            if help_text:
                pairs[help_text] = en_help
    return pairs


ENGLISH_SLUGS = {
    "ydelser": "services",
    "om-os": "about-us",
    "persondatapolitik": "privacy-policy",
    "tilbud": "get-a-quote",
    "kontakt": "contact",
}


def translate_page(page, locale, pairs):
    """Create (or refresh) the synced translation of ``page`` in ``locale`` and publish it."""
    source, _created = TranslationSource.get_or_create_from_instance(page)
    translation, _created = Translation.objects.get_or_create(
        source=source, target_locale=locale, defaults={"enabled": True}
    )
    po = translation.export_po()
    for entry in po:
        if entry.msgctxt == "slug":
            entry.msgstr = ENGLISH_SLUGS.get(entry.msgid, entry.msgid)
        else:
            entry.msgstr = pairs.get(entry.msgid, "")
    translation.import_po(po)
    # What Translation.save_target does, but publishing now rather than after the outermost
    # transaction commits: setup runs in one transaction, and a parent published late would
    # overwrite its tree bookkeeping with a stale copy.
    source.create_or_update_translation(
        locale, publish=False, fallback=True, copy_parent_pages=True
    )
    translated = page.get_translation(locale)
    translated.get_latest_revision().publish()
    return translated


def translate_demo_site(home, company):
    """English versions of the home page and the demo pages beneath it, if still there."""
    from forms_app.models import FormPage

    locale = Locale.objects.get(language_code="en")
    pairs = company_pairs(company)
    translate_page(home, locale, pairs)
    for model, slug in (
        (StandardPage, "ydelser"),
        (StandardPage, "om-os"),
        (PrivacyPolicyPage, "persondatapolitik"),
        (FormPage, "tilbud"),
        (FormPage, "kontakt"),
    ):
        page = model.objects.child_of(home).filter(slug=slug).first()
        if page is not None:
            translate_page(page, locale, pairs)
