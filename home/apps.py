from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "home"
    verbose_name = _("Sites and pages")

    def ready(self):
        # The page cache: invalidation signals and the hook marking cacheable pages.
        from . import page_cache

        page_cache.connect()
