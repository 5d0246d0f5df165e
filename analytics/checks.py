"""``check --deploy``: visit statistics need Redis in production (docs/operations.md)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches, deploy=True)
def check_statistics_backend(app_configs=None, **kwargs):
    if getattr(settings, "ANALYTICS_ENABLED", False) or settings.DEBUG:
        return []
    if getattr(settings, "PAGE_CACHE_ENABLED", True):
        return []  # turned off on purpose (ANALYTICS_ENABLED=0), not for want of Redis
    return [
        checks.Warning(
            "Visit statistics and the page cache are off: REDIS_URL is not set.",
            hint="Set REDIS_URL to the Redis every web process and the worker share "
            "(docs/deployment.md). The privacy policy promises visit statistics.",
            id="analytics.W001",
        )
    ]
