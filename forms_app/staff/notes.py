"""Casework on a submission: internal notes and an assignee.

Anyone who may read a submission may note on it and assign it (the same
:func:`forms_app.permissions.submissions_for` as the detail page; anyone else gets 404). A note
is deleted by its author (a superuser may delete any), after a confirmation page. Every change
is a POST, audited as a :class:`~forms_app.models.StaffAction` with its site and a count of 1,
never with the note's text or a name: notes are personal data and live only on the
submission (deleted with it, part of the person's access report unless withheld).
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin.utils import get_user_display_name

from ..models import StaffAction, SubmissionNote
from .casework import AssignForm, NoteForm, can_delete_note, changeable_submission, reference_for
from .inbox import detail


@require_POST
def add_note(request, pk):
    form = NoteForm(request.POST)
    with transaction.atomic():
        submission = changeable_submission(request, pk, lock=True)
        if not form.is_valid():
            return detail(request, pk, status=400, note_form=form)
        note = form.save(commit=False)
        note.submission = submission
        note.author = request.user
        note.author_name = get_user_display_name(request.user)[:150]
        note.save()
        StaffAction.record(
            StaffAction.Action.NOTE_ADDED, user=request.user, site=submission.site, count=1
        )
    messages.success(request, _("The note is added."))
    return redirect("henvendelser:detail", pk=pk)


def delete_note(request, pk, note_pk):
    """GET: ask to confirm; POST: delete. Only the author's own note (a superuser: any)."""
    submission = changeable_submission(request, pk)
    note = get_object_or_404(submission.notes, pk=note_pk)
    if not can_delete_note(request.user, note):
        messages.error(request, _("You can only delete your own notes."))
        return detail(request, pk, status=403)
    if request.method != "POST":
        return TemplateResponse(
            request,
            "forms_app/admin/notes_confirm_delete.html",
            {"submission": submission, "note": note, "reference": reference_for(submission)},
        )
    with transaction.atomic():
        deleted, _rows = SubmissionNote.objects.filter(pk=note.pk).delete()
        if deleted:
            StaffAction.record(
                StaffAction.Action.NOTE_DELETED, user=request.user, site=submission.site, count=1
            )
    messages.success(request, _("The note is deleted."))
    return redirect("henvendelser:detail", pk=pk)


@require_POST
def assign(request, pk):
    with transaction.atomic():
        submission = changeable_submission(request, pk, lock=True)
        form = AssignForm(request.POST, site=submission.site)
        if not form.is_valid():
            return detail(request, pk, status=400, assign_form=form)
        assignee = form.cleaned_data["assignee"]
        if submission.assignee_id != (assignee.pk if assignee else None):
            submission.assignee = assignee
            submission.save(update_fields=["assignee"])
            StaffAction.record(
                StaffAction.Action.ASSIGNED, user=request.user, site=submission.site, count=1
            )
    if assignee is None:
        messages.success(request, _("The submission is assigned to nobody."))
    else:
        messages.success(
            request,
            _("The submission is assigned to %(name)s.")
            % {"name": get_user_display_name(assignee)},
        )
    return redirect("henvendelser:detail", pk=pk)
