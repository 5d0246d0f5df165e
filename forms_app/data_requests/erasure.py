"""Erasure and objection requests (GDPR art. 17 and 21): delete a person's submissions.

Staff first see a preview (what will go, what is on legal hold and stays), with each
submission's name and email, a link to it and how many photos and internal notes go with it,
so they can check it is the right person; then they confirm. Photo rows and notes are deleted
with their submission (cascade); photo files go once the deletion has committed
(``forms_app.signals``). The audit trail records the counts per site, never the email or phone
that was searched for.
"""

from django.db import transaction
from django.db.models import Count
from django.template.response import TemplateResponse
from wagtail.admin import messages

from backups import ledger

from ..models import FormSubmission, StaffAction
from ..permissions import DELETE, require_any_site
from .forms import bound_form, person_submissions


def erasure_view(request):
    require_any_site(request.user, DELETE)
    form = bound_form(request)
    step = request.POST.get("step", "preview") if request.method == "POST" else "form"
    context = {"form": form, "step": "form", "not_found": False}
    if step != "form" and form.is_valid():
        if step == "confirm":
            try:
                context.update(erase(request.user, form), step="done")
            except ledger.LedgerUnavailable:
                # Nothing is erased unless the ledger has it: the transaction rolled back.
                messages.error(request, ledger.NOT_DELETED_MESSAGE)
        else:
            matches = (
                person_submissions(request.user, DELETE, form)
                .select_related("page", "site")
                .annotate(
                    photo_count=Count("photos", distinct=True),
                    note_count=Count("notes", distinct=True),
                )
                .order_by("submit_time", "pk")
            )
            to_delete = [s for s in matches if not s.legal_hold]
            held = [s for s in matches if s.legal_hold]
            if to_delete or held:
                context.update(step="preview", to_delete=to_delete, held=held)
            else:
                context["not_found"] = True
    return TemplateResponse(request, "forms_app/admin/erasure.html", context)


def erase(user, form):
    """Delete the person's submissions that are not on legal hold; their photos and internal
    notes go with them."""
    with transaction.atomic():
        matches = person_submissions(user, DELETE, form)
        ids = list(
            matches.filter(legal_hold=False).select_for_update().values_list("pk", flat=True)
        )
        held = list(
            matches.filter(legal_hold=True)
            .select_related("page", "site")
            .order_by("submit_time", "pk")
        )
        doomed = FormSubmission.objects.filter(pk__in=ids)
        if ids:
            StaffAction.record_per_site(StaffAction.Action.ERASURE, doomed, user=user)
        else:  # nothing deletable (nothing found, or all on hold): still on the record
            StaffAction.record(StaffAction.Action.ERASURE, user=user, count=0)
        # Django's delete cascades to the photo and note rows; forms_app.signals deletes their
        # files once this transaction has committed, and lists rows and files in the
        # erasure ledger (one object, written before the commit) so a restore cannot bring
        # them back.
        with ledger.recording(ledger.Reason.ERASURE):
            doomed.delete()
    return {"deleted_count": len(ids), "held": held}
