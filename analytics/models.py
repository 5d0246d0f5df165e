"""Visit statistics per site and day: counted on the server, aggregated, no personal data.

Only totals are stored: no IP address, no user agent, no visitor hash (those live in the
cache for the day they are counted, then go; see :mod:`analytics.counting`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site


class DailySiteStat(models.Model):
    """One site's totals for one day (Danish calendar date)."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    page_views = models.PositiveIntegerField(_("page views"), default=0)
    # A visit: a visitor's page views with no gap longer than ANALYTICS_VISIT_GAP_SECONDS.
    visits = models.PositiveIntegerField(_("visits"), default=0)
    visitors = models.PositiveIntegerField(_("unique visitors"), default=0)
    # Visitors with a statistics cookie first set on an earlier day.
    returning_visitors = models.PositiveIntegerField(_("returning visitors"), default=0)

    class Meta:
        verbose_name = _("daily site statistics")
        verbose_name_plural = _("daily site statistics")
        constraints = [
            models.UniqueConstraint(fields=["site", "day"], name="unique_daily_site_stat")
        ]

    def __str__(self):
        return f"{self.site_id} {self.day}"


class DailyPageStat(models.Model):
    """Page views of one path on one site on one day, and how many visits began there."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    path = models.CharField(_("page"), max_length=255)
    views = models.PositiveIntegerField(_("page views"), default=0)
    entries = models.PositiveIntegerField(_("entries"), default=0)

    class Meta:
        verbose_name = _("daily page statistics")
        verbose_name_plural = _("daily page statistics")
        constraints = [
            models.UniqueConstraint(fields=["site", "day", "path"], name="unique_daily_page_stat")
        ]

    def __str__(self):
        return f"{self.site_id} {self.day} {self.path}"


class DailyReferrerStat(models.Model):
    """Visits that came from one referring source on one site on one day."""

    class Kind(models.TextChoices):
        SEARCH = "search", _("Search engine")
        OWN = "own", _("Our other site")
        OTHER = "other", _("Website")

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # A search engine's name ("Google"), or a domain without "www." ("example.dk").
    source = models.CharField(_("source"), max_length=255)
    visits = models.PositiveIntegerField(_("visits"), default=0)

    class Meta:
        verbose_name = _("daily referrer statistics")
        verbose_name_plural = _("daily referrer statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "day", "kind", "source"], name="unique_daily_referrer_stat"
            )
        ]

    def __str__(self):
        return f"{self.site_id} {self.day} {self.source}"
