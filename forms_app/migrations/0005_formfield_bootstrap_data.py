from django.db import migrations
from wagtail.models import BootstrapTranslatableModel


class Migration(migrations.Migration):
    """Give existing form fields a translation key and the default (Danish) locale."""

    dependencies = [
        ("forms_app", "0004_formfield_translatable_bootstrap"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [BootstrapTranslatableModel("forms_app.FormField")]
