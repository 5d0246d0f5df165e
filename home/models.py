"""Page types and per-site company settings.

A site is identified by its root ``HomePage`` (and its ``CompanySettings``), never by
comparing hostnames in code.
"""

from bisect import bisect_right
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Min
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageLogEntry
from wagtail.search import index

from . import page_cache
from .blocks import BodyBlock, PolicySectionsBlock
from .sites import site_roots

cvr_validator = RegexValidator(r"^\d{8}$", _("A CVR number is 8 digits."))


# Whether consent depends on a privacy policy, or a site collects consent, is known to the
# forms app, which imports this module; it answers through these Wagtail hooks (registered
# in ``forms_app/wagtail_hooks.py``) rather than this module importing it.
POLICY_IN_USE_HOOK = "privacy_policy_in_use"
SITE_COLLECTS_CONSENT_HOOK = "site_collects_consent"


def consent_refers_to(policy):
    """Whether forms link to ``policy`` or submissions' consent was given under it."""
    return any(answer(policy) for answer in hooks.get_hooks(POLICY_IN_USE_HOOK))


def site_collects_consent(site):
    """Whether ``site`` has live forms whose consent text links to its privacy policy."""
    return any(answer(site) for answer in hooks.get_hooks(SITE_COLLECTS_CONSENT_HOOK))


colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #rrggbb, for example #0b5394.")
)


def contrast_with_white(colour):
    """WCAG 2 contrast ratio of ``#rrggbb`` against white text."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def validate_brand_colour(colour):
    """White text sits on the brand colour (header bar, hero, buttons): keep it readable."""
    colour_validator(colour)
    if contrast_with_white(colour) < 4.5:
        raise ValidationError(
            _("White text on %(colour)s is too hard to read. Choose a darker colour."),
            params={"colour": colour},
        )


def published_versions(page_ids):
    """``{revision_id: (version, first published at)}`` for the given pages' publish history.

    Versions follow the time each revision was *first* published, not its id: an old draft
    published later is the next version. One query for any number of pages (exports).
    """
    first_published = (
        PageLogEntry.objects.filter(
            page_id__in=page_ids, action="wagtail.publish", revision_id__isnull=False
        )
        .order_by()
        .values("page_id", "revision_id")
        .annotate(first=Min("timestamp"))
    )
    by_page = defaultdict(list)
    for row in first_published:
        by_page[row["page_id"]].append((row["first"], row["revision_id"]))
    versions = {}
    for rows in by_page.values():
        times = sorted(first for first, _revision in rows)
        for first, revision_id in rows:
            versions[revision_id] = (bisect_right(times, first), first)
    return versions


class HomePage(Page):
    """The root of one company's site."""

    intro = models.CharField(
        _("intro"), max_length=300, blank=True, help_text=_("Shown under the page title.")
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["home.StandardPage", "home.PrivacyPolicyPage", "forms_app.FormPage"]

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")


class StandardPage(Page):
    """An ordinary content page: services, about us, and the like."""

    intro = models.CharField(_("intro"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage", "forms_app.FormPage"]

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")


class PrivacyPolicyPage(Page):
    """The site's "Persondatapolitik": an intro and ordered sections with anchors.

    The page shows which published version the reader sees and when it was published, taken
    from the page's publish history, so consent proof can point at an exact revision.
    """

    intro = RichTextField(_("intro"), features=["bold", "italic", "link"], blank=True)
    sections = StreamField(PolicySectionsBlock(), blank=True, verbose_name=_("sections"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("sections")]
    search_fields = [*Page.search_fields, index.SearchField("sections")]

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("privacy policy page")
        verbose_name_plural = _("privacy policy pages")

    def clean(self):
        super().clean()
        # A scheduled unpublish, like unpublishing (refused in forms_app's hooks), would leave
        # the forms' consent linking to a page that is gone.
        if self.expire_at and self.pk and consent_refers_to(self):
            raise ValidationError(
                {
                    "expire_at": _(
                        "The privacy policy cannot expire: the site's forms link to it, or "
                        "submissions refer to it as the policy their consent was given under."
                    )
                }
            )

    @cached_property
    def table_of_contents(self):
        """``[(anchor, heading, level), …]`` with anchors unique within the page."""
        entries, seen = [], {}
        for block in self.sections:
            heading = block.value["heading"]
            anchor = slugify(heading) or "afsnit"
            seen[anchor] = seen.get(anchor, 0) + 1
            if seen[anchor] > 1:
                anchor = f"{anchor}-{seen[anchor]}"
            entries.append((anchor, heading, int(block.value["level"])))
        return entries

    @property
    def sections_with_anchors(self):
        return [
            (anchor, block.value)
            for (anchor, _heading, _level), block in zip(
                self.table_of_contents, self.sections, strict=True
            )
        ]

    def get_publication(self, revision_id=None):
        """Return ``(version, published_at)`` of a published revision, or ``(None, None)``.

        The version counts the distinct revisions first published up to and including this
        one, so each newly published revision gets the next number. Defaults to the live
        revision.
        """
        revision_id = revision_id or self.live_revision_id
        if not revision_id:
            return None, None
        return published_versions([self.pk]).get(revision_id, (None, None))

    @cached_property
    def publication(self):
        # Remembered per live revision until the next change (home.page_cache.memo): its
        # publish-history query was the policy page's only one when its lookups are warm.
        version, published_at = page_cache.memo(
            None, ("publication", self.pk, self.live_revision_id), self.get_publication
        )
        return {"version": version, "published_at": published_at}


@register_setting(icon="site")
class CompanySettings(BaseSiteSetting):
    """Who the site belongs to: name, CVR, contact details, logo, colour, policy page."""

    company_name = models.CharField(_("company name"), max_length=100)
    cvr_number = models.CharField(
        _("CVR number"), max_length=8, validators=[cvr_validator], blank=True
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    opening_hours = models.TextField(
        _("opening hours"), blank=True, help_text=_("One line per day or period.")
    )
    opening_hours_en = models.TextField(
        _("opening hours (English)"),
        blank=True,
        help_text=_("Shown on the English pages; the Danish text is used when this is empty."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    brand_colour = models.CharField(
        _("brand colour"), max_length=7, default="#0b5394", validators=[validate_brand_colour]
    )
    privacy_policy_page = models.ForeignKey(
        "home.PrivacyPolicyPage",
        verbose_name=_("privacy policy page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Linked from the footer and from every form's consent text."),
    )

    select_related = ["logo", "privacy_policy_page"]

    panels = [
        MultiFieldPanel(
            [FieldPanel("company_name"), FieldPanel("cvr_number")], heading=_("Company")
        ),
        MultiFieldPanel(
            [
                FieldPanel("street_address"),
                FieldPanel("postcode"),
                FieldPanel("city"),
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("opening_hours"),
                FieldPanel("opening_hours_en"),
            ],
            heading=_("Contact details"),
        ),
        MultiFieldPanel(
            [FieldPanel("logo"), FieldPanel("brand_colour")], heading=_("Look and feel")
        ),
        FieldPanel("privacy_policy_page"),
    ]

    class Meta:
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")

    def __str__(self):
        return self.company_name or super().__str__()

    def clean(self):
        super().clean()
        if not self.site_id:
            return
        policy = self.privacy_policy_page
        if policy is None and site_collects_consent(self.site):
            raise ValidationError(
                {
                    "privacy_policy_page": _(
                        "The site's forms ask for consent under the privacy policy chosen "
                        "here: choose the site's privacy policy page."
                    )
                }
            )
        if policy is not None and not any(
            policy.path.startswith(root.path) for root in site_roots(self.site)
        ):
            raise ValidationError(
                {"privacy_policy_page": _("Choose the privacy policy page of this site.")}
            )

    @property
    def localized_opening_hours(self):
        """Opening hours in the active language, one line each (Danish as the fallback)."""
        text = self.opening_hours
        if get_language() == "en" and self.opening_hours_en.strip():
            text = self.opening_hours_en
        return [line.strip() for line in text.splitlines() if line.strip()]
