"""The app's models, one module per concern, re-exported here (Django finds them by this name).

* :mod:`.pages`: form pages and their editor-defined fields;
* :mod:`.submissions`: what visitors sent, with consent proof, retention metadata and photos;
* :mod:`.audit`: the staff actions trail;
* :mod:`.antivirus`: infected uploads the virus scanner refused, counted for the owner.
"""

from ..retention import RetentionPeriod, SubmissionStatus
from .antivirus import VirusDetection
from .audit import StaffAction
from .pages import AutofillChoice, FormField, FormPage
from .submissions import (
    FormSubmission,
    FormSubmissionQuerySet,
    LegalBasis,
    LegalHoldCategory,
    SubmissionNote,
    SubmissionPhoto,
)

__all__ = [
    "AutofillChoice",
    "FormField",
    "FormPage",
    "FormSubmission",
    "FormSubmissionQuerySet",
    "LegalBasis",
    "LegalHoldCategory",
    "RetentionPeriod",
    "StaffAction",
    "SubmissionNote",
    "SubmissionPhoto",
    "SubmissionStatus",
    "VirusDetection",
]
