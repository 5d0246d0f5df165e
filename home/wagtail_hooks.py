"""Admin hooks of the company sites: page chooser isolation, translations behind their source,
login lockouts."""

from axes.models import AccessAttempt
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy

from .localize import behind_sources, editable_pages, translations_behind
from .lockouts import LockoutViewSet, SuperuserOnlyPolicy


def permitted_roots(user):
    """Pages the user holds any page permission on, plus their translations.

    An English translation of a site lives in its own tree (a sibling home page in locale
    "en"), so the translations of a permitted page count as permitted roots too.
    """
    pages = {perm.page for perm in PagePermissionPolicy().get_cached_permissions_for_user(user)}
    roots = {}
    for page in pages:
        for translation in page.get_translations(inclusive=True):
            roots[translation.pk] = translation
    return list(roots.values())


def visible_pages_query(roots):
    """Pages inside a permitted tree, and the ancestors needed to browse down to one."""
    query = Q(pk__in=[])
    ancestor_paths = set()
    for root in roots:
        query |= Q(path__startswith=root.path)
        ancestor_paths.update(
            root.path[:length] for length in range(Page.steplen, len(root.path), Page.steplen)
        )
    if ancestor_paths:
        query |= Q(path__in=ancestor_paths)
    return query


@hooks.register("construct_page_chooser_queryset")
def only_pages_on_permitted_sites(pages, request):
    """Keep the page chooser (browse and search) inside the sites the user may edit.

    Superusers see everything. Anyone else sees only pages within the trees they hold a
    page permission on (and the ancestors leading there). Browsing straight into another
    site by URL (``/admin/choose-page/<id>/``) is refused, since the chooser always shows
    the parent page's own title, which the queryset alone cannot hide.
    """
    user = request.user
    if user.is_superuser:
        return pages
    query = visible_pages_query(permitted_roots(user))
    match = request.resolver_match
    parent_id = match.kwargs.get("parent_page_id") if match else None
    if parent_id is not None and not Page.objects.filter(query, pk=parent_id).exists():
        raise PermissionDenied
    return pages.filter(query)


# Before wagtail-localize's own before_edit_page hook (order 0), which answers an English
# page's edit view with its translation editor: the warning must be queued before that renders.
@hooks.register("before_edit_page", order=-1)
def warn_when_translation_is_behind(request, page):
    """Tell the editor when a translation misses its source's latest published change.

    wagtail-localize copies a Danish page's content to its English translation only when
    someone runs "Sync translated pages"; until then English readers see the old text (and an
    English form lacks new fields). The warning shows on the Danish page and on its English
    translation, each time either is opened, until the sync is done.
    """
    if request.method != "GET":
        return None
    behind = translations_behind(page)
    if behind["source"] is not None:
        sync_url = reverse("wagtail_localize:update_translations", args=[behind["source"].pk])
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "This page was published after its translations were last synced, so "
                    "they do not show the change yet."
                ),
                sync_url,
                _("Sync translated pages"),
            ),
        )
    elif behind["translation"] is not None:
        source = behind["translation"]
        sync_url = reverse("wagtail_localize:update_translations", args=[source.pk])
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "The original of this translation was published after it was last synced, "
                    "so this translation does not show the change yet."
                ),
                sync_url,
                _("Sync translated pages"),
            ),
        )
    return None


class TranslationsBehindPanel(Component):
    """Dashboard panel: the user's own pages whose translations miss a published change.

    The page editor's warning only shows on a page someone opens; this lists them all, so a
    change made by a colleague (or ``import_policy``) is not forgotten in English.
    """

    name = "translations_behind"
    template_name = "home/admin/translations_behind.html"
    order = 90  # above Wagtail's own panels: a stale English policy misinforms visitors

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        pages = Page.objects.all() if user.is_superuser else editable_pages(user)
        sources = behind_sources(pages).select_related("locale")
        by_key = {
            (page.translation_key, page.locale_id): page
            for page in pages.filter(translation_key__in=[s.object_id for s in sources])
        }
        behind = [
            (source, by_key[source.object_id, source.locale_id])
            for source in sources
            if (source.object_id, source.locale_id) in by_key
        ]
        return {"behind": sorted(behind, key=lambda pair: pair[1].path)}


@hooks.register("construct_homepage_panels")
def add_translations_behind_panel(request, panels):
    panels.append(TranslationsBehindPanel())


@hooks.register("register_admin_viewset")
def register_login_lockouts():
    """Settings → Login lockouts: django-axes' failed logins, for superusers (home/lockouts.py)."""
    register_permission_policy(AccessAttempt, SuperuserOnlyPolicy(AccessAttempt))
    return LockoutViewSet("login_lockouts")
