from django.db import migrations, models


def mark_submissions_with_photos(apps, schema_editor):
    FormSubmission = apps.get_model("forms_app", "FormSubmission")
    SubmissionPhoto = apps.get_model("forms_app", "SubmissionPhoto")
    FormSubmission.objects.filter(
        pk__in=SubmissionPhoto.objects.values("submission_id")
    ).update(has_photos=True)


class Migration(migrations.Migration):
    dependencies = [
        ("forms_app", "0014_submission_time_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="formsubmission",
            name="has_photos",
            field=models.BooleanField(default=False, editable=False, verbose_name="has photos"),
        ),
        migrations.RunPython(mark_submissions_with_photos, migrations.RunPython.noop),
    ]
