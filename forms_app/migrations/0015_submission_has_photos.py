"""``FormSubmission.has_photos``: whether photos of the submission are stored, for the export's
photo lookup (forms_app/staff/export.py).

It has a database default, so code of the previous release (running beside this one during a
rollout) can still insert submissions, and it is kept by a trigger on the photo table, so every
way a photo row is made (intake, bulk_create, loaddata, SQL, a previous release) marks its
submission. Existing submissions with photos are marked here.
"""

from django.db import migrations, models

TRIGGER = "forms_app_submissionphoto_has_photos"
CREATE = {
    "postgresql": [
        "CREATE FUNCTION forms_app_mark_has_photos() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN"
        " UPDATE forms_app_formsubmission SET has_photos = true"
        " WHERE id = NEW.submission_id AND NOT has_photos;"
        " RETURN NULL;"
        " END $$",
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OF submission_id"
        " ON forms_app_submissionphoto FOR EACH ROW EXECUTE FUNCTION forms_app_mark_has_photos()",
    ],
    "sqlite": [
        f"CREATE TRIGGER {TRIGGER}_{event.split()[0].lower()} AFTER {event}"
        " ON forms_app_submissionphoto FOR EACH ROW BEGIN"
        " UPDATE forms_app_formsubmission SET has_photos = 1"
        " WHERE id = NEW.submission_id AND NOT has_photos;"
        " END"
        for event in ("INSERT", "UPDATE OF submission_id")
    ],
}
DROP = {
    "postgresql": [
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON forms_app_submissionphoto",
        "DROP FUNCTION IF EXISTS forms_app_mark_has_photos()",
    ],
    "sqlite": [f"DROP TRIGGER IF EXISTS {TRIGGER}_{event}" for event in ("insert", "update")],
}


def run(statements):
    def operation(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


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
            field=models.BooleanField(
                db_default=False, default=False, editable=False, verbose_name="has photos"
            ),
        ),
        migrations.RunPython(run(CREATE), run(DROP)),
        migrations.RunPython(mark_submissions_with_photos, migrations.RunPython.noop),
    ]
