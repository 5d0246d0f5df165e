"""Test data built in the database directly: users, pages, and submissions as intake stores them.

``FormSubmissionFactory`` lets staff-side tests skip the public form. Tests about intake
itself (validation, photo cleaning, consent proof) still post the form like a browser does
(``post_quote`` in tests/forms_app/conftest.py).
"""

import io
import uuid

import factory
import wagtail_factories
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from wagtail.models import Site

from forms_app.intake.consent import proof_fields
from forms_app.intake.store import identity
from forms_app.models import FormPage, FormSubmission, SubmissionPhoto
from forms_app.retention import SubmissionStatus, retention_for
from home.models import PrivacyPolicyPage

# The groups setup_sites makes for each company.
VVS_STAFF = "MIH VVS kundeservice"
EL_STAFF = "MIH El kundeservice"
VVS_EDITORS = "MIH VVS redaktører"

PASSWORD = "kodeord-til-test"


class UserFactory(factory.django.DjangoModelFactory):
    """A user who can log in with :data:`PASSWORD`.

    ``UserFactory(groups=[VVS_STAFF])`` puts them in groups (by name); ``superuser=True``
    makes a superuser.
    """

    username = factory.Sequence(lambda n: f"bruger-{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.dk")
    password = factory.django.Password(PASSWORD)

    class Meta:
        model = settings.AUTH_USER_MODEL
        skip_postgeneration_save = True

    class Params:
        superuser = factory.Trait(is_staff=True, is_superuser=True)

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            self.groups.add(*(Group.objects.get(name=name) for name in names))


class PrivacyPolicyPageFactory(wagtail_factories.PageFactory):
    title = "Persondatapolitik"
    intro = "<p>Sådan behandler vi dine oplysninger.</p>"

    class Meta:
        model = PrivacyPolicyPage


class FormPageFactory(wagtail_factories.PageFactory):
    """A form page without fields; pass ``parent`` (e.g. a site's root page) to create one."""

    title = "Formular"
    consent_text = "Jeg giver samtykke."
    retention_period = 6

    class Meta:
        model = FormPage


def vvs_quote_page():
    """The MIH VVS "tilbud" form page that setup_sites makes."""
    site = Site.objects.get(root_page__slug="mihvvs")
    return FormPage.objects.descendant_of(site.root_page).get(slug="tilbud")


# What a visitor typed, by field name, for the demo forms' fields (other fields stay empty).
ANSWERS = {
    "navn": "Mette Hansen",
    "adresse": "Søndergade 12, 2. th.",
    "postnummer": "4000",
    "telefon": "12 34 56 78",
    "e_mail": "mette.hansen@example.dk",
    "beskrivelse_af_opgaven": "Utæt blandingsbatteri på badeværelset.",
    "besked": "Kan I ringe mig op?",
}


def answers_for(page, answers):
    """``form_data`` as intake stores it: every field of ``page`` except photo fields."""
    data = {
        field.clean_name: ANSWERS.get(field.clean_name, "")
        for field in page.get_form_fields()
        if field.field_type != "photos"
    }
    return {**data, **answers}


def image_bytes(width, height, image_format="JPEG", colour=(200, 80, 40)):
    """A real image without metadata, like the cleaned photos intake stores."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format=image_format)
    return buffer.getvalue()


class SubmissionPhotoFactory(factory.django.DjangoModelFactory):
    """A stored photo: a real image of ``width`` × ``height`` in the private storage, a JPEG
    unless ``image_format="PNG"`` (or ``"WEBP"``)."""

    submission = factory.SubFactory("tests.factories.FormSubmissionFactory")
    field_name = factory.LazyAttribute(
        lambda photo: next(
            field.clean_name
            for field in photo.submission.page.specific.get_form_fields()
            if field.field_type == "photos"
        )
    )
    original_name = factory.LazyAttribute(lambda photo: f"bad.{photo.extension}")
    content_type = factory.LazyAttribute(lambda photo: f"image/{photo.image_format.lower()}")
    width = 320
    height = 200
    file = factory.LazyAttribute(
        lambda photo: ContentFile(
            image_bytes(photo.width, photo.height, photo.image_format),
            name=f"photo.{photo.extension}",
        )
    )
    size = factory.LazyAttribute(lambda photo: photo.file.size)
    key = factory.LazyFunction(uuid.uuid4)

    class Meta:
        model = SubmissionPhoto

    class Params:
        image_format = "JPEG"
        extension = factory.LazyAttribute(
            lambda photo: {"JPEG": "jpg"}.get(photo.image_format, photo.image_format.lower())
        )


class FormSubmissionFactory(factory.django.DjangoModelFactory):
    """A submission as intake stores it, received now (use freezegun for another time).

    ``answers`` overrides what the visitor typed (``{"navn": "Jens Ølgaard"}``); name, email
    and phone are derived from the answers as intake derives them, and the consent proof and
    retention date come from the same code intake uses. ``with_photo=True`` adds one photo.
    By default the submission is to the MIH VVS quote form.
    """

    page = factory.LazyFunction(vvs_quote_page)
    site = factory.LazyAttribute(lambda submission: submission.page.get_site())
    form_data = factory.LazyAttribute(
        lambda submission: answers_for(submission.page, submission.answers)
    )
    name = factory.LazyAttribute(lambda submission: submission.identity[0])
    email = factory.LazyAttribute(lambda submission: submission.identity[1])
    phone = factory.LazyAttribute(lambda submission: submission.identity[2])
    consent_given_at = factory.LazyAttribute(lambda submission: submission.now)
    consent_text = factory.LazyAttribute(lambda submission: submission.proof["consent_text"])
    consent_language = factory.LazyAttribute(
        lambda submission: submission.proof["consent_language"]
    )
    legal_basis = factory.LazyAttribute(lambda submission: submission.proof["legal_basis"])
    policy_page = factory.LazyAttribute(lambda submission: submission.proof["policy_page"])
    policy_revision_id = factory.LazyAttribute(
        lambda submission: submission.proof["policy_revision_id"]
    )
    form_revision_id = factory.LazyAttribute(
        lambda submission: submission.proof["form_revision_id"]
    )
    status = SubmissionStatus.NEW
    status_changed_at = factory.LazyAttribute(lambda submission: submission.now)
    retain_until = factory.LazyAttribute(lambda submission: submission.retention[0])
    retention_reason = factory.LazyAttribute(lambda submission: submission.retention[1])

    class Meta:
        model = FormSubmission
        skip_postgeneration_save = True

    class Params:
        answers = factory.Dict({})
        now = factory.LazyFunction(timezone.now)
        identity = factory.LazyAttribute(
            lambda submission: identity(submission.page, submission.form_data)
        )
        proof = factory.LazyAttribute(
            lambda submission: proof_fields(submission.page, submission.now)
        )
        retention = factory.LazyAttribute(
            lambda submission: retention_for(
                submission.page,
                submission.status,
                received=submission.now,
                changed=submission.now,
            )
        )
        with_photo = factory.Trait(
            photo=factory.RelatedFactory(SubmissionPhotoFactory, factory_related_name="submission")
        )
