"""What editors see of submissions in Wagtail's page admin: nothing, unless they may read them.

Editing a form page is not enough to read what visitors sent through it (the site's
``view_formsubmission``, :mod:`forms_app.permissions`, decides). So the ways into the
submissions that Wagtail offers beside the pages follow the same rule:

* the edit page's "Total submissions / Latest submission" panel:
  ``forms_app.models.pages.PermittedFormSubmissionsPanel``;
* Wagtail's "Forms" menu item: shown by Wagtail only when ``get_forms_for_user`` finds a form,
  which forms_app's ``filter_form_submissions_for_user`` hook limits to those sites;
* the page listing's "…" menu: the "Submissions" item below, on a form page whose submissions
  the user may read, and only there.

Every check is Wagtail's own ``get_forms_for_user`` (which the submissions list itself
applies), so a link is shown exactly when the page it leads to opens.
"""

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.contrib.forms.utils import get_forms_for_user

from .models import FormPage

# Remembered on the user object for the request: the listing asks once per row.
READABLE_FORMS_ATTRIBUTE = "_mih_readable_form_ids"


def readable_form_ids(user):
    """The ids of the form pages whose submissions ``user`` may open (one query per request)."""
    ids = getattr(user, READABLE_FORMS_ATTRIBUTE, None)
    if ids is None:
        ids = set(get_forms_for_user(user).values_list("pk", flat=True))
        setattr(user, READABLE_FORMS_ATTRIBUTE, ids)
    return ids


class SubmissionsListingButton(PageMenuItem):
    """The "Submissions" item in a form page's "…" menu in the page listing."""

    label = _("Submissions")
    icon_name = "mail"

    @cached_property
    def url(self):
        return reverse("wagtailforms:list_submissions", args=[self.page.pk])

    def is_shown(self, user):
        return self.page.pk in readable_form_ids(user)


@hooks.register("register_page_listing_more_buttons")
def submissions_listing_button(page, user, next_url=None):
    if issubclass(page.specific_class or type(page), FormPage):
        yield SubmissionsListingButton(page=page, priority=55)
