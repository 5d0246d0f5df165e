from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    """What the privacy policy promises in sections 3 and 6, shown to the owner: the access
    review, the record of processing (art. 30) and the classification of every model field
    that holds personal data."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "compliance"
    verbose_name = _("Data protection")
