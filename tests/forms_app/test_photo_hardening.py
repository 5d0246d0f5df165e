"""Visitors' photos: no image makes a 500, a request's cost is bounded, only pixels are kept."""

import io
import random
import struct

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageCms

from forms_app.intake import photos as intake_photos
from forms_app.intake.photos import PhotoLimits, process_photo, process_photos
from forms_app.models import SubmissionPhoto
from forms_app.storage import thumbnail_name
from tests.factories import FormSubmissionFactory, SubmissionPhotoFactory
from tests.forms_app.conftest import photo_bytes, private_files, upload
from tests.forms_app.test_submissions import assert_nothing_stored

pytestmark = pytest.mark.django_db

PHOTOS = "billeder_af_installationen"
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
CONTENT_TYPES["HEIF"] = "image/heic"


def image_bytes(fmt, size, colour=(200, 80, 40), mode="RGB", **options):
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def assert_refused(response, message):
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert_nothing_stored()


# No 500 from any image --------------------------------------------------------------------

# Not a TIFF header: Pillow's EXIF parser raises SyntaxError, which exif_transpose let escape.
MALFORMED_EXIF = b"Exif\x00\x00XX\x00*\x00\x00\x00\x08"


@pytest.mark.parametrize("fmt", ["WEBP", "HEIF", "PNG"])
def test_malformed_exif_is_a_form_error_not_a_500(fmt, post_quote, quote_data):
    data = image_bytes(fmt, (64, 48), exif=MALFORMED_EXIF)
    response = post_quote(quote_data, {PHOTOS: [upload("skaev.img", data, CONTENT_TYPES[fmt])]})
    assert_refused(response, "“skaev.img” er ikke et billede, vi kan læse")


def mutate(rng, data):
    """Flip, delete or insert a few bytes: what a fuzzer does to a file."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        operation = rng.random()
        at = rng.randrange(len(data))
        if operation < 0.6:
            data[at] = rng.randrange(256)
        elif operation < 0.8:
            del data[at : at + rng.randint(1, 16)]
        else:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


# Pillow warns about the broken EXIF blocks the mutations make; that is the point here.
@pytest.mark.filterwarnings("ignore:Tag data larger than file:UserWarning")
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
@pytest.mark.filterwarnings("ignore:Truncated File Read:UserWarning")
def test_fuzzed_photos_never_raise_anything_but_a_form_error(settings):
    """400 seeded mutations of small JPEG, PNG, WebP and HEIC files (with EXIF and GPS). The
    seed reproduces, among others, pillow_heif's EOFError and EXIF's SyntaxError, which both
    escaped as 500s before."""
    limits = PhotoLimits.from_settings()
    originals = {fmt: photo_bytes(fmt, size=(48, 32)) for fmt in ("JPEG", "PNG", "WEBP", "HEIF")}
    rng = random.Random(3)  # noqa: S311 - a reproducible fuzzer, not cryptography
    outcomes = {"stored": 0, "not_an_image": 0}
    for number in range(400):
        fmt = list(originals)[number % 4]
        data = mutate(rng, originals[fmt])
        try:
            photo = process_photo(upload(f"{number}.jpg", data), limits)
        except ValidationError as error:
            assert error.code in ("not_an_image", "too_many_pixels"), (number, fmt, error)
            outcomes[error.code] = outcomes.get(error.code, 0) + 1
        else:
            with Image.open(io.BytesIO(photo.content)) as stored:
                stored.load()
                assert stored.size == (photo.width, photo.height)
            outcomes["stored"] += 1
    # Both branches are exercised: some mutations still decode, many do not.
    assert outcomes["stored"] > 50 and outcomes["not_an_image"] > 50, outcomes


# Bounded cost per request -----------------------------------------------------------------


def test_large_jpeg_is_decoded_reduced_and_stored_at_the_capped_edge(post_quote, quote_data):
    """An 8000 x 6000 (48 MP) phone JPEG is accepted, decoded at half size (draft) and stored
    4000 x 3000, within FORMS_PHOTO_MAX_EDGE (4096)."""
    data = image_bytes("JPEG", (8000, 6000), quality=70)
    response = post_quote(quote_data, {PHOTOS: [upload("stor.jpg", data)]})
    assert response.status_code == 302
    photo = SubmissionPhoto.objects.get()
    assert (photo.width, photo.height) == (4000, 3000)
    opened = intake_photos.open_photo(upload("stor.jpg", data), PhotoLimits.from_settings())
    assert opened.cost == 4000 * 3000  # what the budget counts: the reduced decode


def test_png_is_scaled_to_the_capped_long_edge(post_quote, quote_data):
    data = image_bytes("PNG", (5000, 2000))
    response = post_quote(quote_data, {PHOTOS: [upload("bred.png", data, "image/png")]})
    assert response.status_code == 302
    photo = SubmissionPhoto.objects.get()
    assert (photo.width, photo.height) == (4096, 1638)


@override_settings(FORMS_PHOTO_MAX_EDGE=300)
def test_heif_is_scaled_in_strips_without_seams(post_quote, quote_data, monkeypatch):
    """HEIF goes from libheif's buffer into the stored size in strips: the result matches
    scaling the whole image at once."""
    monkeypatch.setattr(intake_photos, "HEIF_STRIP_ROWS", 16)  # many strips on a small photo
    gradient = Image.linear_gradient("L").resize((600, 400))
    source = Image.merge(
        "RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180), gradient)
    )
    buffer = io.BytesIO()
    source.save(buffer, format="HEIF", quality=95)
    response = post_quote(
        quote_data, {PHOTOS: [upload("IMG_1.HEIC", buffer.getvalue(), "image/heic")]}
    )
    assert response.status_code == 302
    photo = SubmissionPhoto.objects.get()
    assert (photo.width, photo.height, photo.content_type) == (300, 200, "image/jpeg")
    with Image.open(io.BytesIO(buffer.getvalue())) as decoded:
        expected = decoded.convert("RGB").resize((300, 200), Image.Resampling.BICUBIC)
    with photo.file.open("rb") as handle, Image.open(handle) as stored:
        stored = stored.convert("RGB")
        worst = max(
            abs(a - b)
            for y in range(0, 200, 7)
            for x in range(0, 300, 7)
            for a, b in zip(stored.getpixel((x, y)), expected.getpixel((x, y)), strict=True)
        )
    assert worst <= 12  # JPEG's own error; a seam between strips would be far off


@override_settings(FORMS_PHOTO_MAX_PIXELS_PNG_WEBP=12_600_000)
def test_webp_beyond_its_own_pixel_limit_is_refused(post_quote, quote_data):
    """Pillow needs about 16 bytes a pixel to decode WebP: 4000 x 4000 is refused before any
    pixel is decoded, though it is far below the 50 MP a JPEG or HEIC may have."""
    data = image_bytes("WEBP", (4000, 4000))
    assert len(data) < 50_000
    response = post_quote(quote_data, {PHOTOS: [upload("flad.webp", data, "image/webp")]})
    assert_refused(response, "Billedet “flad.webp” har for mange pixels")


@override_settings(FORMS_PHOTO_MAX_TOTAL_PIXELS=10_000_000)
def test_the_pixel_budget_of_a_request_is_checked_before_decoding(post_quote, quote_data):
    """Three 1500 x 1500 PNG (2.25 MP, counted twice as PNG): 13.5 M > 10 M, all refused."""
    files = [upload(f"{n}.png", image_bytes("PNG", (1500, 1500)), "image/png") for n in range(3)]
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            process_photos(files, PhotoLimits.from_settings())
        [error] = refused.value.error_list
        assert error.code == "photos_too_many_pixels"
        assert error.message == (
            "The photos have too many pixels together. Send fewer or smaller photos."
        )
    files = [upload(f"{n}.png", image_bytes("PNG", (1500, 1500)), "image/png") for n in range(3)]
    response = post_quote(quote_data, {PHOTOS: files})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert_nothing_stored()
    # Two fit (9 M): the budget refuses only what is over it.
    files = [upload(f"{n}.png", image_bytes("PNG", (1500, 1500)), "image/png") for n in range(2)]
    assert post_quote(quote_data, {PHOTOS: files}).status_code == 302


def test_thumbnail_is_made_once_and_deleted_with_its_photo(
    client, quote_page, vvs_staff, django_capture_on_commit_callbacks
):
    photo = SubmissionPhotoFactory(
        submission=FormSubmissionFactory(page=quote_page), width=1600, height=1200
    )
    url = reverse("henvendelser:photo", args=[photo.key])
    client.force_login(vvs_staff)
    first = client.get(url, {"size": "thumb"})
    assert first.status_code == 200 and first["Content-Type"] == "image/jpeg"
    assert "no-store" in first["Cache-Control"]
    storage = photo.file.storage
    cached = thumbnail_name(photo.file.name)
    assert cached.endswith(".thumb.jpg") and storage.exists(cached)
    with storage.open(cached, "rb") as handle:
        assert handle.read() == first.content
    # The second view is the stored preview, whatever the full photo now holds.
    with storage.open(photo.file.name, "wb") as handle:
        handle.write(b"not decoded for a thumbnail any more")
    second = client.get(url, {"size": "thumb"})
    assert second.status_code == 200 and second.content == first.content
    with Image.open(io.BytesIO(second.content)) as image:
        assert image.size == (400, 300)
    assert len(private_files()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        photo.submission.delete()
    assert private_files() == []


# Nothing of the visitor's file survives but pixels -----------------------------------------

SECRET = "Mette Hansen"  # as long as lcms' "sRGB built-in", so the profile stays valid


def profile_with_hidden_text():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    builtin = "sRGB built-in".encode("utf-16-be")
    assert builtin in profile
    return profile.replace(builtin, (SECRET + " ").encode("utf-16-be"))


@pytest.mark.parametrize(
    ("fmt", "name"), [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp"), ("HEIF", "a.heic")]
)
def test_icc_profile_with_hidden_text_is_not_stored(fmt, name, post_quote, quote_data):
    profile = profile_with_hidden_text()
    data = image_bytes(fmt, (64, 48), icc_profile=profile)
    with Image.open(io.BytesIO(data)) as received:
        assert SECRET.encode("utf-16-be") in received.info["icc_profile"]  # PNG compresses it
    response = post_quote(quote_data, {PHOTOS: [upload(name, data, CONTENT_TYPES[fmt])]})
    assert response.status_code == 302
    [path] = private_files()
    stored = path.read_bytes()
    assert SECRET.encode("utf-16-be") not in stored and SECRET.encode() not in stored
    with Image.open(path) as image:
        assert "icc_profile" not in image.info and "exif" not in image.info
        assert image.mode == "RGB"
        assert (
            max(abs(a - b) for a, b in zip(image.getpixel((32, 24)), (200, 80, 40), strict=True))
            <= 6
        )


def test_cmyk_jpeg_is_stored_as_plain_rgb(post_quote, quote_data):
    """A CMYK JPEG was stored as RGB pixels still tagged with the visitor's (CMYK) profile."""
    data = image_bytes(
        "JPEG",
        (64, 48),
        colour=(0, 255, 255, 0),
        mode="CMYK",
        icc_profile=profile_with_hidden_text(),
    )
    response = post_quote(quote_data, {PHOTOS: [upload("tryk.jpg", data)]})
    assert response.status_code == 302
    [path] = private_files()
    with Image.open(path) as image:
        assert image.mode == "RGB" and "icc_profile" not in image.info
        red, green, blue = image.getpixel((32, 24))
        assert red > 240 and green < 15 and blue < 15  # cyan-free, magenta and yellow: red


def profile_with_red_and_blue_swapped():
    """An RGB profile whose "red" primary is sRGB's blue: its colorant tags swapped."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    [count] = struct.unpack(">I", profile[128:132])
    tags = {bytes(profile[132 + 12 * n : 136 + 12 * n]): 132 + 12 * n for n in range(count)}
    red, blue = tags[b"rXYZ"] + 4, tags[b"bXYZ"] + 4
    profile[red : red + 8], profile[blue : blue + 8] = (
        profile[blue : blue + 8],
        profile[red : red + 8],
    )
    return bytes(profile)


@pytest.mark.parametrize(
    ("fmt", "name"), [("JPEG", "a.jpg"), ("PNG", "a.png"), ("HEIF", "a.heic")]
)
def test_colours_are_converted_to_srgb_through_the_photos_profile(
    fmt, name, post_quote, quote_data
):
    """The stored file has no profile, so its pixels must already be sRGB: "red" in a profile
    whose red is sRGB's blue is stored blue."""
    data = image_bytes(
        fmt, (64, 48), colour=(255, 0, 0), icc_profile=profile_with_red_and_blue_swapped()
    )
    response = post_quote(quote_data, {PHOTOS: [upload(name, data, CONTENT_TYPES[fmt])]})
    assert response.status_code == 302
    [path] = private_files()
    with Image.open(path) as image:
        assert "icc_profile" not in image.info
        red, green, blue = image.getpixel((32, 24))
        assert red < 20 and green < 20 and blue > 230, (red, green, blue)
