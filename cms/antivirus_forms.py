"""Wagtail's document and image forms, with the file scanned by ClamAV before anything reads it.

``WAGTAILDOCS_DOCUMENT_FORM_BASE`` and ``WAGTAILIMAGES_IMAGE_FORM_BASE`` name these classes, so
every form Wagtail builds from them scans: add and edit (a replaced file), the chooser's upload
and the multiple uploader (whose upload form is the same ``get_document_form`` /
``get_image_form``; a file error there answers the upload with the message and keeps nothing,
not even an ``UploadedFile``). Forms without a file field (the multiple uploader's edit form)
are untouched.

The scan runs before the file field is cleaned: Wagtail's image field opens the image with
Willow to read its format and size, and no decoder should read a file the scanner has not
passed. A refused file is taken out of the form's files before cleaning, so nothing parses it,
and the file field then carries the refusal (``cms.antivirus.check_upload``'s message) in place
of whatever it said without a file.
"""

from django.core.exceptions import ValidationError
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm

from . import antivirus


class ScannedUploadMixin:
    antivirus_kind = None

    def full_clean(self):
        refusal = None
        key = self.add_prefix("file")
        upload = self.files.get(key) if self.is_bound and "file" in self.fields else None
        if upload:
            try:
                antivirus.check_upload(
                    upload,
                    self.antivirus_kind,
                    name=upload.name or "",
                    collection_id=self.data.get(self.add_prefix("collection")),
                )
            except ValidationError as error:
                refusal = error
                files = self.files.copy()
                files.pop(key)
                self.files = files
        super().full_clean()
        if refusal is not None:
            # Whatever the field said without its file ("required") gives way to the refusal;
            # add_error also drops the field from cleaned_data, so the form is invalid.
            self._errors.pop("file", None)
            self.add_error("file", refusal)


class ScannedDocumentForm(ScannedUploadMixin, BaseDocumentForm):
    antivirus_kind = antivirus.Upload.DOCUMENT


class ScannedImageForm(ScannedUploadMixin, BaseImageForm):
    antivirus_kind = antivirus.Upload.IMAGE
