from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CookieConsentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cookie_consent"
    verbose_name = _("Cookie consent")

    def ready(self):
        # Re-consent on a substantive policy change; banner edits refresh cached pages.
        from . import signals

        signals.connect()
