"""Wagtail's own per-form submissions views, adapted through their override points.

* :class:`SubmissionsListView` (``FormPage.get_submissions_list_view_class``): the listing
  shows our proof columns; its export buttons, and any ``?export=`` URL, lead to the inbox
  export filtered by that form, so there is one export pipeline (columns, formula
  neutralisation, permission and audit) however staff start it.
* :class:`GuardedDeleteSubmissionsView` (mounted over Wagtail's delete URL in ``cms/urls.py``):
  needs the delete permission on the site, never deletes a submission on legal hold, and
  audits what it deleted. A page that is not a form, or a selection that is not a list of
  submission ids, is answered with a message rather than an error page.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from wagtail.admin import messages
from wagtail.contrib.forms.utils import get_form_types
from wagtail.contrib.forms.views import DeleteSubmissionsView
from wagtail.contrib.forms.views import SubmissionsListView as WagtailSubmissionsListView
from wagtail.models import Page

from backups import ledger

from ..models import StaffAction
from ..permissions import DELETE, EXPORT, user_can

# Wagtail's listing filter → the inbox filter of the same meaning.
DATE_FILTERS = {"date_after": "submitted_from", "date_before": "submitted_to"}


class SubmissionsListView(WagtailSubmissionsListView):
    """Wagtail's per-form listing, with its export handed to the inbox export."""

    def render_to_response(self, context, **response_kwargs):
        # Reached after Wagtail's own check that the user may list this form's submissions.
        if self.is_export:
            return HttpResponseRedirect(self.get_export_url(self.request.GET["export"]))
        return super().render_to_response(context, **response_kwargs)

    def get_base_queryset(self):
        # The proof columns read the policy and the photos of every row on the page.
        return super().get_base_queryset().select_related("policy_page").prefetch_related("photos")

    @cached_property
    def show_export_buttons(self):
        return user_can(self.request.user, EXPORT, self.form_page.get_site())

    def get_export_url(self, format):
        """The inbox export of this form's submissions, with the listing's date filter."""
        params = {"page": self.form_page.pk, "format": format}
        for ours, theirs in DATE_FILTERS.items():
            if self.request.GET.get(ours):
                params[theirs] = self.request.GET[ours]
        return f"{reverse('henvendelser:export')}?{urlencode(params)}"


class GuardedDeleteSubmissionsView(DeleteSubmissionsView):
    """Wagtail's "delete submissions", for users with the delete permission on the site.

    Wagtail checks edit permission on the form page; deleting what visitors sent is a
    customer-service decision, so ``delete_formsubmission`` on the site is needed too. The
    confirmation says how many of the chosen submissions a legal hold keeps.
    """

    template_name = "forms_app/admin/confirm_delete_submissions.html"

    def dispatch(self, request, *args, **kwargs):
        # Wagtail's view would answer a non-form page with "no permission", and a selection
        # such as "abc" with a 500 (the id lookup raises ValueError).
        page_id = kwargs["page_id"]
        if not Page.objects.filter(pk=page_id, content_type__in=get_form_types()).exists():
            messages.error(request, gettext("This page is not a form; it has no submissions."))
            return redirect("wagtailforms:index")
        selected = request.GET.getlist("selected-submissions")
        if not all(value.isascii() and value.isdigit() for value in selected):
            messages.error(request, gettext("The selected submissions could not be found."))
            return redirect("wagtailforms:list_submissions", page_id)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        if not user_can(self.request.user, DELETE, self.page.get_site()):
            raise PermissionDenied
        selected = super().get_queryset()
        self.held_count = selected.filter(legal_hold=True).count()
        return selected.filter(legal_hold=False)

    def handle_delete(self, submissions):
        count = submissions.count()
        # One transaction, and one erasure-ledger object written before it commits: nothing
        # is deleted that a restored backup could bring back (backups.ledger). Wagtail's own
        # handle_delete would say "deleted" before we know the ledger has it.
        try:
            with transaction.atomic(), ledger.recording(ledger.Reason.STAFF_DELETE):
                submissions.delete()
                if count:
                    StaffAction.record(
                        StaffAction.Action.ERASURE,
                        user=self.request.user,
                        site=self.page.get_site(),
                        count=count,
                        detail="admin",
                    )
        except ledger.LedgerUnavailable:
            messages.error(self.request, ledger.NOT_DELETED_MESSAGE)
            return
        messages.success(
            self.request,
            ngettext(
                "One submission has been deleted.",
                "%(count)d submissions have been deleted.",
                count,
            )
            % {"count": count},
        )
        if self.held_count:
            messages.warning(
                self.request,
                ngettext(
                    "One submission is on legal hold and was not deleted.",
                    "%(count)d submissions are on legal hold and were not deleted.",
                    self.held_count,
                )
                % {"count": self.held_count},
            )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["held_count"] = self.held_count
        return context
