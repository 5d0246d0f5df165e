"""Cookie consent: the banner's text per site and language, and the log that proves each choice.

* :class:`CookieBannerSettings`: what editors write (per site, Danish and English).
* :class:`BannerTextVersion`: every distinct banner text ever shown, so a log entry can point at
  exactly the words the visitor saw even after editors changed them.
* :class:`ReconsentEvent`: a published policy revision marked as a substantive change; every
  choice made before the site's latest event is stale and the banner shows again.
* :class:`ConsentRecord`: one choice (accept all, reject all, custom, withdraw). No IP address,
  no user agent: the consent id (also in the visitor's consent cookie) ties a visitor's
  choices together.
"""

import hashlib
import uuid

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site

DEFAULT_HEADING = "Vi bruger cookies"
DEFAULT_TEXT = (
    "Vi bruger nødvendige cookies, så siden virker. Med dit samtykke bruger vi også en "
    "cookie til besøgsstatistik, så vi kan se, hvilke sider der bliver læst. Du kan altid "
    "ændre dit valg under Cookie-indstillinger nederst på siden."
)
DEFAULT_HEADING_EN = "We use cookies"
DEFAULT_TEXT_EN = (
    "We use necessary cookies to make the site work. With your consent we also use a cookie "
    "for visit statistics, so we can see which pages are read. You can change your choice at "
    "any time under Cookie settings at the bottom of the page."
)


@register_setting(icon="info-circle")
class CookieBannerSettings(BaseSiteSetting):
    """The cookie banner's words for one site, in Danish and English."""

    heading = models.CharField(_("heading"), max_length=120, default=DEFAULT_HEADING)
    text = models.TextField(_("text"), default=DEFAULT_TEXT)
    heading_en = models.CharField(
        _("heading (English)"), max_length=120, default=DEFAULT_HEADING_EN
    )
    text_en = models.TextField(_("text (English)"), default=DEFAULT_TEXT_EN)

    panels = [
        MultiFieldPanel([FieldPanel("heading"), FieldPanel("text")], heading=_("Danish")),
        MultiFieldPanel([FieldPanel("heading_en"), FieldPanel("text_en")], heading=_("English")),
    ]

    class Meta:
        verbose_name = _("cookie banner")
        verbose_name_plural = _("cookie banners")

    def words(self, language):
        """``(heading, text)`` shown in ``language`` ("en": the English words, else Danish)."""
        if language == "en":
            return self.heading_en, self.text_en
        return self.heading, self.text


class BannerTextVersion(models.Model):
    """One distinct banner text (heading and text) shown on a site in a language."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10)
    heading = models.CharField(_("heading"), max_length=120)
    text = models.TextField(_("text"))
    # sha256 of language, heading and text: the same words are one version.
    digest = models.CharField(_("digest"), max_length=64)
    created_at = models.DateTimeField(_("first shown"), auto_now_add=True)

    class Meta:
        verbose_name = _("banner text version")
        verbose_name_plural = _("banner text versions")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "language", "digest"], name="unique_banner_text_version"
            )
        ]

    def __str__(self):
        return f"{self.language} #{self.pk}"

    @staticmethod
    def digest_for(language, heading, text):
        return hashlib.sha256(f"{language}\n{heading}\n{text}".encode()).hexdigest()

    @classmethod
    def for_words(cls, site, language, heading, text):
        """The version for exactly these words on ``site`` in ``language``, made if new."""
        digest = cls.digest_for(language, heading, text)
        lookup = {"site": site, "language": language, "digest": digest}
        found = cls.objects.filter(**lookup).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return cls.objects.create(heading=heading, text=text, **lookup)
        except IntegrityError:  # made by a concurrent request meanwhile
            return cls.objects.get(**lookup)


class ReconsentEvent(models.Model):
    """A policy revision published as a substantive change: earlier choices are stale."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    policy_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("privacy policy revision"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("re-consent event")
        verbose_name_plural = _("re-consent events")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.site_id} #{self.pk}"


class ConsentRecord(models.Model):
    """One cookie choice by one visitor (identified only by the consent id in their cookie)."""

    class Method(models.TextChoices):
        ACCEPT_ALL = "accept_all", _("Accept all")
        REJECT_ALL = "reject_all", _("Reject all")
        CUSTOM = "custom", _("Custom choice")
        WITHDRAW = "withdraw", _("Withdrawn")

    consent_id = models.UUIDField(_("consent id"), default=uuid.uuid4, db_index=True)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    # "Nødvendige" are always on; statistics is the one optional category.
    statistics = models.BooleanField(_("statistics"), default=False)
    language = models.CharField(_("language"), max_length=10)
    banner_text = models.ForeignKey(
        BannerTextVersion,
        verbose_name=_("banner text shown"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # PROTECT, as a submission's proof: the proof must survive revision clean-ups.
    policy_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("privacy policy revision shown"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The site's re-consent epoch the choice was made under (ReconsentEvent id, 0 before any).
    epoch = models.PositiveIntegerField(_("epoch"), default=0)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["site", "created_at"], name="consent_site_time")]

    def __str__(self):
        return f"{self.consent_id} {self.method}"

    @property
    def categories(self):
        return ["necessary", "statistics"] if self.statistics else ["necessary"]
