"""What the thank-you page tells the visitor who just sent a form: a reference number, what
was received and whether a copy was mailed.

The form's redirect carries these in a signed token (``?ref=…``, Django's signing with a salt
of its own, as the consent reference in :mod:`.consent`): the thank-you page reads them from
the token and never looks a submission up. A token cannot be made for someone else's
submission, names no personal data (the reference number, a photo count and a yes/no) and is
honoured for :data:`MAX_AGE` seconds; without a valid one the page shows its general thanks.
No cookie or session is needed.
"""

import re

from django.core import signing
from django.utils import timezone

SALT = "forms_app.intake.thanks"
# Long enough to reload the page or come back to the tab the same day.
MAX_AGE = 24 * 3600
QUERY_PARAMETER = "ref"
# Legal-form suffixes left out of the reference number's prefix ("MIH VVS ApS" → "VVS").
LEGAL_FORMS = frozenset({"aps", "a/s", "as", "ivs", "i/s", "is", "p/s", "k/s", "smba"})


def reference_prefix(company_name):
    """The company's short name for reference numbers: the last word of its name before the
    legal form, in capitals ("MIH VVS ApS" → "VVS", "MIH El ApS" → "EL")."""
    words = [w for w in re.split(r"\s+", company_name or "") if w]
    while words and words[-1].casefold().rstrip(".") in LEGAL_FORMS:
        words.pop()
    prefix = re.sub(r"[^0-9A-ZÆØÅ]", "", words[-1].upper()) if words else ""
    return prefix[:8] or "REF"


def reference_number(submission, company_name):
    """The number staff and visitor can both quote: ``VVS-2026-00123`` (company, year
    received, submission id)."""
    year = timezone.localtime(submission.submit_time).year
    return f"{reference_prefix(company_name)}-{year}-{submission.pk:05d}"


def wants_receipt(page, submission):
    """Whether the visitor gets a copy by email (queued by :mod:`.notifications`)."""
    return bool(page.send_receipt and submission.email)


def sign_thanks(page, submission, company_name, photo_count, receipt):
    """The token the redirect to ``page``'s thank-you page carries. ``photo_count`` is None
    for a form without a photo field."""
    return signing.dumps(
        {
            "page": page.pk,
            "reference": reference_number(submission, company_name),
            "photos": photo_count,
            "receipt": bool(receipt),
        },
        salt=SALT,
        compress=False,
    )


def read_thanks(token, page):
    """``{"reference", "photos", "receipt"}`` from a valid, recent token made for ``page``,
    else None (missing, forged, expired or another page's)."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or data.get("page") != page.pk:
        return None
    return {
        "reference": str(data.get("reference", "")),
        "photos": data.get("photos"),
        "receipt": bool(data.get("receipt")),
    }
