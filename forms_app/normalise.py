"""Normalised forms of what people type, so lookups find every spelling of the same person."""

import re

PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()\-.]{6,24}$")


def normalise_email(value):
    return (value or "").strip().lower()


def normalise_phone(value):
    """``"12 34 56 78"``, ``"+45 1234 5678"`` and ``"0045 12345678"`` are all ``+4512345678``."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        return f"+{digits}"
    if digits.startswith("00"):
        return f"+{digits[2:]}"
    if len(digits) == 8:  # a Danish number without country code
        return f"+45{digits}"
    return digits
