from django.core.exceptions import PermissionDenied
from django.db.models import Q
from wagtail import hooks
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy


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
