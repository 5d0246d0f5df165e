"""Create both company sites, their demo content and their editor groups, idempotently.

``manage.py setup_sites`` is a thin shell over :func:`setup_sites`, which the tests call too.
Every step looks for what it would create first: a second run changes nothing.
"""

import io
import logging
import math

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images.models import Image
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    GroupSitePermission,
    Locale,
    Page,
    Site,
    Task,
    Workflow,
    WorkflowState,
)

from cookie_consent.models import CookieBannerSettings
from forms_app.models import FormField, FormPage, FormSubmission
from forms_app.permissions import STAFF_PERMISSIONS

from . import demo_content, demo_content_en
from .demo_content_en import COMPANIES_EN
from .models import CompanySettings, DataProcessor, HomePage, PrivacyPolicyPage, StandardPage
from .sites import site_roots
from .translations import translate_demo_site

logger = logging.getLogger(__name__)

# The groups Wagtail's own migrations make, with rights over the whole tree (both companies)
# and every collection. Policy section 6 (access only where needed): setup_sites removes them.
WAGTAIL_DEFAULT_GROUPS = ["Editors", "Moderators"]

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
EDITOR_IMAGE_PERMISSIONS = ["add_image", "change_image", "choose_image", "delete_image"]
EDITOR_DOCUMENT_PERMISSIONS = [
    "add_document",
    "change_document",
    "choose_document",
    "delete_document",
]


def setup_sites():
    """Make sure both sites exist with demo content; return ``{key: Site}``."""
    with transaction.atomic():
        locale = Locale.objects.get_or_create(language_code="da")[0]
        Locale.objects.get_or_create(language_code="en")
        # Wagtail's migrations make the tree and collection roots; an emptied database
        # (a flushed test database, say) gets them back here.
        root = Page.get_first_root_node() or Page.add_root(
            instance=Page(title="Root", slug="root", locale=locale, content_type=_page_type())
        )
        if Collection.get_first_root_node() is None:
            Collection.add_root(name="Root")
        _remove_wagtail_welcome_page(root)
        remove_wagtail_default_groups()
        sites = {}
        for index, company in enumerate(demo_content.COMPANIES):
            sites[company["key"]] = _setup_company(root, locale, company, is_default=index == 0)
    return sites


def _page_type():
    return ContentType.objects.get_for_model(Page)


def remove_wagtail_default_groups():
    """Delete Wagtail's "Editors" and "Moderators" groups and, if it never moderated anything,
    the "Moderators approval" workflow that only they could act in.

    Those groups hold page rights on the tree root and on the root collection, so anyone put
    in them could edit both companies' sites; the add-user form lists them first. Per-company
    groups (``ensure_editor_group``, ``ensure_staff_group``) are the only ones we want. Deleting
    a group removes its permissions and memberships with it.
    """
    groups = Group.objects.filter(name__in=WAGTAIL_DEFAULT_GROUPS)
    if not groups.exists():
        return
    group_ids = set(groups.values_list("pk", flat=True))
    for workflow in Workflow.objects.all():
        tasks = [task.specific for task in Task.objects.filter(workflow_tasks__workflow=workflow)]
        only_default_groups = tasks and all(
            isinstance(task, GroupApprovalTask)
            and set(task.groups.values_list("pk", flat=True)) <= group_ids
            for task in tasks
        )
        # A workflow with history keeps it (its states name who approved what).
        if only_default_groups and not WorkflowState.objects.filter(workflow=workflow).exists():
            logger.info("Removing Wagtail's default workflow %r", workflow.name)
            workflow.delete()  # its page and content-type assignments go with it
            for task in tasks:
                if not task.workflow_tasks.exists() and not task.task_states.exists():
                    task.delete()
    logger.info("Removing Wagtail's default groups %s", ", ".join(WAGTAIL_DEFAULT_GROUPS))
    groups.delete()


def _remove_wagtail_welcome_page(root):
    """Wagtail's first migration makes a placeholder page and site; ours replace them."""
    for page in root.get_children().filter(content_type__model="page", slug="home"):
        if not page.get_children().exists():
            Site.objects.filter(root_page=page).delete()
            page.delete()


def _setup_company(root, locale, company, *, is_default):
    key = company["key"]
    home = HomePage.objects.child_of(root).filter(slug=key, locale=locale).first()
    created_home = home is None
    if created_home:
        home = root.add_child(
            instance=HomePage(
                title=company["home_title"],
                slug=key,
                locale=locale,
                intro=company["home_intro"],
                hero_image=_hero_image(company, _collection(company["collection"])),
            )
        )
        logger.info("Created home page for %s", company["company_name"])

    site = _ensure_site(home, key, company, is_default=is_default)
    if created_home:
        policy = _create_demo_pages(home, company)
    else:
        # Editors own the tree now: deleted or renamed demo pages stay deleted or renamed.
        policy = PrivacyPolicyPage.objects.child_of(home).first()

    english = Locale.objects.get(language_code="en")
    if created_home or not home.has_translation(english):
        translate_demo_site(home, company)

    collection = _collection(company["collection"])
    company_settings = CompanySettings.for_site(site)
    if not company_settings.company_name:
        for field in (
            "company_name",
            "cvr_number",
            "street_address",
            "postcode",
            "city",
            "phone",
            "email",
            "opening_hours",
            "emergency_phone",
            "emergency_hours",
            "authorisation",
            "brand_colour",
        ):
            setattr(company_settings, field, company[field])
        for field in ("opening_hours", "emergency_hours", "authorisation"):
            setattr(company_settings, f"{field}_en", COMPANIES_EN[key][field])
        company_settings.privacy_policy_page = policy
        company_settings.logo = _make_logo(company, collection)
        company_settings.save()
        _add_demo_processors(company_settings, key)

    ensure_editor_group(company["editor_group"], site, collection)
    ensure_staff_group(company["staff_group"], site)
    return site


def _add_demo_processors(company_settings, key):
    """The demo register of data processors, with its English texts (a new site only)."""
    english = demo_content_en.PROCESSORS[key]
    for index, (spec, (service_en, data_en)) in enumerate(
        zip(demo_content.PROCESSORS[key], english, strict=True)
    ):
        DataProcessor.objects.create(
            company=company_settings,
            sort_order=index,
            service_en=service_en,
            data_en=data_en,
            **spec,
        )


def _form_page(home, company, spec):
    """A demo form page with its fields."""
    page = FormPage(
        title=spec["title"],
        slug=spec["slug"],
        show_in_menus=True,
        intro=spec["intro"],
        thank_you_text=spec["thank_you_text"],
        consent_text=spec["consent_text"],
        legal_basis=spec["legal_basis"],
        retention_period=spec["retention_period"],
        retention_reason=spec["retention_reason"],
        to_address=company["email"],
        subject=demo_content.form_subject(spec["title"]),
    )
    # sort_order explicitly: unset, PostgreSQL would sort the fields (NULLs) in any order.
    page.form_fields = [
        FormField(
            label=label,
            field_type=field_type,
            required=required,
            help_text=help_text,
            sort_order=index,
        )
        for index, (label, field_type, required, help_text) in enumerate(spec["fields"])
    ]
    return _add(home, page)


def ensure_staff_group(name, site):
    """Customer service: read, handle, export and delete submissions of ``site`` only."""
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    content_type = ContentType.objects.get_for_model(FormSubmission)
    for codename in STAFF_PERMISSIONS:
        GroupSitePermission.objects.get_or_create(
            group=group,
            site=site,
            permission=Permission.objects.get(content_type=content_type, codename=codename),
        )
    return group


def _ensure_site(home, key, company, *, is_default):
    """The site for ``home``; hostname from SITE_HOSTNAMES, the rest only set when created.

    A deploy re-runs this with the production hostnames; it must not undo what an
    administrator changed in Settings → Sites.
    """
    hostname = settings.SITE_HOSTNAMES.get(key, f"{key}.localhost")
    site = Site.objects.filter(root_page=home).first()
    if site is None:
        site = Site(root_page=home, site_name=company["company_name"])
    elif site.hostname == hostname:
        return site
    site.hostname, site.port = hostname, settings.SITE_PORT
    if is_default and not Site.objects.filter(is_default_site=True).exclude(pk=site.pk).exists():
        site.is_default_site = True
    site.save()
    return site


def _create_demo_pages(home, company):
    """Pages, forms and the home page body for a newly created site; returns the policy."""
    spec = demo_content.services_page(company)
    services = _add(
        home,
        StandardPage(
            title=spec["title"],
            slug=spec["slug"],
            show_in_menus=True,
            intro=spec["intro"],
            body=[
                block
                for title, text in company["services"]
                for block in (
                    ("heading", {"text": title, "level": "h2"}),
                    ("paragraph", f"<p>{text}</p>"),
                )
            ],
        ),
    )
    spec = demo_content.about_page(company)
    _add(
        home,
        StandardPage(
            title=spec["title"],
            slug=spec["slug"],
            show_in_menus=True,
            intro=spec["intro"],
            body=[("paragraph", spec["body"])],
        ),
    )
    spec = demo_content.policy_page(company)
    policy = _add(
        home,
        PrivacyPolicyPage(
            title=spec["title"],
            slug=spec["slug"],
            intro=spec["intro"],
            sections=[
                ("section", {"heading": heading, "level": level, "body": body})
                for heading, level, body in spec["sections"]
            ],
        ),
    )
    quote = _form_page(home, company, demo_content.quote_form(company))
    _form_page(home, company, demo_content.contact_form(company))
    # The services page ends with a button to the quote form (made after it, so added now).
    services.body.append(
        (
            "call_to_action",
            {
                "text": demo_content.services_page(company)["call_to_action"],
                "page": quote,
                "url": "",
            },
        )
    )
    services.save_revision().publish()
    calls_to_action = demo_content.HOME_CALLS_TO_ACTION
    home.body = [
        ("paragraph", f"<p>{company['home_body']}</p>"),
        ("call_to_action", {"text": calls_to_action["quote"], "page": quote, "url": ""}),
        ("call_to_action", {"text": calls_to_action["services"], "page": services, "url": ""}),
    ]
    home.save_revision().publish()
    return policy


def _add(parent, page):
    page.locale = parent.locale
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _collection(name):
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=name).first()
    return existing or root.add_child(name=name)


def _hero_image(company, collection):
    """The demo hero illustration of ``company``: the one already made, or a new one.

    Looked up by title in the company's collection, so a second run (or a home page made
    again after a database flush of the pages alone) never adds a duplicate. No description:
    the illustration is decorative (alt=""), the heading and intro beside it say it all.
    """
    title = demo_content.hero_title(company)
    existing = Image.objects.filter(collection=collection, title=title).first()
    if existing is not None:
        return existing
    buffer = io.BytesIO()
    hero_illustration(company["trade"], company["brand_colour"]).save(buffer, format="PNG")
    return Image.objects.create(
        title=title,
        collection=collection,
        file=ImageFile(buffer, name=f"hero-{company['key']}.png"),
    )


def _rgb(colour):
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def _mix(first, second, amount):
    return tuple(round(a + (b - a) * amount) for a, b in zip(first, second, strict=True))


def hero_illustration(trade, colour, size=(1200, 750)):
    """A flat illustration in the brand colour: pipes, a tap and a radiator for ``"vvs"``,
    a fuse board, a cable, a socket and a bolt for ``"el"``. Drawn at twice the size and
    scaled down, for smooth edges; flat colours keep its WebP renditions a few KB.
    """
    scale = 2
    width, height = size[0] * scale, size[1] * scale
    brand, white = _rgb(colour), (255, 255, 255)
    pale, mid, deep = (
        _mix(brand, white, 0.88),
        _mix(brand, white, 0.55),
        _mix(brand, (0, 0, 0), 0.25),
    )
    image = PILImage.new("RGB", (width, height), pale)
    draw = ImageDraw.Draw(image)
    unit = width / 1200  # coordinates below are on a 1200 × 750 canvas

    def line(points, stroke, fill):
        points = [(x * unit, y * unit) for x, y in points]
        draw.line(points, fill=fill, width=round(stroke * unit), joint="curve")
        radius = stroke * unit / 2
        for x, y in points:  # round ends and joints
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)

    def circle(x, y, radius, fill=None, outline=None, stroke=0):
        box = ((x - radius) * unit, (y - radius) * unit, (x + radius) * unit, (y + radius) * unit)
        draw.ellipse(box, fill=fill, outline=outline, width=round(stroke * unit))

    def box(x0, y0, x1, y1, fill, radius=0):
        corners = (x0 * unit, y0 * unit, x1 * unit, y1 * unit)
        draw.rounded_rectangle(corners, radius=radius * unit, fill=fill)

    def polygon(points, fill):
        draw.polygon([(x * unit, y * unit) for x, y in points], fill=fill)

    box(0, 610, 1200, 750, mid)  # the floor
    if trade == "vvs":
        # Two pipe runs with fittings, a valve wheel, a tap with drops, a radiator.
        line([(-60, 470), (260, 470), (260, 200), (760, 200), (760, 330)], 46, brand)
        line([(-60, 540), (360, 540), (360, 300), (620, 300)], 30, mid)
        for x, y in ((260, 470), (260, 200), (760, 200), (360, 540), (360, 300)):
            circle(x, y, 34, fill=deep)
        circle(510, 200, 62, outline=deep, stroke=16)
        line([(448, 200), (572, 200)], 14, deep)
        line([(510, 138), (510, 262)], 14, deep)
        circle(510, 200, 18, fill=deep)
        box(715, 320, 805, 380, deep, radius=16)
        line([(760, 380), (760, 420)], 30, deep)
        for x, y, radius in ((760, 480, 20), (760, 560, 15), (760, 625, 11)):
            circle(x, y, radius, fill=brand)
            polygon(
                [
                    (x - radius * 0.85, y - radius * 0.4),
                    (x + radius * 0.85, y - radius * 0.4),
                    (x, y - radius * 2.2),
                ],
                brand,
            )
        box(900, 300, 1130, 560, white, radius=18)
        for column in range(5):
            x = 925 + column * 42
            box(x, 322, x + 26, 538, mid, radius=13)
        line([(1015, 560), (1015, 610)], 22, brand)
    else:
        # A fuse board, a cable to a socket, a lightning bolt, a lit bulb.
        box(120, 150, 420, 560, white, radius=24)
        for row in range(3):
            for column in range(4):
                x, y = 160 + column * 62, 200 + row * 110
                up = (row + column) % 2 * 28
                box(x, y, x + 42, y + 80, mid, radius=8)
                box(x + 12, y + 14 + up, x + 30, y + 38 + up, deep, radius=4)
        curve = [
            (420 + t / 40 * 420, 470 + math.sin(t / 40 * math.pi) * 120 - t / 40 * 150)
            for t in range(41)
        ]
        line(curve, 26, brand)
        line([(270, 560), (270, 610)], 26, brand)
        circle(900, 320, 110, fill=white)
        circle(900, 320, 78, fill=mid)
        circle(868, 320, 14, fill=deep)
        circle(932, 320, 14, fill=deep)
        box(893, 236, 907, 262, deep, radius=4)
        box(893, 378, 907, 404, deep, radius=4)
        polygon(
            [
                (1040, 80),
                (960, 250),
                (1025, 250),
                (975, 420),
                (1110, 210),
                (1040, 210),
                (1090, 80),
            ],
            brand,
        )
        circle(600, 150, 52, fill=white, outline=brand, stroke=12)
        box(580, 198, 620, 240, deep, radius=6)
        for angle in (-50, -20, 20, 50):
            radians = math.radians(angle - 90)
            line(
                [
                    (600 + math.cos(radians) * 75, 150 + math.sin(radians) * 75),
                    (600 + math.cos(radians) * 100, 150 + math.sin(radians) * 100),
                ],
                8,
                brand,
            )
    return image.resize(size, PILImage.LANCZOS)


def _make_logo(company, collection):
    """A simple text logo on the brand colour, so each site is recognisable at a glance."""
    image = PILImage.new("RGB", (480, 128), company["brand_colour"])
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=52)
    draw.text((240, 64), company["company_name"], fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Image.objects.create(
        title=f"{company['company_name']} logo",
        collection=collection,
        file=ImageFile(buffer, name=f"logo-{company['key']}.png"),
    )


def submit_translation_permission():
    """wagtail-localize's "Can submit translations", made as its own migration makes it.

    It hangs off a content type with no model, so Django's post_migrate does not recreate it
    after a database flush (as tests that empty the database do); get_or_create does.
    """
    content_type, _created = ContentType.objects.get_or_create(
        app_label="wagtail_localize", model="translation"
    )
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type,
        codename="submit_translation",
        defaults={"name": "Can submit translations"},
    )
    return permission


def ensure_editor_group(name, site, collection):
    """A group that may edit, publish, translate and manage images only on ``site``.

    Page permissions sit on the site's root page, image and document permissions on the
    company's collection, and the settings permission is scoped to the site through
    ``GroupSitePermission``, so nothing here reaches the other company's site.
    """
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    # wagtail-localize's "Translate this page" and "Sync translated pages" ask only for this
    # global permission; home.localize (mounted over both views in cms/urls.py) adds the
    # page-level check, so it reaches no further than the page permissions below.
    group.permissions.add(submit_translation_permission())
    for root in site_roots(site):
        for codename in EDITOR_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    for app_label, codenames in (
        ("wagtailimages", EDITOR_IMAGE_PERMISSIONS),
        ("wagtaildocs", EDITOR_DOCUMENT_PERMISSIONS),
    ):
        for codename in codenames:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=collection,
                permission=Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                ),
            )
    # The site's settings: company details and the cookie banner's words, this site only.
    for model, codename in (
        (CompanySettings, "change_companysettings"),
        (CookieBannerSettings, "change_cookiebannersettings"),
    ):
        GroupSitePermission.objects.get_or_create(
            group=group,
            site=site,
            permission=Permission.objects.get(
                content_type=ContentType.objects.get_for_model(model), codename=codename
            ),
        )
    return group
