"""Re-normalise the stored email, phone and search key with today's ``forms_app.normalise``.

Rows stored before it kept a punycode domain (``xn--mller-kva.dk``) and a Danish number typed
with its country code but no ``+`` (``4512345672``), so access and erasure requests for
``müller.dk`` or ``12 34 56 72`` missed them.
"""

from django.db import migrations

# The live functions on purpose: the point is that old rows match what new lookups compute.
# If the normalisation changes again, a new migration like this one re-runs it.
from forms_app.normalise import normalise_email, normalise_phone


def renormalise(apps, schema_editor):
    FormSubmission = apps.get_model("forms_app", "FormSubmission")
    rows = FormSubmission.objects.only("pk", "name", "email", "phone", "search_key")
    changed = []
    for submission in rows.iterator(chunk_size=2000):
        email, phone = normalise_email(submission.email), normalise_phone(submission.phone)
        # The same key FormSubmission.save() writes.
        search_key = " ".join([submission.name, email, phone]).casefold()
        if (email, phone, search_key) != (
            submission.email,
            submission.phone,
            submission.search_key,
        ):
            submission.email, submission.phone, submission.search_key = email, phone, search_key
            changed.append(submission)
    FormSubmission.objects.bulk_update(changed, ["email", "phone", "search_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("forms_app", "0008_backfill_search_key")]

    operations = [migrations.RunPython(renormalise, migrations.RunPython.noop)]
