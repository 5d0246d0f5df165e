"""The middleware that counts page views (:mod:`analytics.counting`).

It sits above ``home.page_cache.PageCacheMiddleware`` (and below WhiteNoise, which answers
static files itself) and counts on the way out, so pages answered from the page cache are
counted too. It never sets a cookie, never changes the response and never fails one: any
error while counting is logged (its type only, at most once per minute) and the view is
simply not counted. ``ANALYTICS_ENABLED = False`` turns counting off.
"""

import logging
import time

from django.conf import settings

from .counting import PAGE_ATTR, count_view

logger = logging.getLogger(__name__)
LOG_PAUSE_SECONDS = 60.0
_logged_until = [0.0]


class StatisticsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.ANALYTICS_ENABLED:
            try:
                count_view(request, response)
            except Exception as error:  # noqa: BLE001 (statistics never fail a page)
                now = time.monotonic()
                if now >= _logged_until[0]:
                    _logged_until[0] = now + LOG_PAUSE_SECONDS
                    logger.warning(
                        "Visit statistics: a view was not counted (%s)", type(error).__name__
                    )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Mark requests that Wagtail's page view answers (the only ones that count)."""
        from wagtail import views as wagtail_views

        if view_func is wagtail_views.serve:
            setattr(request, PAGE_ATTR, True)
        return None
