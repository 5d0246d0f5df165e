"""Visitor photos: decode, check, orient and strip every byte of metadata before storage.

A photo of someone's installation is taken in their home; its EXIF block can carry the home's
GPS coordinates, the phone's serial number and the time. We therefore never store the bytes we
received: each photo is decoded with Pillow (which also proves it is an image), rotated upright
from its EXIF orientation, and encoded anew without EXIF, XMP or comments. HEIC/HEIF from
iPhones becomes JPEG so staff can open it anywhere.
"""

import io
import os
import warnings
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

# Decoded format → (stored format, extension, content type). HEIF is re-encoded as JPEG.
OUTPUT_FORMATS = {
    "JPEG": ("JPEG", "jpg", "image/jpeg"),
    "MPO": ("JPEG", "jpg", "image/jpeg"),  # what some phones call a JPEG with a depth map
    "PNG": ("PNG", "png", "image/png"),
    "WEBP": ("WEBP", "webp", "image/webp"),
    "HEIF": ("JPEG", "jpg", "image/jpeg"),
}


@dataclass(frozen=True)
class PhotoLimits:
    max_count: int
    max_bytes: int
    max_total_bytes: int
    max_pixels: int

    @classmethod
    def from_settings(cls):
        return cls(
            max_count=settings.FORMS_PHOTO_MAX_COUNT,
            max_bytes=settings.FORMS_PHOTO_MAX_BYTES,
            max_total_bytes=settings.FORMS_PHOTO_MAX_TOTAL_BYTES,
            max_pixels=settings.FORMS_PHOTO_MAX_PIXELS,
        )


@dataclass(frozen=True)
class ProcessedPhoto:
    """A clean photo ready for storage; ``original_name`` is for staff, never for paths."""

    content: bytes
    extension: str
    content_type: str
    width: int
    height: int
    original_name: str

    @property
    def size(self):
        return len(self.content)


def check_filename(name):
    """Browsers send a bare file name; a path in it means a hand-made request."""
    if not name or "/" in name or "\\" in name or "\x00" in name or name in (".", ".."):
        raise ValidationError(
            _("The file name “%(name)s” is not allowed. Rename the photo and try again."),
            code="bad_filename",
            params={"name": os.path.basename(name or "")[:80]},
        )
    return name[:200]


def process_photo(uploaded, limits):
    """Return a :class:`ProcessedPhoto` or raise ``ValidationError`` with a clear message."""
    name = check_filename(uploaded.name)
    params = {"name": name[:80]}
    if uploaded.size > limits.max_bytes:
        raise ValidationError(
            _("The photo “%(name)s” is too large. Each photo may be at most %(max)s."),
            code="photo_too_large",
            params={**params, "max": filesizeformat(limits.max_bytes)},
        )
    not_an_image = ValidationError(
        _("“%(name)s” is not a photo we can read. Send JPEG, PNG, WebP or HEIC photos."),
        code="not_an_image",
        params=params,
    )
    try:
        uploaded.seek(0)
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice its limit; treat that as refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(uploaded)
            if image.format not in OUTPUT_FORMATS:
                raise not_an_image
            if image.width * image.height > limits.max_pixels:
                raise Image.DecompressionBombError("too many pixels")
            image.load()  # decode everything: a truncated or disguised file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(
            _("The photo “%(name)s” has too many pixels. Send a smaller photo."),
            code="too_many_pixels",
            params=params,
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise not_an_image from error

    output_format, extension, content_type = OUTPUT_FORMATS[image.format]
    icc_profile = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    if output_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # A fresh image holds pixels only: no EXIF, XMP, comments or text chunks to leak.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    if image.mode == "P":
        clean.putpalette(image.getpalette())
    buffer = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if output_format == "JPEG":
        options.update(quality=88, optimize=True)
    clean.save(buffer, format=output_format, **options)
    return ProcessedPhoto(
        content=buffer.getvalue(),
        extension=extension,
        content_type=content_type,
        width=clean.width,
        height=clean.height,
        original_name=name,
    )


def process_photos(files, limits):
    """Check count and total size, then process each photo; all or nothing."""
    if len(files) > limits.max_count:
        raise ValidationError(
            _("You can send at most %(max)d photos."),
            code="too_many_photos",
            params={"max": limits.max_count},
        )
    if sum(f.size for f in files) > limits.max_total_bytes:
        raise ValidationError(
            _("The photos are too large together. Send at most %(max)s in all."),
            code="photos_too_large",
            params={"max": filesizeformat(limits.max_total_bytes)},
        )
    errors, photos = [], []
    for uploaded in files:
        try:
            photos.append(process_photo(uploaded, limits))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return photos
