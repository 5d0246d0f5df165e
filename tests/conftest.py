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
