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

from forms_app.models import FormPage

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


def demo_pages(company):
    """``(model, Danish texts, English texts)`` for each demo page below a home page."""
    danish, english = demo_content, demo_content_en
    return [
        (StandardPage, danish.services_page(company), english.services_page(company)),
        (StandardPage, danish.about_page(company), english.about_page(company)),
        (PrivacyPolicyPage, danish.policy_page(company), english.policy_page(company)),
        (FormPage, danish.quote_form(company), english.quote_form(company)),
        (FormPage, danish.contact_form(company), english.contact_form(company)),
    ]


def company_pairs(company):
    """Every Danish demo string of one company paired with its English translation."""
    en = demo_content_en.COMPANIES_EN[company["key"]]
    pairs = {
        company["home_title"]: en["home_title"],
        company["home_intro"]: en["home_intro"],
        **html_pairs(f"<p>{company['home_body']}</p>", f"<p>{en['home_body']}</p>"),
    }
    for target, text in demo_content.HOME_CALLS_TO_ACTION.items():
        pairs[text] = demo_content_en.HOME_CALLS_TO_ACTION[target]
    for (da_title, da_text), (en_title, en_text) in zip(
        company["services"], en["services"], strict=True
    ):
        pairs[da_title] = en_title
        pairs.update(html_pairs(f"<p>{da_text}</p>", f"<p>{en_text}</p>"))
    for model, danish, english in demo_pages(company):
        pairs[danish["title"]] = english["title"]
        if model is FormPage:
            pairs.update(form_pairs(danish, english))
        elif model is PrivacyPolicyPage:
            pairs.update(html_pairs(danish["intro"], english["intro"]))
            for (da_heading, _level, da_body), (en_heading, _level2, en_body) in zip(
                danish["sections"], english["sections"], strict=True
            ):
                pairs[da_heading] = en_heading
                pairs.update(html_pairs(da_body, en_body))
        else:
            # A standard page's intro is a plain CharField: one string, not HTML segments.
            pairs[danish["intro"]] = english["intro"]
            if "body" in danish:
                pairs.update(html_pairs(danish["body"], english["body"]))
    return pairs


def form_pairs(danish, english):
    """The strings of one demo form page (its title aside) and of its fields."""
    pairs = {
        danish["consent_text"]: english["consent_text"],
        danish["retention_reason"]: english["retention_reason"],
        **html_pairs(danish["intro"], english["intro"]),
        **html_pairs(danish["thank_you_text"], english["thank_you_text"]),
        demo_content.form_subject(danish["title"]): demo_content_en.form_subject(english["title"]),
    }
    for (label, _type, _required, help_text), (en_label, en_help) in zip(
        danish["fields"], english["fields"], strict=True
    ):
        pairs[label] = en_label
        if help_text:
            pairs[help_text] = en_help
    return pairs


def slug_pairs(company):
    """``{Danish slug: English slug}`` of the demo pages; other slugs stay as they are."""
    return {danish["slug"]: english["slug"] for _model, danish, english in demo_pages(company)}


def translate_page(page, locale, pairs, slugs):
    """Create (or refresh) the synced translation of ``page`` in ``locale`` and publish it."""
    source, _created = TranslationSource.get_or_create_from_instance(page)
    translation, _created = Translation.objects.get_or_create(
        source=source, target_locale=locale, defaults={"enabled": True}
    )
    po = translation.export_po()
    for entry in po:
        if entry.msgctxt == "slug":
            entry.msgstr = slugs.get(entry.msgid, entry.msgid)
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
    locale = Locale.objects.get(language_code="en")
    pairs, slugs = company_pairs(company), slug_pairs(company)
    translate_page(home, locale, pairs, slugs)
    for model, danish, _english in demo_pages(company):
        page = model.objects.child_of(home).filter(slug=danish["slug"]).first()
        if page is not None:
            translate_page(page, locale, pairs, slugs)
