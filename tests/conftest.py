"""Shared fixtures: both sites set up exactly as `make run` sets them up."""

import pytest
from wagtail.models import Site

from home.setup import setup_sites


@pytest.fixture
def sites(db):
    """``{"mihvvs": Site, "mihel": Site}`` with demo content, groups and settings."""
    return setup_sites()


@pytest.fixture
def vvs_site(sites) -> Site:
    return sites["mihvvs"]


@pytest.fixture
def el_site(sites) -> Site:
    return sites["mihel"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Each test gets its own empty private storage folder (rows roll back; files don't)."""
    location = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = location
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "forms_app.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location
