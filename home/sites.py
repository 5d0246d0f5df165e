"""A site's pages in every language.

A site's English tree is not below its Danish home page: wagtail-localize puts the English
home page beside it, under the tree root, and Wagtail serves the tree of the active language
from the same ``Site``. Anything scoped to a site (permissions, the submissions hook, the
language switcher) must therefore look at every translation of the site's root.

Imports nothing from the project, so any app (``forms_app`` included) can use it without an
import cycle.
"""


def site_roots(site):
    """The root page of ``site`` in every language, itself included, as a ``Page`` queryset."""
    return site.root_page.get_translations(inclusive=True)
