"""Real photos made on the fly, and helpers to post the demo forms like a browser does."""

import io
from pathlib import Path

import pillow_heif
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from forms_app.models import FormPage

pillow_heif.register_heif_opener()

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def exif_with_gps(orientation=1):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Apple"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (55.0, 38.0, 30.0), 3: "E", 4: (12.0, 5.0, 10.0)})
    return exif


def photo_bytes(fmt, size=(320, 200), colour=(200, 80, 40), orientation=1):
    """A real image of ``fmt`` (JPEG, PNG, WEBP, HEIF) with GPS coordinates in its EXIF."""
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, exif=exif_with_gps(orientation).tobytes())
    return buffer.getvalue()


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def quote_page(vvs_site):
    return FormPage.objects.descendant_of(vvs_site.root_page).get(slug="tilbud")


@pytest.fixture
def contact_page(vvs_site):
    return FormPage.objects.descendant_of(vvs_site.root_page).get(slug="kontakt")


@pytest.fixture
def quote_data():
    return {
        "navn": "Mette Hansen",
        "adresse": "Søndergade 12, 2. th.",
        "postnummer": "4000",
        "telefon": "12 34 56 78",
        "e_mail": "Mette.Hansen@Example.DK ",
        "beskrivelse_af_opgaven": "Utæt blandingsbatteri på badeværelset.",
        "samtykke": "on",
    }


@pytest.fixture
def post_quote(client, quote_page):
    def post(data, files=None, host="mihvvs.localhost", **extra):
        payload = {**data, **(files or {})}
        return client.post("/tilbud/", payload, HTTP_HOST=host, **extra)

    return post


def private_files():
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
