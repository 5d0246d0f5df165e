"""Page types and per-site company settings.

A site is identified by its root ``HomePage`` (and its ``CompanySettings``), never by
comparing hostnames in code.
"""

import contextlib
import json
import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Min
from django.db.models.signals import post_delete, post_save
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageLogEntry, Revision
from wagtail.search import index

from . import page_cache
from .blocks import BodyBlock, PolicySectionsBlock
from .brand import contrast_ratio
from .sites import site_roots

cvr_validator = RegexValidator(r"^\d{8}$", _("A CVR number is 8 digits."))

# A number the header and footer link to as tel:+<digits> (E.164): with the country code as
# "+45 12 34 56 78", or a Danish 8-digit number ("12 34 56 78", +45 is added to the link).
phone_validator = RegexValidator(
    r"^(\+[1-9]( ?\d){6,14}|\d( ?\d){7})$",
    _("Write the number as +45 12 34 56 78 (digits and spaces; the country code first)."),
)

# The policy's section 3 ("Videregivelse"): the heading of a main section numbered 3.
SECTION_THREE = re.compile(r"^\W*3\s*[.)]")


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
    return contrast_ratio(colour, "#ffffff")


def validate_brand_colour(colour):
    """White text sits on the brand colour (header bar, hero, buttons): keep it readable."""
    colour_validator(colour)
    if contrast_with_white(colour) < 4.5:
        raise ValidationError(
            _("White text on %(colour)s is too hard to read. Choose a darker colour."),
            params={"colour": colour},
        )


# What a policy revision says: the fields whose change makes a new public version. Dates,
# ids, slugs and the "substantive change" box are not the policy's content.
POLICY_CONTENT_FIELDS = ("title", "intro", "sections")
# Rich-text block keys (data-block-key="…") change when an editor merely opens and saves.
BLOCK_KEY = re.compile(r'\sdata-block-key="[^"]*"')


def _without_ids(value):
    """``value`` (a revision's stored field) with StreamField block ids and rich-text block
    keys left out, so two revisions saying the same thing compare equal."""
    if isinstance(value, dict):
        return {key: _without_ids(item) for key, item in value.items() if key != "id"}
    if isinstance(value, list):
        return [_without_ids(item) for item in value]
    if isinstance(value, str):
        return BLOCK_KEY.sub("", value)
    return value


def policy_content(content):
    """The policy text of a revision's ``content`` dict (title, intro, sections), comparable
    between revisions: publishing it again unchanged is not a new public version."""
    compared = {}
    for name in POLICY_CONTENT_FIELDS:
        value = content.get(name)
        if name == "sections" and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)  # a StreamField stored as a JSON string
        compared[name] = _without_ids(value)
    return compared


def published_versions(page_ids):
    """``{revision_id: (version, first published at)}`` for the given pages' publish history.

    Versions follow the time each revision was *first* published, not its id: an old draft
    published later is the next version. A published revision whose policy text (title,
    intro, sections: :func:`policy_content`) equals the one published just before it is not a
    new version: it keeps that version's number and date (unpublishing and publishing again,
    or publishing with no change). Two queries for any number of pages (exports).
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
    contents = dict(
        Revision.objects.filter(
            pk__in=[revision_id for rows in by_page.values() for _first, revision_id in rows]
        ).values_list("pk", "content")
    )
    versions = {}
    for rows in by_page.values():
        version, since, previous = 0, None, object()
        for first, revision_id in sorted(rows):
            text = policy_content(contents.get(revision_id) or {})
            if text != previous:
                version, since, previous = version + 1, first, text
            versions[revision_id] = (version, since)
    return versions


class HomePage(Page):
    """The root of one company's site."""

    intro = models.CharField(
        _("intro"), max_length=300, blank=True, help_text=_("Shown under the page title.")
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "A wide photo of the company's work, shown at the top of the home page. Its "
            "description (alt text) is read aloud to blind visitors."
        ),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
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


# A main section about cookies (its heading says so): the cookie list goes inside it.
COOKIE_SECTION = re.compile(r"cookie", re.IGNORECASE)


class PrivacyPolicyPageForm(WagtailAdminPageForm):
    """The policy's edit form: "Substantive change" starts unticked on every edit, so a
    re-consent is asked for only by an editor who ticks it for the revision they publish."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "substantive_change" in self.fields:
            self.initial["substantive_change"] = False


class PrivacyPolicyPage(Page):
    """The site's "Persondatapolitik": an intro and ordered sections with anchors.

    The page shows which published version the reader sees and when it was published, taken
    from the page's publish history, so consent proof can point at an exact revision.

    Publishing a revision with ``substantive_change`` ticked asks every visitor for cookie
    consent again (``cookie_consent.signals.policy_published``).
    """

    intro = RichTextField(_("intro"), features=["bold", "italic", "link"], blank=True)
    sections = StreamField(PolicySectionsBlock(), blank=True, verbose_name=_("sections"))
    substantive_change = models.BooleanField(
        _("Substantive change: ask every visitor for cookie consent again"),
        default=False,
        help_text=_(
            "Tick this only when the change matters for the visitors' choice (new purposes, "
            "new cookies, new recipients). When this version is published, every visitor "
            "sees the cookie banner again. It starts unticked on every edit."
        ),
    )

    base_form_class = PrivacyPolicyPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("sections"),
        FieldPanel("substantive_change"),
    ]
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

    def contents_with_register(self, fixed=False):
        """The page's sections plus the site's register of data processors, in reading order.

        ``[{"anchor", "heading", "level", "section", "kind"}]``; ``kind`` is "section" (an
        editor's section, in ``section``) or "register" (``section`` None). The register
        follows section 3 (the first main section whose heading starts "3.", as the client's
        policy numbers "Videregivelse") and its subsections, as a subsection of it; a policy
        without a section 3 gets it as a main section at the end.

        With ``fixed``, the parts the template always shows, whatever the editor's text says
        (GDPR art. 13), are entries too: "controller" (who is responsible, from the company
        settings) first and "complaint" (the right to complain to Datatilsynet) last. Anchors
        are unique across all entries; the fixed ones keep theirs, and an editor's heading
        that would give the same anchor gets a number.
        """
        sections = [block.value for block in self.sections]
        levels = [str(value["level"]) for value in sections]
        after = next(
            (
                index
                for index, value in enumerate(sections)
                if levels[index] == "2" and SECTION_THREE.match(value["heading"])
            ),
            None,
        )
        if after is None:
            position, register_level = len(sections), 2
        else:
            position = next(
                (index for index in range(after + 1, len(sections)) if levels[index] == "2"),
                len(sections),
            )
            register_level = 3
        items = [(value["heading"], int(value["level"]), value, "section") for value in sections]
        items.insert(position, (gettext("Our data processors"), register_level, None, "register"))
        seen = {}
        if fixed:
            items.insert(0, (gettext("Data controller"), 2, None, "controller"))
            items.append(
                (gettext("Complaints to the Danish Data Protection Agency"), 2, None, "complaint")
            )
            # The fixed parts' anchors are taken first: links to them never change.
            seen = {slugify(items[0][0]): 1, slugify(items[-1][0]): 1}
        entries = []
        for heading, level, value, kind in items:
            anchor = slugify(heading) or "afsnit"
            if kind not in ("controller", "complaint"):
                seen[anchor] = seen.get(anchor, 0) + 1
                if seen[anchor] > 1:
                    anchor = f"{anchor}-{seen[anchor]}"
                    while anchor in seen:
                        anchor = f"{anchor}-{seen[anchor]}"
                    seen[anchor] = 1
            entries.append(
                {
                    "anchor": anchor,
                    "heading": heading,
                    "level": level,
                    "section": value,
                    "kind": kind,
                }
            )
        return entries

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        company = CompanySettings.for_request(request)
        context["company"] = company
        context["processors"] = company.processor_register
        context["contents"] = self.contents_with_register(fixed=True)
        # The complaint section is rendered last, after the cookie list's own section.
        context["complaint"] = context["contents"][-1]
        # The cookie list (cookie_consent.registry) goes inside the policy's section on
        # cookies, or in a section of its own at the end when there is none.
        context["cookie_section"] = next(
            (
                entry["anchor"]
                for entry in context["contents"]
                if entry["level"] == 2
                and entry["kind"] == "section"
                and COOKIE_SECTION.search(entry["heading"])
            ),
            None,
        )
        return context

    def get_publication(self, revision_id=None):
        """Return ``(version, published_at)`` of a published revision, or ``(None, None)``.

        The version counts the changes of the policy's text published up to and including
        this revision (:func:`published_versions`): a newly published revision with new text
        gets the next number, one publishing the same text again keeps the number and date
        of the version it repeats. Defaults to the live revision.
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
class CompanySettings(ClusterableModel, BaseSiteSetting):
    """Who the site belongs to: name, CVR, contact details, logo, colour, policy page, and
    the register of data processors (:class:`DataProcessor` rows, edited on the same page)."""

    company_name = models.CharField(_("company name"), max_length=100)
    cvr_number = models.CharField(
        _("CVR number"), max_length=8, validators=[cvr_validator], blank=True
    )
    authorisation = models.CharField(
        _("authorisation"),
        max_length=150,
        blank=True,
        help_text=_(
            "The trade authorisation as it is to be shown in the footer, for example: "
            "Autoriseret VVS-installatør nr. 12345."
        ),
    )
    authorisation_en = models.CharField(
        _("authorisation (English)"),
        max_length=150,
        blank=True,
        help_text=_("Shown on the English pages; the Danish text is used when this is empty."),
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(
        _("phone"),
        max_length=30,
        blank=True,
        validators=[phone_validator],
        help_text=_(
            "Shown at the top of every page as written here, for example +45 12 34 56 78."
        ),
    )
    emergency_phone = models.CharField(
        _("emergency service phone"),
        max_length=30,
        blank=True,
        validators=[phone_validator],
        help_text=_(
            "The emergency service line (Akutvagt), if the company offers one. Shown at the "
            "top of every page and in the footer; leave empty if there is none."
        ),
    )
    emergency_hours = models.CharField(
        _("emergency service hours"),
        max_length=60,
        blank=True,
        help_text=_(
            "When the emergency line answers, in a few words (for example: døgnet rundt)."
        ),
    )
    emergency_hours_en = models.CharField(
        _("emergency service hours (English)"),
        max_length=60,
        blank=True,
        help_text=_("Shown on the English pages; the Danish text is used when this is empty."),
    )
    email = models.EmailField(_("email"), blank=True)
    reply_within_days = models.PositiveSmallIntegerField(
        _("reply within (working days)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "How soon the company usually answers a form. Visitors are told on the thank-you page."
        ),
    )
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
    favicon = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("favicon"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "A square image shown in the browser tab. Without one, the site's initial on its "
            "brand colour is shown."
        ),
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

    select_related = ["logo", "favicon", "privacy_policy_page"]

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("company_name"),
                FieldPanel("cvr_number"),
                FieldRowPanel([FieldPanel("authorisation"), FieldPanel("authorisation_en")]),
            ],
            heading=_("Company"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("street_address"),
                FieldPanel("postcode"),
                FieldPanel("city"),
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("reply_within_days"),
                FieldPanel("opening_hours"),
                FieldPanel("opening_hours_en"),
            ],
            heading=_("Contact details"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("emergency_phone"),
                FieldRowPanel([FieldPanel("emergency_hours"), FieldPanel("emergency_hours_en")]),
            ],
            heading=_("Emergency service (Akutvagt)"),
        ),
        MultiFieldPanel(
            [FieldPanel("logo"), FieldPanel("favicon"), FieldPanel("brand_colour")],
            heading=_("Look and feel"),
        ),
        FieldPanel("privacy_policy_page"),
        InlinePanel(
            "processors",
            heading=_("Data processors"),
            label=_("Data processor"),
            help_text=_(
                "Suppliers that process personal data for the company under a data "
                "processing agreement (hosting, e-mail, backup). They are listed in the "
                "privacy policy and in the record of processing."
            ),
        ),
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

    @property
    def processor_register(self):
        """The site's data processors in the editor's order, remembered until the next change
        (:func:`home.page_cache.memo`), so a warm policy page still renders without a query."""
        if self.pk is None:
            return []
        return page_cache.memo(
            None, ("processors", self.pk), lambda: list(self.processors.order_by("sort_order"))
        )


# Countries of the EU and the EEA: processing there is no transfer to a third country.
EEA_COUNTRIES = {
    "AT": _("Austria"),
    "BE": _("Belgium"),
    "BG": _("Bulgaria"),
    "HR": _("Croatia"),
    "CY": _("Cyprus"),
    "CZ": _("Czechia"),
    "DK": _("Denmark"),
    "EE": _("Estonia"),
    "FI": _("Finland"),
    "FR": _("France"),
    "DE": _("Germany"),
    "GR": _("Greece"),
    "HU": _("Hungary"),
    "IS": _("Iceland"),
    "IE": _("Ireland"),
    "IT": _("Italy"),
    "LV": _("Latvia"),
    "LI": _("Liechtenstein"),
    "LT": _("Lithuania"),
    "LU": _("Luxembourg"),
    "MT": _("Malta"),
    "NL": _("Netherlands"),
    "NO": _("Norway"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "RO": _("Romania"),
    "SK": _("Slovakia"),
    "SI": _("Slovenia"),
    "ES": _("Spain"),
    "SE": _("Sweden"),
}
# Countries outside it that suppliers commonly process data in, and a catch-all.
THIRD_COUNTRIES = {
    "GB": _("United Kingdom"),
    "CH": _("Switzerland"),
    "US": _("United States"),
    "CA": _("Canada"),
    "AU": _("Australia"),
    "IN": _("India"),
    "JP": _("Japan"),
    "XX": _("Another country outside the EU/EEA"),
}
COUNTRY_CHOICES = [
    (_("EU/EEA"), list(EEA_COUNTRIES.items())),
    (_("Outside the EU/EEA"), list(THIRD_COUNTRIES.items())),
]


class TransferBasis(models.TextChoices):
    """What makes a transfer to a country outside the EU/EEA lawful (GDPR chapter V)."""

    ADEQUACY = "adequacy", _("Adequacy decision of the EU Commission (GDPR art. 45)")
    DATA_PRIVACY_FRAMEWORK = (
        "dpf",
        _("EU-U.S. Data Privacy Framework, the supplier is certified (GDPR art. 45)"),
    )
    STANDARD_CLAUSES = (
        "scc",
        _("Standard contractual clauses of the EU Commission (GDPR art. 46(2)(c))"),
    )
    BINDING_RULES = "bcr", _("Binding corporate rules (GDPR art. 47)")


class DataProcessor(Orderable):
    """One supplier in a site's register of data processors (policy section 3).

    The privacy policy lists the register (:meth:`PrivacyPolicyPage.get_context`), and the
    record of processing (``compliance.record``) names them as recipients and transfers.
    """

    company = ParentalKey(
        CompanySettings,
        verbose_name=_("company settings"),
        on_delete=models.CASCADE,
        related_name="processors",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("The supplier's company name."))
    service = models.CharField(
        _("what they do"),
        max_length=200,
        help_text=_("For example: hosting of the website and its database."),
    )
    service_en = models.CharField(
        _("what they do (English)"),
        max_length=200,
        blank=True,
        help_text=_("Shown on the English pages; the Danish text is used when this is empty."),
    )
    data = models.CharField(
        _("which personal data"),
        max_length=300,
        help_text=_("For example: everything visitors send through the forms, photos included."),
    )
    data_en = models.CharField(
        _("which personal data (English)"),
        max_length=300,
        blank=True,
        help_text=_("Shown on the English pages; the Danish text is used when this is empty."),
    )
    country = models.CharField(
        _("where"),
        max_length=2,
        choices=COUNTRY_CHOICES,
        help_text=_(
            "The country where the supplier stores or processes the data. A country outside "
            "the EU/EEA is a transfer to a third country."
        ),
    )
    transfer_basis = models.CharField(
        _("transfer safeguard"),
        max_length=20,
        choices=TransferBasis.choices,
        blank=True,
        help_text=_("Required for a country outside the EU/EEA: what makes the transfer lawful."),
    )
    agreement_date = models.DateField(
        _("agreement date"),
        help_text=_("When the data processing agreement with the supplier was entered into."),
    )
    agreement_url = models.URLField(
        _("link to the agreement"),
        blank=True,
        help_text=_("Where the signed agreement, or the supplier's standard agreement, is kept."),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("country")]),
        FieldRowPanel([FieldPanel("service"), FieldPanel("service_en")]),
        FieldRowPanel([FieldPanel("data"), FieldPanel("data_en")]),
        FieldPanel("transfer_basis"),
        FieldRowPanel([FieldPanel("agreement_date"), FieldPanel("agreement_url")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("data processor")
        verbose_name_plural = _("data processors")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.outside_eea and not self.transfer_basis:
            raise ValidationError(
                {
                    "transfer_basis": _(
                        "%(country)s is outside the EU/EEA: choose what makes the transfer "
                        "lawful, or choose a supplier that keeps the data in the EU/EEA."
                    )
                    % {"country": self.get_country_display()}
                }
            )
        if not self.outside_eea:
            # Only a transfer needs a safeguard; one left over from an earlier country would
            # wrongly read as a transfer.
            self.transfer_basis = ""

    @property
    def outside_eea(self):
        """Whether the data leaves the EU/EEA (a transfer to a third country)."""
        return bool(self.country) and self.country not in EEA_COUNTRIES

    @property
    def localized_service(self):
        if get_language() == "en" and self.service_en.strip():
            return self.service_en
        return self.service

    @property
    def localized_data(self):
        if get_language() == "en" and self.data_en.strip():
            return self.data_en
        return self.data


# A register change shows in every privacy policy: start a new page-cache generation, as a
# change of the settings does (home/page_cache.py). The rows are saved after the settings
# row, so its own signal alone could fire before they are written.
for _signal, _name in ((post_save, "saved"), (post_delete, "deleted")):
    _signal.connect(
        page_cache.bump,
        sender=DataProcessor,
        dispatch_uid=f"page_cache_{_name}_home.dataprocessor",
    )
