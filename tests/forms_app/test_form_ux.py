"""Issue 13, the visitor's side of the forms: autofill, errors a screen reader and a phone user
can follow, nothing typed is lost (an expired CSRF cookie, the rate limit) and a thank-you page
that says what happened.

New wording is checked through ``gettext`` in Danish, so these tests hold before and after the
Danish catalogue has the new messages.
"""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client, override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from freezegun import freeze_time
from wagtail.models import Site

from forms_app.intake import thanks
from forms_app.intake.forms import autofill_for
from forms_app.models import FormField, FormPage, FormSubmission
from home.models import CompanySettings
from tests.forms_app.conftest import photo_bytes, upload
from tests.visitor import post_form, reference_in

pytestmark = pytest.mark.django_db

CSRF_VIEW = "forms_app.intake.csrf_failure.csrf_failure"
HOST = "mihvvs.localhost"


def da(message):
    with translation.override("da"):
        return gettext(message)


def input_tag(html, name):
    """The rendered ``<input>``, ``<textarea>`` or ``<select>`` named ``name``."""
    match = re.search(rf'<(?:input|textarea|select)\b[^>]*\bname="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    return match.group(0)


def attribute(tag, name):
    match = re.search(rf'\s{name}="([^"]*)"', tag)
    return match.group(1) if match else None


def two_photos():
    return [
        upload("vandhane.jpg", photo_bytes("JPEG")),
        upload("tavle.png", photo_bytes("PNG"), "image/png"),
    ]


# -- 1. forms that fill themselves -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "autocomplete", "inputmode"),
    [
        ("navn", "name", None),
        ("adresse", "street-address", None),
        ("postnummer", "postal-code", "numeric"),
        ("telefon", "tel", "tel"),
        ("e_mail", "email", "email"),
        ("beskrivelse_af_opgaven", None, None),
        ("billeder_af_installationen", None, None),
    ],
)
@pytest.mark.parametrize("path", ["/tilbud/", "/en/get-a-quote/"])
def test_quote_form_fields_carry_autofill_tokens(
    client, quote_page, path, name, autocomplete, inputmode
):
    html = client.get(path, HTTP_HOST=HOST).content.decode()
    tag = input_tag(html, name)
    assert attribute(tag, "autocomplete") == autocomplete
    assert attribute(tag, "inputmode") == inputmode


def test_contact_form_fields_carry_autofill_tokens(client, contact_page):
    html = client.get("/kontakt/", HTTP_HOST=HOST).content.decode()
    assert attribute(input_tag(html, "navn"), "autocomplete") == "name"
    assert attribute(input_tag(html, "e_mail"), "autocomplete") == "email"
    assert attribute(input_tag(html, "telefon"), "inputmode") == "tel"
    assert attribute(input_tag(html, "besked"), "autocomplete") is None
    # The honeypot is never filled in by the browser.
    assert attribute(input_tag(html, "mih_hp"), "autocomplete") == "off"


@pytest.mark.parametrize(
    ("field_type", "key", "expected"),
    [
        ("singleline", "by", ("address-level2", None)),
        ("singleline", "city", ("address-level2", None)),
        ("singleline", "name", ("name", None)),
        ("singleline", "address", ("street-address", None)),
        ("multiline", "adresse", ("street-address", None)),
        ("singleline", "postcode", ("postal-code", "numeric")),
        ("singleline", "phone", ("tel", "tel")),
        ("singleline", "firma", ("organization", None)),
        # The type decides over the key.
        ("email", "kontakt", ("email", "email")),
        ("tel", "mobil", ("tel", "tel")),
        # A description is never autofilled; nor is a field whose key says nothing.
        ("multiline", "navn", (None, None)),
        ("singleline", "etage", (None, None)),
        ("dropdown", "by", (None, None)),
        ("number", "postnummer", (None, None)),
    ],
)
def test_autofill_is_decided_by_type_then_key(field_type, key, expected):
    assert autofill_for(field_type, key) == expected


def set_autofill(page, choices):
    """Give the page's fields (by key) the editor's autofill ``choices`` and publish."""
    for field in page.form_fields.all():
        if field.clean_name in choices:
            field.autofill = choices[field.clean_name]
            field.save()
    page.save_revision().publish()


def test_the_editors_autofill_choice_wins_over_key_and_type(client, quote_page):
    quote_page.form_fields.add(
        FormField(label="Etage", clean_name="etage", field_type="singleline", sort_order=50)
    )
    set_autofill(
        quote_page,
        {
            "navn": "off",  # the key says "name"
            "telefon": "off",  # a phone field: its type says "tel"
            "adresse": "postal-code",  # the key says "street-address"
            "postnummer": "address-level2",  # the key says postal-code with a number pad
            "e_mail": "tel",
            "etage": "postal-code",  # the key says nothing
        },
    )
    html = client.get("/tilbud/", HTTP_HOST=HOST).content.decode()
    expected = {
        "navn": ("off", None),
        "telefon": ("off", None),
        "adresse": ("postal-code", "numeric"),
        "postnummer": ("address-level2", None),
        "e_mail": ("tel", "tel"),
        "etage": ("postal-code", "numeric"),
        # No choice: the key and type decide, as before.
        "beskrivelse_af_opgaven": (None, None),
    }
    for name, (autocomplete, inputmode) in expected.items():
        tag = input_tag(html, name)
        assert (attribute(tag, "autocomplete"), attribute(tag, "inputmode")) == (
            autocomplete,
            inputmode,
        ), name
    # An email choice brings the email keyboard.
    set_autofill(quote_page, {"etage": "email"})
    html = client.get("/tilbud/", HTTP_HOST=HOST).content.decode()
    tag = input_tag(html, "etage")
    assert (attribute(tag, "autocomplete"), attribute(tag, "inputmode")) == ("email", "email")


def field_order(html):
    """The names of the form's inputs in the order the visitor meets them."""
    form = next(f for f in re.findall(r"<form\b.*?</form>", html, re.S) if 'name="samtykke"' in f)
    names = re.findall(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"', form)
    return list(dict.fromkeys(n for n in names if n not in {"csrfmiddlewaretoken", "mih_bevis"}))


def test_a_field_added_at_the_end_lands_before_the_photos_and_consent(client, quote_page):
    last = max(quote_page.form_fields.values_list("sort_order", flat=True))
    photos = quote_page.form_fields.get(field_type="photos")
    assert photos.sort_order == last  # the demo's photo field is the editor's last one
    quote_page.form_fields.add(
        FormField(label="Etage", clean_name="etage", field_type="singleline", sort_order=last + 1)
    )
    quote_page.save_revision().publish()
    order = field_order(client.get("/tilbud/", HTTP_HOST=HOST).content.decode())
    assert order.index("etage") < order.index(photos.clean_name) < order.index("samtykke")
    assert order.index("beskrivelse_af_opgaven") < order.index("etage")
    # Moved to the top by the editor, the photo field still comes last.
    photos.sort_order = -1
    photos.save()
    quote_page.save_revision().publish()
    order = field_order(client.get("/tilbud/", HTTP_HOST=HOST).content.decode())
    assert order.index(photos.clean_name) == order.index("samtykke") - 1


@pytest.fixture
def quote_with_dropdown(quote_page):
    quote_page.form_fields.add(
        FormField(
            label="Hvornår",
            clean_name="hvornaar",
            field_type="dropdown",
            required=True,
            choices="Hurtigst muligt\nInden for en måned",
            sort_order=50,
        )
    )
    quote_page.save_revision().publish()
    return FormPage.objects.get(pk=quote_page.pk)


def test_a_required_dropdown_starts_with_an_empty_choose_option(
    client, quote_with_dropdown, post_quote, quote_data
):
    html = client.get("/tilbud/", HTTP_HOST=HOST).content.decode()
    select = re.search(r'<select name="hvornaar".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option[^>]*>[^<]*</option>", select)
    assert options[0] == f'<option value="" selected>{da("Choose…")}</option>'
    assert "Hurtigst muligt" in options[1]
    # Left at "Choose…" the form is refused, not sent with a silent first answer.
    response = post_quote(quote_data)
    assert response.status_code == 200
    assert 'href="#id_hvornaar"' in response.content.decode()
    assert post_quote({**quote_data, "hvornaar": "Hurtigst muligt"}).status_code == 302


@pytest.mark.parametrize("field_type", ["radio", "checkboxes"])
def test_a_group_of_options_is_a_named_fieldset_tied_to_its_help_and_error(
    client, quote_page, post_quote, quote_data, field_type
):
    quote_page.form_fields.add(
        FormField(
            label="Hvornår passer det",
            clean_name="hvornaar",
            field_type=field_type,
            required=True,
            choices="Formiddag\nEftermiddag",
            help_text="Vælg det, der passer bedst.",
            sort_order=50,
        )
    )
    quote_page.save_revision().publish()
    html = post_quote(quote_data).content.decode()  # left empty: refused
    group = re.search(r'<fieldset class="form-field__group"[^>]*>.*?</fieldset>', html, re.S)
    assert group, "the options are not a fieldset"
    group = group.group(0)
    # Named by its legend, with help and error read with the group.
    assert "<legend>Hvornår passer det" in group
    opening = re.match(r"<fieldset[^>]*>", group).group(0)
    assert attribute(opening, "aria-describedby").split() == [
        "id_hvornaar_helptext",
        "id_hvornaar_error",
    ]
    assert 'id="id_hvornaar_helptext"' in group and 'id="id_hvornaar_error"' in group
    # Each option is marked invalid.
    options = re.findall(r'<input type="(?:radio|checkbox)" name="hvornaar"[^>]*>', group)
    assert len(options) == 2
    assert all(attribute(option, "aria-invalid") == "true" for option in options)


# -- 2. errors that can be followed ----------------------------------------------------------


@pytest.fixture
def refused(post_quote, quote_data):
    """The quote form sent with nothing but a photo and the consent box left empty."""
    data = {**quote_data, "navn": "", "adresse": "", "e_mail": "ikke-en-adresse", "samtykke": ""}
    return post_quote(data, {"billeder_af_installationen": two_photos()}).content.decode()


def test_every_invalid_input_is_marked_and_described_by_help_and_error(refused):
    for name in ("navn", "adresse", "e_mail", "samtykke"):
        tag = input_tag(refused, name)
        assert attribute(tag, "aria-invalid") == "true", name
        assert "is-invalid" in attribute(tag, "class").split(), name
        assert f"id_{name}_error" in attribute(tag, "aria-describedby").split(), name
        assert f'id="id_{name}_error"' in refused
    # The help text stays tied to its field when it has an error.
    assert attribute(input_tag(refused, "adresse"), "aria-describedby").split() == [
        "id_adresse_helptext",
        "id_adresse_error",
    ]
    assert 'id="id_adresse_helptext"' in refused
    # Valid fields are not marked.
    telefon = input_tag(refused, "telefon")
    assert attribute(telefon, "aria-invalid") is None and attribute(telefon, "class") is None


def test_error_summary_links_every_invalid_field_with_the_whole_label(refused, quote_page):
    summary = re.search(r'<div class="error-summary".*?</div>', refused, re.S).group(0)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    links = re.findall(r'<a href="#([^"]+)"[^>]*>([^<]*)</a>', summary)
    assert [target for target, _ in links] == ["id_navn", "id_adresse", "id_e_mail", "id_samtykke"]
    consent = links[-1][1]
    assert consent.startswith(f"{da('Consent')}: ")
    assert "Sæt kryds" in consent and "…" not in consent and "..." not in consent
    assert quote_page.consent_text[:40] not in summary
    # The page title says there is an error, and the focus script and error styles come along.
    assert re.search(rf"<title>{da('Error')}: ", refused)
    assert "/static/js/form-errors.js" in refused and "/static/css/forms.css" in refused


def test_the_blank_form_and_other_pages_load_no_form_script(client, quote_page):
    for path in ("/tilbud/", "/", "/kontakt/"):
        html = client.get(path, HTTP_HOST=HOST).content.decode()
        assert "form-errors.js" not in html and "forms.css" not in html, path


def test_photos_note_only_when_photos_were_chosen(post_quote, quote_data, refused):
    note = da(
        "Your browser does not keep chosen photos when the form is shown again: "
        "please choose them again."
    )
    assert note in refused
    # Tied to the photo input.
    photo_input = input_tag(refused, "billeder_af_installationen")
    assert "id_billeder_af_installationen_photos" in attribute(photo_input, "aria-describedby")
    # Without photos chosen, no note.
    html = post_quote({**quote_data, "navn": ""}).content.decode()
    assert 'href="#id_navn"' in html
    assert note not in html and "_photos" not in html


# -- 3. never lose what they typed: the rate limit -------------------------------------------


@override_settings(FORMS_RATE_LIMIT=2)
def test_refused_posts_do_not_use_up_the_rate_limit(post_quote, quote_data):
    for _ in range(6):
        assert post_quote({**quote_data, "navn": ""}).status_code == 200
    assert post_quote(quote_data).status_code == 302
    assert post_quote(quote_data).status_code == 302
    response = post_quote({**quote_data, "e_mail": "tredje@example.dk"})
    assert response.status_code == 429
    assert FormSubmission.objects.count() == 2
    # The phone number is a link to call, in E.164 whatever way it is written.
    assert '<a href="tel:+4512345678">+45 12 34 56 78</a>' in response.content.decode()
    company = CompanySettings.for_site(Site.objects.get(hostname=HOST))
    company.phone = "12 34 56 78"
    company.save()
    response = post_quote({**quote_data, "e_mail": "fjerde@example.dk"})
    assert response.status_code == 429
    assert '<a href="tel:+4512345678">12 34 56 78</a>' in response.content.decode()


@override_settings(FORMS_RATE_LIMIT=1)
def test_refused_posts_have_a_ceiling_of_their_own(post_quote, quote_data):
    # Five times the limit of refused posts, then the sixth is refused unread.
    for _ in range(5):
        assert post_quote({**quote_data, "navn": ""}).status_code == 200
    assert post_quote(quote_data).status_code == 429
    assert FormSubmission.objects.count() == 0


# -- 3. never lose what they typed: an expired CSRF cookie -----------------------------------


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@override_settings(CSRF_FAILURE_VIEW=CSRF_VIEW)
def test_csrf_failure_shows_the_form_again_with_what_was_typed(
    csrf_client, quote_page, quote_data
):
    # The tab was restored after the browser restarted: no CSRF cookie, the page's old form.
    posted = {**quote_data, "mih_hp": "", "mih_bevis": "gammel"}
    response = csrf_client.post(
        "/tilbud/",
        {**posted, "billeder_af_installationen": two_photos()},
        HTTP_HOST=HOST,
        HTTP_ORIGIN=f"http://{HOST}",
    )
    assert response.status_code == 403
    html = response.content.decode()
    # The site's own page: its header, footer and title, with the form page's heading.
    assert '<header class="site-header">' in html and "site-footer" in html
    assert f"<h1>{quote_page.title}</h1>" in html
    assert da("Your message was not sent") in html
    assert '<a href="tel:+4512345678">+45 12 34 56 78</a>' in html
    # What they typed is back, except the consent tick, the honeypot and the photos.
    assert attribute(input_tag(html, "navn"), "value") == "Mette Hansen"
    assert attribute(input_tag(html, "adresse"), "value") == "Søndergade 12, 2. th."
    assert attribute(input_tag(html, "postnummer"), "value") == "4000"
    assert "Utæt blandingsbatteri på badeværelset.</textarea>" in html
    assert "checked" not in input_tag(html, "samtykke")
    assert attribute(input_tag(html, "mih_hp"), "value") is None
    assert "id_billeder_af_installationen_photos" in html
    # No error marks: nothing was wrong with what they typed.
    assert 'aria-invalid="true"' not in html and "error-summary" not in html
    # A fresh token and cookie, and a fresh reference: sending again goes through.
    assert response.cookies["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    again = {
        "csrfmiddlewaretoken": token,
        "mih_bevis": reference_in(html),
        "navn": attribute(input_tag(html, "navn"), "value"),
        "adresse": attribute(input_tag(html, "adresse"), "value"),
        "postnummer": "4000",
        "telefon": attribute(input_tag(html, "telefon"), "value"),
        "e_mail": attribute(input_tag(html, "e_mail"), "value"),
        "beskrivelse_af_opgaven": "Utæt blandingsbatteri på badeværelset.",
        "samtykke": "on",
    }
    response = csrf_client.post("/tilbud/", again, HTTP_HOST=HOST)
    assert response.status_code == 302
    assert FormSubmission.objects.get().name == "Mette Hansen"


@override_settings(CSRF_FAILURE_VIEW=CSRF_VIEW)
def test_csrf_failure_on_the_english_form_is_english(csrf_client, quote_page):
    response = csrf_client.post(
        "/en/get-a-quote/",
        {"navn": "Mette", "samtykke": "on"},
        HTTP_HOST=HOST,
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your message was not sent" in html and 'lang="en"' in html
    assert attribute(input_tag(html, "navn"), "value") == "Mette"


@override_settings(CSRF_FAILURE_VIEW=CSRF_VIEW)
@pytest.mark.parametrize("path", ["/tilbud/tak/", "/", "/ydelser/", "/findes-ikke/"])
def test_csrf_failure_elsewhere_gives_a_friendly_page(csrf_client, vvs_site, path):
    response = csrf_client.post(path, {"navn": "Mette"}, HTTP_HOST=HOST)
    assert response.status_code == 403
    html = response.content.decode()
    assert '<header class="site-header">' in html
    assert da("The page had expired") in html
    assert f'<a href="{path}">' in html
    assert '<a href="tel:+4512345678">+45 12 34 56 78</a>' in html
    assert "Mette" not in html


@override_settings(CSRF_FAILURE_VIEW=CSRF_VIEW)
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_REFERER": "https://evil.example/form.html"},
        {},  # nothing says where it came from
    ],
)
def test_csrf_failure_from_another_site_gives_nothing_back(csrf_client, quote_page, headers):
    # Another website posting to our form must not get our page to show our form filled in
    # with answers it chose (its own e-mail address for the receipt, say).
    data = {"navn": "Mette", "e_mail": "attacker@evil.example", "samtykke": "on"}
    response = csrf_client.post("/tilbud/", data, HTTP_HOST=HOST, **headers)
    assert response.status_code == 403
    html = response.content.decode()
    assert da("The page had expired") in html
    assert "attacker@evil.example" not in html and "Mette" not in html


@override_settings(CSRF_FAILURE_VIEW=CSRF_VIEW)
def test_csrf_failure_on_a_restricted_form_page_keeps_nothing(csrf_client, quote_page):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(
        page=quote_page, restriction_type=PageViewRestriction.PASSWORD, password="hemmelig"
    )
    response = csrf_client.post("/tilbud/", {"navn": "Mette"}, HTTP_HOST=HOST)
    assert response.status_code == 403
    assert da("The page had expired") in response.content.decode()


@override_settings(CSRF_FAILURE_VIEW=CSRF_VIEW)
def test_csrf_failure_never_errors(csrf_client, quote_page, monkeypatch):
    """Should the friendly page fail, Django's own 403 is shown, never a 500."""
    monkeypatch.setattr(FormPage, "render_form", lambda *a, **k: 1 / 0)
    response = csrf_client.post(
        "/tilbud/", {"navn": "Mette"}, HTTP_HOST=HOST, HTTP_ORIGIN=f"http://{HOST}"
    )
    assert response.status_code == 403


# -- 4. a thank-you page that reassures ------------------------------------------------------


def follow(client, response):
    assert response.status_code == 302
    return client.get(response["Location"], HTTP_HOST=HOST).content.decode()


@freeze_time("2026-05-20 08:30:00")
def test_thank_you_page_shows_reference_photos_and_next_step(
    client, post_quote, quote_data, quote_page
):
    response = post_quote(quote_data, {"billeder_af_installationen": two_photos()})
    html = follow(client, response)
    submission = FormSubmission.objects.get()
    reference = f"VVS-2026-{submission.pk:05d}"
    assert f"<strong>{reference}</strong>" in html
    with translation.override("da"):
        photos = ngettext(
            "We have received your message and %(counter)s photo.",
            "We have received your message and %(counter)s photos.",
            2,
        ) % {"counter": 2}
    assert photos in html
    assert (
        da(
            "What happens next: we read your message and contact you by phone or email. "
            "You do not need to send it again."
        )
        in html
    )
    assert (
        da(
            "We do not send a copy by email, so note the reference number if you want to contact "
            "us about it."
        )
        in html
    )
    # Nothing the visitor typed is on the page or in its address.
    assert "Mette" not in html and "Mette" not in response["Location"]


def test_thank_you_page_says_a_copy_is_on_its_way(client, post_quote, quote_data, quote_page):
    quote_page.send_receipt = True
    quote_page.save_revision().publish()
    html = follow(client, post_quote(quote_data))
    assert da("A copy of what you sent is on its way to your email address.") in html
    assert da("We have received your message (without photos).") in html


def test_contact_form_thank_you_names_no_photos(client, contact_page):
    data = {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"}
    response = post_form(client, "/kontakt/", data)
    html = follow(client, response)
    assert re.search(r"<strong>VVS-\d{4}-\d{5}</strong>", html)
    assert da("We have received your message.") in html


def test_el_reference_has_its_own_prefix(client, el_site):
    data = {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"}
    response = post_form(client, "/kontakt/", data, host="mihel.localhost")
    html = client.get(response["Location"], HTTP_HOST="mihel.localhost").content.decode()
    submission = FormSubmission.objects.get()
    year = timezone.localtime(submission.submit_time).year
    assert f"<strong>EL-{year}-{submission.pk:05d}</strong>" in html


@pytest.mark.parametrize(
    ("company_name", "prefix"),
    [("MIH VVS ApS", "VVS"), ("MIH El ApS", "EL"), ("Hansen & Søn A/S", "SØN"), ("", "REF")],
)
def test_reference_prefix(company_name, prefix):
    assert thanks.reference_prefix(company_name) == prefix


def test_thank_you_page_without_a_valid_token_shows_no_reference(
    client, post_quote, quote_data, quote_page, contact_page
):
    location = post_quote(quote_data)["Location"]
    token = location.split("?ref=")[1]
    # Plain, forged, another page's and expired tokens show the general thanks only.
    forged = signing.dumps(
        {"page": quote_page.pk, "reference": "VVS-2026-99999", "photos": 9, "receipt": True},
        salt="something else",
    )
    other_page = f"/kontakt/tak/?ref={token}"
    for url in ("/tilbud/tak/", f"/tilbud/tak/?ref={forged}", other_page, "/tilbud/tak/?ref=x"):
        html = client.get(url, HTTP_HOST=HOST).content.decode()
        assert "VVS-2026-99999" not in html
        assert da("Your reference number:") not in html, url
        assert "<h1>" + da("Thank you for your message") + "</h1>" in html
    with freeze_time(timezone.now() + timedelta(seconds=thanks.MAX_AGE + 60)):
        html = client.get(location, HTTP_HOST=HOST).content.decode()
    assert da("Your reference number:") not in html
    # The valid one does.
    assert da("Your reference number:") in client.get(location, HTTP_HOST=HOST).content.decode()


def test_thank_you_keeps_the_editors_text(client, post_quote, quote_data, quote_page):
    quote_page.thank_you_text = "<p>Vi ringer typisk inden for to dage.</p>"
    quote_page.save_revision().publish()
    html = follow(client, post_quote(quote_data))
    assert "Vi ringer typisk inden for to dage." in html
    assert da("Your reference number:") in html


def test_honeypot_gets_no_reference(client, post_quote, quote_data):
    response = post_quote({**quote_data, "mih_hp": "spam"})
    assert response["Location"] == "/tilbud/tak/"


def test_company_without_name_still_gets_a_reference(client, post_quote, quote_data, vvs_site):
    CompanySettings.objects.filter(site=vvs_site).update(company_name="")
    html = follow(client, post_quote(quote_data))
    assert re.search(r"<strong>REF-\d{4}-\d{5}</strong>", html)
