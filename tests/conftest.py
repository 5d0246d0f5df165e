"""Shared fixtures: both sites set up exactly as `make run` sets them up, and one user per role."""

import pytest
from django.core.cache import cache
from wagtail.models import Site

from home.setup import setup_sites
from tests.factories import EL_STAFF, VVS_EDITORS, VVS_STAFF, UserFactory
from tests.tasks import run_tasks


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Set both sites up once per test run, as `make run` does; each test rolls back on top.

    (Setting up includes the English translations through wagtail-localize, which is too
    slow to repeat for every test.)
    """
    with django_db_blocker.unblock():
        setup_sites()
        run_tasks()  # Wagtail's queued tasks (search and reference index), as make run's worker


@pytest.fixture
def sites(db):
    """``{"mihvvs": Site, "mihel": Site}`` with demo content, groups and settings."""
    found = {site.root_page.slug: site for site in Site.objects.select_related("root_page")}
    if {"mihvvs", "mihel"} <= found.keys():
        return {"mihvvs": found["mihvvs"], "mihel": found["mihel"]}
    sites = setup_sites()  # after a transactional test emptied the database
    run_tasks()
    return sites


@pytest.fixture
def vvs_site(sites) -> Site:
    return sites["mihvvs"]


@pytest.fixture
def el_site(sites) -> Site:
    return sites["mihel"]


# The users tests log in as: one per role, on top of the groups setup_sites makes.


@pytest.fixture
def superuser(sites):
    return UserFactory(username="admin", superuser=True)


@pytest.fixture
def vvs_staff(sites):
    """MIH VVS customer service: the VVS site's submissions (view, change, delete, export)."""
    return UserFactory(username="vvs-kundeservice", groups=[VVS_STAFF])


@pytest.fixture
def el_staff(sites):
    return UserFactory(username="el-kundeservice", groups=[EL_STAFF])


@pytest.fixture
def vvs_editor(sites):
    """A MIH VVS editor: the VVS pages, images and settings, no submissions."""
    return UserFactory(username="vvs-redaktor", groups=[VVS_EDITORS])


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


@pytest.fixture(autouse=True)
def empty_cache():
    """Tests roll back the database but not the cache (Wagtail's site root paths, the rate
    limit counters): start each test with an empty one."""
    cache.clear()
    yield
    cache.clear()
