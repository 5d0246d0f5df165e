"""The factories make what the product makes, so staff-side tests built on them stay honest."""

from pathlib import Path

import pytest
from django.forms.models import model_to_dict
from PIL import Image

from forms_app.models import FormSubmission
from tests.factories import PASSWORD, VVS_EDITORS, VVS_STAFF, FormSubmissionFactory, UserFactory
from tests.forms_app.conftest import photo_bytes, private_files, upload

pytestmark = pytest.mark.django_db

# What differs between any two submissions: their id and when they arrived.
UNIQUE = {"id", "submit_time", "consent_given_at", "status_changed_at"}


def test_submission_is_what_intake_stores(post_quote, quote_data, quote_page):
    photo = upload("bad.jpg", photo_bytes("JPEG"))
    assert post_quote(quote_data, {"billeder_af_installationen": [photo]}).status_code == 302
    posted = FormSubmission.objects.get()
    made = FormSubmissionFactory(answers={"e_mail": "Mette.Hansen@Example.DK"}, with_photo=True)

    def fields(submission):
        return {k: v for k, v in model_to_dict(submission).items() if k not in UNIQUE}

    assert made.page.specific == quote_page
    assert fields(made) == fields(posted)
    assert made.search_key == posted.search_key
    [posted_photo], [made_photo] = posted.photos.all(), made.photos.all()
    assert made_photo.field_name == posted_photo.field_name
    assert (made_photo.content_type, made_photo.extension) == ("image/jpeg", "jpg")
    # A real image, in the private storage under a name like intake's.
    assert made_photo.file.name.startswith("submissions/")
    assert Path(made_photo.file.path) in private_files()
    with Image.open(made_photo.file.path) as image:
        assert (image.format, image.size) == ("JPEG", (made_photo.width, made_photo.height))
    assert made_photo.size == Path(made_photo.file.path).stat().st_size


def test_user_groups_password_and_superuser(sites):
    staff = UserFactory(groups=[VVS_STAFF, VVS_EDITORS])
    assert sorted(staff.groups.values_list("name", flat=True)) == sorted([VVS_STAFF, VVS_EDITORS])
    assert staff.check_password(PASSWORD) and not staff.is_superuser
    root = UserFactory(superuser=True, password="andet")
    assert root.is_superuser and root.is_staff and root.check_password("andet")
