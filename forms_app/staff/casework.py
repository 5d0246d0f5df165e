"""The forms and checks of casework on a submission (notes, assignee), shared by the detail
page (:mod:`.inbox`) and the views that change them (:mod:`.notes`)."""

from django import forms
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from wagtail.admin.utils import get_user_display_name

from home.models import CompanySettings

from ..intake.thanks import reference_number
from ..models import SubmissionNote
from ..permissions import CHANGE, submissions_for
from .queries import users_for_site

NOTE_MAX_LENGTH = SubmissionNote._meta.get_field("text").max_length


class NoteForm(forms.ModelForm):
    class Meta:
        model = SubmissionNote
        fields = ["text", "shown_to_person"]
        labels = {"text": gettext_lazy("Note")}
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_MAX_LENGTH})}
        error_messages = {"text": {"required": gettext_lazy("Write the note before adding it.")}}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return get_user_display_name(obj)


class AssignForm(forms.Form):
    """Who handles the submission: a colleague who may read its site's submissions, or
    nobody."""

    assignee = UserChoiceField(
        label=gettext_lazy("Assignee"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Nobody"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose someone who may read this site's submissions, or nobody."
            )
        },
    )

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = users_for_site(site)


def changeable_submission(request, pk, *, lock=False):
    """The submission ``pk`` if the user may change it (notes and the assignee are changes to
    personal data: the same permission as status and legal hold), else 404; locked for update
    if asked. A user who may only read it sees the notes and assignee, without the forms."""
    queryset = submissions_for(request.user, CHANGE).select_related("site")
    if lock:
        queryset = queryset.select_for_update()
    return get_object_or_404(queryset, pk=pk)


def reference_for(submission):
    """The submission's reference number ("VVS-2026-00042"), as the visitor was given it."""
    return reference_number(submission, CompanySettings.for_site(submission.site).company_name)


def can_delete_note(user, note):
    return user.is_superuser or (note.author_id is not None and note.author_id == user.pk)
