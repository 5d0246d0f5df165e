"""Every cookie the two sites may set: the one list the banner, the cookie settings page and
the privacy policy show, and the tests check every ``Set-Cookie`` against.

Categories: ``necessary`` ("Nødvendige", always on, no consent needed) and ``statistics``
("Statistik", only after the visitor opts in). A new cookie anywhere in the code must be added
here first; ``tests/cookie_consent/test_cookie_registry.py`` walks every public page in every
consent state and fails on a cookie this list does not name.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import cookie

NECESSARY = "necessary"
STATISTICS = "statistics"
CATEGORIES = {
    NECESSARY: _("Necessary"),
    STATISTICS: _("Statistics"),
}


@dataclass(frozen=True)
class CookieInfo:
    name: str
    category: str
    purpose: str
    lifetime: str
    set_when: str

    @property
    def category_label(self):
        return CATEGORIES[self.category]


def cookies():
    """The cookies, necessary ones first (names from the settings where they are set)."""
    return [
        CookieInfo(
            name=cookie.CONSENT_COOKIE,
            category=NECESSARY,
            purpose=_(
                "Remembers your cookie choice and its consent id, so we do not ask again on "
                "every page."
            ),
            lifetime=_("12 months"),
            set_when=_("When you make a choice in the cookie banner or under Cookie settings."),
        ),
        CookieInfo(
            name=settings.CSRF_COOKIE_NAME,
            category=NECESSARY,
            purpose=_("Protects the forms against submissions forged by other websites."),
            lifetime=_("Until you close the browser"),
            set_when=_("When you open a page with a form."),
        ),
        CookieInfo(
            name=settings.SESSION_COOKIE_NAME,
            category=NECESSARY,
            purpose=_("Keeps our staff logged in to the administration."),
            lifetime=_("Until the browser is closed, at most 9 hours without activity"),
            set_when=_("Only when an employee logs in; never for visitors."),
        ),
        CookieInfo(
            name=getattr(settings, "MESSAGE_COOKIE_NAME", "messages"),
            category=NECESSARY,
            purpose=_("Carries a confirmation message to the next page in the administration."),
            lifetime=_("Until you close the browser"),
            set_when=_("Only in the administration, for logged-in employees."),
        ),
        CookieInfo(
            name="wagtail_sidebar_collapsed",
            category=NECESSARY,
            purpose=_("Remembers whether the administration's side menu is folded in."),
            lifetime=_("Until you close the browser"),
            set_when=_("Only in the administration, for logged-in employees."),
        ),
        CookieInfo(
            name=cookie.VISITOR_COOKIE,
            category=STATISTICS,
            purpose=_(
                "A random number that lets us count visits and returning visitors. It is not "
                "shared with anyone."
            ),
            lifetime=_("12 months"),
            set_when=_("Only when you have chosen Statistics."),
        ),
    ]


def names(categories=(NECESSARY, STATISTICS)):
    """The cookie names of the given categories."""
    return {item.name for item in cookies() if item.category in categories}


def by_category():
    """``[(category key, label, [CookieInfo…])]`` in the order shown to visitors."""
    items = cookies()
    return [
        (key, label, [item for item in items if item.category == key])
        for key, label in CATEGORIES.items()
    ]
