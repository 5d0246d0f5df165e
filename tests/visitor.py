"""A visitor sending a public form as a browser does: load the page, then post what it carries.

Every rendered form holds the signed reference of the form and policy revisions it shows
(``forms_app.intake.consent``); a post without a current one is shown again, not stored.
"""

import re

from forms_app.intake.forms import REFERENCE_FIELD

REFERENCE_INPUT = re.compile(rf'<input type="hidden" name="{REFERENCE_FIELD}" value="([^"]*)"')


def reference_in(html):
    """The signed reference a rendered form page carries, or ``""`` if it has none."""
    match = REFERENCE_INPUT.search(html)
    return match.group(1) if match else ""


def post_form(client, path, data, files=None, host="mihvvs.localhost", **extra):
    """GET ``path`` on ``host``, then POST ``data`` (and ``files``) with the reference the
    page carried, as a browser sends the form it shows."""
    page = client.get(path, HTTP_HOST=host, **extra)
    payload = {REFERENCE_FIELD: reference_in(page.content.decode()), **data, **(files or {})}
    return client.post(path, payload, HTTP_HOST=host, **extra)
