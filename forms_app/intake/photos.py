"""Visitor photos: decode, check, orient and strip every byte of metadata before storage.

A photo of someone's installation is taken in their home; its EXIF block can carry the home's
GPS coordinates, the phone's serial number and the time, and its ICC profile can carry any text
at all. We therefore never store the bytes we received: each photo is decoded with Pillow
(which also proves it is an image), converted to sRGB through its ICC profile (LittleCMS via
``ImageCms``), scaled down to ``FORMS_PHOTO_MAX_EDGE``, turned upright from its EXIF
orientation, and encoded anew from the pixels alone: no EXIF, XMP, comments or ICC profile
(an image without a profile is sRGB to every viewer). HEIC/HEIF from iPhones becomes JPEG so
staff can open it anywhere.

Cost per request is bounded before any pixel is decoded: every header is read first, and the
pixels the request would decode (a JPEG counted at the reduced size libjpeg decodes it at,
see ``draft``) must fit ``FORMS_PHOTO_MAX_TOTAL_PIXELS``. Decoding hostile files is the
decoders' job, and they fail in many ways (``SyntaxError``, ``EOFError``, ``RuntimeError``,
``struct.error`` …), so every decoding step runs inside one handled region and any failure
there is the visitor's "not a photo we can read" error, never a server error.

Before any of that, each photo's bytes as received are scanned by ClamAV (``scan_original``,
:mod:`cms.antivirus`, when ``ANTIVIRUS_ENABLED``): no decoder reads a file the scanner has not
passed. An infected photo is that photo's error; a scanner that does not answer refuses the
whole form's photos at once (fail closed), and nothing is stored.
"""

import io
import logging
import math
import os
import warnings
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms

from cms import antivirus

pillow_heif.register_heif_opener()
# One libheif decoding thread: the same CPU time (a web worker's other threads and processes
# use the other cores), and about 50 MB less peak memory for a 48 MP HEIC (make bench-photos).
pillow_heif.options.DECODE_THREADS = 1

logger = logging.getLogger(__name__)

# Decoded format → (stored format, extension, content type). HEIF is re-encoded as JPEG.
OUTPUT_FORMATS = {
    "JPEG": ("JPEG", "jpg", "image/jpeg"),
    "MPO": ("JPEG", "jpg", "image/jpeg"),  # what some phones call a JPEG with a depth map
    "PNG": ("PNG", "png", "image/png"),
    "WEBP": ("WEBP", "webp", "image/webp"),
    "HEIF": ("JPEG", "jpg", "image/jpeg"),
}
# Only these plugins may even look at the bytes (Pillow would otherwise try every format it
# knows, EPS and TIFF included). JPEG's plugin also opens MPO.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
# Pillow decodes PNG and WebP whole, at 4 bytes a pixel (WebP's decoder needs about 16), with
# no reduced decoding as for JPEG: they get their own, lower per-photo limit.
FULL_DECODE_FORMATS = frozenset({"PNG", "WEBP"})
# What a decoded pixel costs, roughly, relative to libjpeg-turbo (CPU time per pixel, scaling
# and encoding the result included): the weights of a request's pixel budget. With the budget
# in settings they keep the most expensive accepted request under 3 s of CPU; measured by
# tests/bench/photo_cost.py.
DECODE_COST = {"JPEG": 1, "MPO": 1, "PNG": 2, "WEBP": 3, "HEIF": 3}
# Encoder settings chosen for speed at a quality staff cannot tell from the original.
SAVE_OPTIONS = {
    "JPEG": {"quality": 88},
    "PNG": {"compress_level": 3},
    "WEBP": {"quality": 88, "method": 2},
}
# HEIF is decoded by libheif into one buffer, then scaled into the stored image in strips of
# this many rows, so Pillow never holds a second full-size copy.
HEIF_STRIP_ROWS = 256
EXIF_ORIENTATION = 0x0112
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class PhotoLimits:
    max_count: int
    max_bytes: int
    max_total_bytes: int
    max_pixels: int
    max_pixels_png_webp: int
    max_total_pixels: int
    max_edge: int

    @classmethod
    def from_settings(cls):
        return cls(
            max_count=settings.FORMS_PHOTO_MAX_COUNT,
            max_bytes=settings.FORMS_PHOTO_MAX_BYTES,
            max_total_bytes=settings.FORMS_PHOTO_MAX_TOTAL_BYTES,
            max_pixels=settings.FORMS_PHOTO_MAX_PIXELS,
            max_pixels_png_webp=settings.FORMS_PHOTO_MAX_PIXELS_PNG_WEBP,
            max_total_pixels=settings.FORMS_PHOTO_MAX_TOTAL_PIXELS,
            max_edge=settings.FORMS_PHOTO_MAX_EDGE,
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


@dataclass(frozen=True)
class _OpenedPhoto:
    """A photo whose header has been read and checked; no pixel decoded, nothing held open."""

    uploaded: object
    name: str
    format: str
    cost: int  # pixels decoding it will cost, weighted by format, for the request's budget
    target_size: tuple[int, int]  # the stored size, before turning upright


def check_filename(name):
    """Browsers send a bare file name; a path in it means a hand-made request."""
    if not name or "/" in name or "\\" in name or "\x00" in name or name in (".", ".."):
        raise ValidationError(
            _("The file name “%(name)s” is not allowed. Rename the photo and try again."),
            code="bad_filename",
            params={"name": os.path.basename(name or "")[:80]},
        )
    return name[:200]


def _not_an_image(name):
    return ValidationError(
        _("“%(name)s” is not a photo we can read. Send JPEG, PNG, WebP or HEIC photos."),
        code="not_an_image",
        params={"name": name[:80]},
    )


def _too_many_pixels(name):
    return ValidationError(
        _("The photo “%(name)s” has too many pixels. Send a smaller photo."),
        code="too_many_pixels",
        params={"name": name[:80]},
    )


UNSCANNED_MESSAGE = _(
    "We could not check your photos for viruses just now, so nothing was sent. Please try "
    "again in a few minutes, or send the form without photos."
)


def scan_original(uploaded, name):
    """ClamAV's verdict on the photo as received, before any decoder reads it.

    Infected: that photo's error (counted for the owner by :mod:`cms.antivirus`). No answer
    from the scanner: an error with code ``"scanner_unavailable"``, which refuses every photo
    of the form (:func:`process_photos` stops at the first).
    """
    try:
        antivirus.check_upload(uploaded, antivirus.Upload.PHOTO, name=name)
    except ValidationError as error:
        if error.code == "scanner_unavailable":
            raise ValidationError(UNSCANNED_MESSAGE, code="scanner_unavailable") from error
        raise


def fit(size, max_edge):
    """``size`` scaled down (never up) so that its long edge is at most ``max_edge``."""
    width, height = size
    scale = min(1.0, max_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


class _DecoderErrors:
    """The handled region around every decoding step: whatever a decoder raises on a hostile
    file becomes the visitor's form error."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        # Pillow only warns between its limit and twice its limit; treat that as refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return self

    def __exit__(self, exc_type, error, traceback):
        self._warnings.__exit__(exc_type, error, traceback)
        if error is None or isinstance(error, ValidationError | MemoryError):
            return False
        if isinstance(error, Image.DecompressionBombError | Image.DecompressionBombWarning):
            raise _too_many_pixels(self.name) from error
        if isinstance(error, Exception):
            # A decoder may raise anything on crafted bytes; the type is enough for operators.
            logger.info("Photo refused, the decoder raised %s", type(error).__name__)
            raise _not_an_image(self.name) from error
        return False


def _draft_size(size, max_edge):
    """The size to ask libjpeg for: a photo larger than ``max_edge`` is decoded at the
    smallest 1/2, 1/4 or 1/8 scale whose long edge keeps at least half of ``max_edge``, so a
    48 MP phone photo is decoded at 12 MP and no JPEG over ``max_edge`` is decoded in full
    (the most a JPEG costs is then a ``max_edge`` square)."""
    width, height = size
    long_edge = max(width, height)
    scale = 1
    while scale < 8 and long_edge > max_edge and long_edge // (scale * 2) >= max_edge // 2:
        scale *= 2
    # draft() picks the largest scale whose result is not smaller than the size asked for.
    return max(1, width // scale), max(1, height // scale)


def _open(uploaded, max_edge=None):
    """Open (not decode) a photo; a JPEG is set up to decode at reduced size."""
    uploaded.seek(0)
    image = Image.open(uploaded, formats=ACCEPTED_FORMATS)
    if image.format in ("JPEG", "MPO") and max_edge:
        image.draft(None, _draft_size(image.size, max_edge))
    return image


def open_photo(uploaded, limits):
    """Scan one photo (:func:`scan_original`), then read and check its header (name, bytes,
    format, pixels); decode nothing.

    The image is closed again at once (WebP's decoder holds a full-size canvas from the
    moment it is opened), so checking eight photos costs no more memory than checking one.
    """
    name = check_filename(uploaded.name)
    if uploaded.size > limits.max_bytes:
        raise ValidationError(
            _("The photo “%(name)s” is too large. Each photo may be at most %(max)s."),
            code="photo_too_large",
            params={"name": name[:80], "max": filesizeformat(limits.max_bytes)},
        )
    scan_original(uploaded, name)
    with _DecoderErrors(name):
        with _open(uploaded) as image:
            size, image_format = image.size, image.format
            if image_format not in OUTPUT_FORMATS:
                raise _not_an_image(name)
            max_pixels = (
                limits.max_pixels_png_webp
                if image_format in FULL_DECODE_FORMATS
                else limits.max_pixels
            )
            if size[0] * size[1] > max_pixels:
                raise _too_many_pixels(name)
            if image_format in ("JPEG", "MPO"):
                image.draft(None, _draft_size(size, limits.max_edge))
            decoded = image.size
        return _OpenedPhoto(
            uploaded=uploaded,
            name=name,
            format=image_format,
            cost=decoded[0] * decoded[1] * DECODE_COST[image_format],
            target_size=fit(decoded, limits.max_edge),
        )


def _decode_heif(uploaded, target_size):
    """HEIF through libheif, scaled into a ``target_size`` image strip by strip."""
    uploaded.seek(0)
    heif = pillow_heif.open_heif(uploaded, convert_hdr_to_8bit=True)
    frame = heif[heif.primary_index]
    if frame.mode not in ("L", "RGB", "RGBA"):
        raise ValueError(f"HEIF mode {frame.mode}")
    exif = Image.Exif()
    if frame.info.get("exif"):
        exif.load(frame.info["exif"])
    orientation = exif.get(EXIF_ORIENTATION, 1)
    width, height = frame.size
    out_width, out_height = target_size
    data, stride = memoryview(frame.data), frame.stride
    scale = height / out_height
    # Bicubic reads two source pixels either side, stretched by the scale.
    margin = math.ceil(2 * scale) + 1
    result = Image.new(frame.mode, target_size)
    for out_top in range(0, out_height, HEIF_STRIP_ROWS):
        out_bottom = min(out_height, out_top + HEIF_STRIP_ROWS)
        top, bottom = out_top * scale, out_bottom * scale
        first = max(0, math.floor(top) - margin)
        last = min(height, math.ceil(bottom) + margin)
        strip = Image.frombytes(
            frame.mode,
            (width, last - first),
            data[first * stride : last * stride],
            "raw",
            frame.mode,
            stride,
        )
        part = strip.resize(
            (out_width, out_bottom - out_top),
            Image.Resampling.BICUBIC,
            box=(0, top - first, width, bottom - first),
        )
        result.paste(part, (0, out_top))
    return result, frame.info.get("icc_profile"), orientation


def _decode(uploaded, target_size, limits):
    """JPEG, PNG and WebP through Pillow, scaled to ``target_size``."""
    image = _open(uploaded, limits.max_edge)
    image.load()  # decode everything: a truncated or disguised file fails here
    icc_profile = image.info.get("icc_profile")
    orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    if image.size == target_size:
        return image, icc_profile, orientation
    # After draft, a JPEG has at most a factor two left: reduce(), then bicubic.
    with image:
        return (
            image.resize(target_size, Image.Resampling.BICUBIC, reducing_gap=2.0),
            icc_profile,
            orientation,
        )


def _to_srgb(image, icc_profile, keep_alpha):
    """Pixels in sRGB, mode RGB or RGBA; the visitor's profile is used, never kept."""
    has_alpha = keep_alpha and image.has_transparency_data
    mode = "RGBA" if has_alpha else "RGB"
    if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        if image.mode == "RGBA" and not has_alpha:
            image = image.convert("RGB")
    if icc_profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            return ImageCms.profileToProfile(image, source, SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            # A profile LittleCMS cannot use (or one for another colour space than the
            # pixels): keep the pixels as they are, untagged, as a browser would show them.
            pass
    return image if image.mode == mode else image.convert(mode)


def finish_photo(opened, limits):
    """Decode one opened photo and return it as a :class:`ProcessedPhoto`."""
    output_format, extension, content_type = OUTPUT_FORMATS[opened.format]
    with _DecoderErrors(opened.name):
        if opened.format == "HEIF":
            pixels, icc_profile, orientation = _decode_heif(opened.uploaded, opened.target_size)
        else:
            pixels, icc_profile, orientation = _decode(opened.uploaded, opened.target_size, limits)
        pixels = _to_srgb(pixels, icc_profile, keep_alpha=output_format != "JPEG")
        transpose = {
            2: Image.Transpose.FLIP_LEFT_RIGHT,
            3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_270,
            7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90,
        }.get(orientation)
        if transpose is not None:
            pixels = pixels.transpose(transpose)
        # A fresh image holds pixels only: no EXIF, XMP, ICC profile or text chunks to leak.
        clean = Image.new(pixels.mode, pixels.size)
        clean.paste(pixels)
        buffer = io.BytesIO()
        clean.save(buffer, format=output_format, **SAVE_OPTIONS[output_format])
    return ProcessedPhoto(
        content=buffer.getvalue(),
        extension=extension,
        content_type=content_type,
        width=clean.width,
        height=clean.height,
        original_name=opened.name,
    )


def process_photo(uploaded, limits):
    """Return a :class:`ProcessedPhoto` or raise ``ValidationError`` with a clear message."""
    return finish_photo(open_photo(uploaded, limits), limits)


def process_photos(files, limits):
    """Check count, sizes and the pixel budget, then process each photo; all or nothing."""
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
    errors, opened = [], []
    for uploaded in files:
        try:
            opened.append(open_photo(uploaded, limits))
        except ValidationError as error:
            if error.code == "scanner_unavailable":
                raise  # one message for the form, not one per photo
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    # Checked before any pixel is decoded: the cost of a request is known from its headers.
    if sum(photo.cost for photo in opened) > limits.max_total_pixels:
        raise ValidationError(
            _("The photos have too many pixels together. Send fewer or smaller photos."),
            code="photos_too_many_pixels",
        )
    photos = []
    for photo in opened:
        try:
            photos.append(finish_photo(photo, limits))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return photos
