"""Separate what a person is told about a legal hold (a category with a standard sentence)
from staff's internal note, which the access report printed verbatim before.

Submissions already on hold get the "legal claim or complaint case" category, the reason
almost every hold is set for; staff can change it on the submission's page.
"""

from django.db import migrations, models


def categorise_existing_holds(apps, schema_editor):
    FormSubmission = apps.get_model("forms_app", "FormSubmission")
    FormSubmission.objects.filter(legal_hold=True, legal_hold_category="").update(
        legal_hold_category="legal_claim"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("forms_app", "0009_renormalise_identity"),
    ]

    operations = [
        migrations.AddField(
            model_name="formsubmission",
            name="legal_hold_category",
            field=models.CharField(
                blank=True,
                choices=[
                    ("legal_claim", "Legal claim or complaint case"),
                    ("statutory", "Required by law"),
                ],
                help_text="Shown to the person in an access report, with a standard explanation.",
                max_length=20,
                verbose_name="legal hold category",
            ),
        ),
        migrations.AlterField(
            model_name="formsubmission",
            name="legal_hold_reason",
            field=models.CharField(
                blank=True,
                help_text="For staff only; never shown to the person.",
                max_length=255,
                verbose_name="legal hold internal note",
            ),
        ),
        migrations.RunPython(categorise_existing_holds, migrations.RunPython.noop),
    ]
