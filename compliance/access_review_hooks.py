"""Access review admin hooks: Reports → Access review, its URLs and its log action."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from .access_review import LOG_ACTION
from .access_review_views import (
    INDEX_URL_NAME,
    SITE_URL_NAME,
    AccessReviewIndexView,
    AccessReviewSiteView,
    permission_policy,
)


@hooks.register("register_admin_urls")
def register_access_review_urls():
    return [
        path("adgangsgennemgang/", AccessReviewIndexView.as_view(), name=INDEX_URL_NAME),
        path("adgangsgennemgang/<int:pk>/", AccessReviewSiteView.as_view(), name=SITE_URL_NAME),
    ]


class AccessReviewMenuItem(MenuItem):
    def is_shown(self, request):
        return permission_policy.user_has_permission(request.user, "view")


@hooks.register("register_reports_menu_item")
def register_access_review_menu_item():
    return AccessReviewMenuItem(
        _("Access review"),
        reverse(INDEX_URL_NAME),
        name="access-review",
        icon_name="key",
        order=1300,
    )


@hooks.register("register_log_actions")
def register_access_review_log_action(actions):
    @actions.register_action(LOG_ACTION)
    class SignedOff(LogFormatter):
        label = _("Sign off access review")

        def format_message(self, log_entry):
            try:
                return _("Signed off the access review of %(site)s") % {
                    "site": log_entry.data["site_name"]
                }
            except (KeyError, TypeError):
                return _("Signed off an access review")
