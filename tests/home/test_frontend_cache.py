"""A CDN or caching proxy in front is purged when something every page shows changes.

A real HTTP server on loopback stands in for the proxy's purge endpoint (Varnish or nginx take
``PURGE`` requests the same way); Wagtail's ``frontend_cache`` sends them from a background
task, which the worker runs (``tests.tasks.run_tasks``).
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from home.models import CompanySettings
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db


class PurgeEndpoint(BaseHTTPRequestHandler):
    received = []

    def do_PURGE(self):
        self.received.append((self.headers.get("Host"), self.path))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def purge_endpoint(settings):
    PurgeEndpoint.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_address[1]}",
        }
    }
    yield PurgeEndpoint.received
    server.shutdown()


def test_company_settings_change_purges_every_page_of_the_proxy(
    sites, purge_endpoint, django_capture_on_commit_callbacks
):
    company = CompanySettings.objects.get(site__hostname="mihvvs.localhost")
    company.phone = "70 20 30 40"
    with django_capture_on_commit_callbacks(execute=True):
        company.save()
    assert purge_endpoint == []  # queued, not sent inside the editor's request
    run_tasks()
    purged = set(purge_endpoint)
    assert ("mihvvs.localhost", "/") in purged
    assert ("mihvvs.localhost", "/persondatapolitik/") in purged
    assert ("mihel.localhost", "/") in purged  # every live page (the other site too)


def test_nothing_is_purged_without_a_configured_proxy(
    sites, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILFRONTENDCACHE = {}
    company = CompanySettings.objects.get(site__hostname="mihvvs.localhost")
    with django_capture_on_commit_callbacks(execute=True):
        company.save()
    assert run_tasks() == 0  # no purge task queued
