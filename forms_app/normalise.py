"""Normalised forms of what people type, so lookups find every spelling of the same person.

Access and erasure requests (:meth:`FormSubmissionQuerySet.for_person`) compare these forms
exactly, so two spellings of one address or number must normalise to the same string:

* an email's domain may arrive in Unicode (``møller.dk``) or punycode
  (``xn--mller-kva.dk``); both are stored as the Unicode form (IDNA 2008 with UTS 46
  mapping, the ``idna`` library), which staff can read and search;
* a phone number may be typed with or without the country code (``45 12 34 56 72`` and
  ``12 34 56 72``); both are stored in E.164 (``+4512345672``), parsed by ``phonenumbers``
  with Denmark as the region for numbers without ``+`` or ``00``.
"""

import re

import idna
import phonenumbers

PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()\-.]{6,24}$")
# Numbers typed without a country code are Danish: both companies serve Denmark.
DEFAULT_REGION = "DK"


def normalise_domain(domain):
    """``xn--mller-kva.dk``, ``MÜLLER.dk`` and ``müller.dk`` are all ``müller.dk``."""
    domain = domain.strip().rstrip(".")
    try:
        return idna.decode(domain, uts46=True)
    except (idna.IDNAError, UnicodeError):
        # Not a valid IDNA name (forms validate addresses; old rows might not be): keep the
        # case-folded text, so the same spelling still finds itself.
        return domain.lower()


def normalise_email(value):
    """Lower case, and the domain in its Unicode IDNA form (:func:`normalise_domain`)."""
    value = (value or "").strip()
    local, at, domain = value.rpartition("@")
    if not at:
        return value.lower()
    return f"{local.lower()}@{normalise_domain(domain)}"


def _digits_only(value):
    """What is left of a value ``phonenumbers`` cannot read as a whole number (a fragment
    staff search for, such as ``"5678"``): its digits, with a leading ``+`` kept."""
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        return f"+{digits}"
    if digits.startswith("00"):
        return f"+{digits[2:]}"
    return digits


def normalise_phone(value):
    """``"12 34 56 78"``, ``"45 12 34 56 78"``, ``"+45 1234 5678"`` and ``"0045 12345678"``
    are all ``+4512345678``; a value that cannot be a whole number keeps its digits."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return _digits_only(value)
    if not phonenumbers.is_possible_number(number):
        return _digits_only(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
