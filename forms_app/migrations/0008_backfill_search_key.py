from django.db import migrations


def backfill(apps, schema_editor):
    """Submissions stored before search_key existed become searchable by name, email, phone."""
    FormSubmission = apps.get_model("forms_app", "FormSubmission")
    for submission in FormSubmission.objects.filter(search_key="").iterator(chunk_size=2000):
        submission.search_key = " ".join(
            [submission.name, submission.email, submission.phone]
        ).casefold()
        submission.save(update_fields=["search_key"])


class Migration(migrations.Migration):
    dependencies = [("forms_app", "0007_submission_page_protect")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
