from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forms_app"
    verbose_name = _("Forms and submissions")

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from . import signals  # noqa: F401 - connects the photo-file deletion
        from .models import FormSubmission
        from .permissions import submission_permission_policy

        register_permission_policy(FormSubmission, submission_permission_policy)
