"""wagtail-localize's translation views, kept to the sites an editor may edit.

wagtail-localize lets anyone holding the global ``wagtail_localize.submit_translation``
permission open "Translate this page" (``SubmitPageTranslationView``) and "Sync translated
pages" (``UpdateTranslationsView``) for *any* page: neither view asks for a page permission,
and the sync writes (and may publish) every translation of the source. Company editors need
that global permission for the buttons to appear, so ``cms/urls.py`` mounts these subclasses
over wagtail-localize's two URLs, and they add the page-level check wagtail-localize lacks:
the user must be able to edit the source page and every page the view would write to.

The translation editor itself (the English page's edit view, string edits, preview, stop)
already checks edit permission on the translated page, so it needs nothing here.

Its "Translations" report (Reports → Translations) lists every translation to every admin
user; ``GuardedTranslationsReportView`` lists only those of pages in the user's own trees, so
an editor does not see the other company's page titles there.

``translations_behind`` answers "which translations miss the source's latest published
change?" for the warnings in ``home.wagtail_hooks``.
"""

from django.db.models import Exists, F, OuterRef, Q
from wagtail.admin.auth import permission_denied
from wagtail.models import Locale, Page
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail_localize.models import Translation, TranslationSource
from wagtail_localize.views.report import TranslationsReportView
from wagtail_localize.views.submit_translations import SubmitPageTranslationView
from wagtail_localize.views.update_translations import UpdateTranslationsView


def _can_edit_all(user, pages):
    return all(page.permissions_for_user(user).can_edit() for page in pages)


def user_may_translate(user, page):
    """May ``user`` create translations of ``page``?

    wagtail-localize creates the new page below its parent's translation in the target
    language, creating missing ancestors' translations the same way, up to the company's
    home page. So the user must be able to edit the page and its existing translations and
    to add pages below every translation of every ancestor, and the home page must already
    exist in every language (setup_sites translates it): a new home page would go under the
    tree root, which is no one's but a superuser's.
    """
    if user.is_superuser:
        return True
    ancestors = list(page.get_ancestors().filter(depth__gt=1))
    languages = Locale.objects.count()
    if not ancestors or ancestors[0].get_translations(inclusive=True).count() < languages:
        return False
    return _can_edit_all(user, page.get_translations(inclusive=True)) and all(
        translation.permissions_for_user(user).can_add_subpage()
        for ancestor in ancestors
        for translation in ancestor.get_translations(inclusive=True)
    )


def user_may_sync(user, source, *, publish):
    """May ``user`` sync (and, if ``publish``, publish) the translations of ``source``?"""
    if user.is_superuser:
        return True
    page = source.get_source_instance()
    # Only pages are translated on these sites; snippet sources stay a superuser's.
    if not isinstance(page, Page):
        return False
    targets = [
        translation.get_target_instance()
        for translation in source.translations.filter(enabled=True).select_related("target_locale")
    ]
    if not _can_edit_all(user, [page, *targets]):
        return False
    return not publish or all(
        target.permissions_for_user(user).can_publish() for target in targets
    )


class GuardedSubmitPageTranslationView(SubmitPageTranslationView):
    """wagtail-localize's "Translate this page", for pages the user may translate only."""

    def dispatch(self, request, *args, **kwargs):
        page = Page.objects.filter(pk=kwargs["page_id"]).first()
        if page is not None and not user_may_translate(request.user, page):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)


class GuardedUpdateTranslationsView(UpdateTranslationsView):
    """wagtail-localize's "Sync translated pages", for the user's own site's pages only."""

    def dispatch(self, request, *args, **kwargs):
        source = TranslationSource.objects.filter(pk=kwargs["translation_source_id"]).first()
        publish = request.method == "POST" and bool(request.POST.get("publish_translations"))
        if source is not None and not user_may_sync(request.user, source, publish=publish):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)


def editable_pages(user):
    """The pages in the trees the user holds page permissions on (every language of them)."""
    query = Q(pk__in=[])
    for permission in PagePermissionPolicy().get_cached_permissions_for_user(user):
        for root in permission.page.get_translations(inclusive=True):
            query |= Q(path__startswith=root.path)
    return Page.objects.filter(query)


class GuardedTranslationsReportView(TranslationsReportView):
    """wagtail-localize's translations report, limited to the user's own site's pages."""

    def get_queryset(self):
        translations = super().get_queryset()
        if self.request.user.is_superuser:
            return translations
        keys = editable_pages(self.request.user).values("translation_key")
        translations = translations.filter(source__object_id__in=keys)
        # A stable order for the report's pagination (wagtail-localize's queryset has none).
        return translations if translations.ordered else translations.order_by("-pk")


def behind_sources(pages):
    """The translation sources of ``pages`` (Danish originals) that changed since last synced.

    A source is behind when its page was published after wagtail-localize last extracted its
    content (``TranslationSource.last_updated_at``, set by "Sync translated pages"); its
    translations then miss that change until someone syncs. Only sources with an enabled
    translation count.
    """
    page_ids = pages.values("translation_key")
    return (
        TranslationSource.objects.filter(object_id__in=page_ids)
        .annotate(
            published_at=Page.objects.filter(
                translation_key=OuterRef("object_id"), locale_id=OuterRef("locale_id")
            ).values("last_published_at")[:1]
        )
        .filter(
            published_at__gt=F("last_updated_at"),
            translations__enabled=True,
        )
        .distinct()
    )


def translations_behind(page):
    """Is ``page`` a source whose translations are behind, or a translation that is behind?"""
    sources = behind_sources(Page.objects.filter(pk=page.pk))
    is_translation = Exists(
        Translation.objects.filter(
            source_id=OuterRef("pk"), target_locale_id=page.locale_id, enabled=True
        )
    )
    return {
        "source": sources.filter(locale_id=page.locale_id).first(),
        "translation": sources.exclude(locale_id=page.locale_id).filter(is_translation).first(),
    }
