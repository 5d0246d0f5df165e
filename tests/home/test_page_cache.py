"""The page cache (home/page_cache.py): hits, what is never cached, freshness, query counts."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from home import page_cache
from home.models import CompanySettings, HomePage, StandardPage

VVS = "mihvvs.localhost"
CONTENT = {
    "home": "/",
    "standard": "/ydelser/",
    "policy": "/persondatapolitik/",
    "english home": "/en/",
}
QUOTE_FORM = "/tilbud/"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def get(client, path, host=VVS):
    return client.get(path, HTTP_HOST=host)


def count_queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = get(client, path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries), response


def publish_title(page, title, on_commit):
    """Publish a new revision with ``title``, running the after-commit work as a commit would."""
    page.title = title
    with on_commit(execute=True):
        page.save_revision().publish()


# -- hits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CONTENT))
def test_a_second_anonymous_request_is_a_hit_without_queries_and_the_same_bytes(
    client, sites, name
):
    path = CONTENT[name]
    first = get(client, path)
    assert first["X-Page-Cache"] == "miss"
    assert "public" in first["Cache-Control"]
    assert f"s-maxage={settings.PAGE_CACHE_S_MAXAGE}" in first["Cache-Control"]
    assert "Cookie" in first["Vary"]
    queries, second = count_queries(client, path)
    assert second["X-Page-Cache"] == "hit"
    assert queries == 0
    assert second.content == first.content
    assert second["Content-Language"] == first["Content-Language"]


def test_the_cache_is_kept_per_site_and_language(client, sites):
    vvs, el = get(client, "/"), get(client, "/", host="mihel.localhost")
    assert b"MIH VVS" in vvs.content and b"MIH El" in el.content
    assert get(client, "/", host="mihel.localhost").content == el.content
    english = get(client, "/en/")
    assert english.content != vvs.content
    assert get(client, "/en/")["X-Page-Cache"] == "hit"


def test_a_query_string_is_never_served_from_or_stored_in_the_cache(client, sites):
    get(client, "/")
    response = get(client, "/?utm_source=x")
    assert "X-Page-Cache" not in response
    assert "X-Page-Cache" not in get(client, "/?utm_source=x")


# -- never cached --------------------------------------------------------------------------


def test_a_form_page_is_never_served_from_the_cache(client, sites):
    for _ in range(3):
        response = get(client, QUOTE_FORM)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
        assert b"csrfmiddlewaretoken" in response.content
        assert "private" in response["Cache-Control"]
        assert "no-cache" in response["Cache-Control"]


def test_a_logged_in_editor_gets_the_live_page_never_the_cache(client, sites, vvs_editor):
    get(client, "/ydelser/")  # cached for visitors
    client.force_login(vvs_editor)
    response = get(client, "/ydelser/")
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]
    # A change made without going through publish signals (here: straight in the database)
    # shows to the editor at once; visitors get the cached page until the next publish.
    StandardPage.objects.filter(url_path__endswith="/mihvvs/ydelser/").update(title="Direkte")
    assert b"Direkte" in get(client, "/ydelser/").content
    client.logout()
    assert b"Direkte" not in get(client, "/ydelser/").content


def test_admin_and_health_are_never_cached(client, sites, superuser):
    client.force_login(superuser)
    assert "X-Page-Cache" not in get(client, "/admin/")
    client.logout()
    for _ in range(2):
        assert "X-Page-Cache" not in get(client, "/admin/login/")
        assert "X-Page-Cache" not in get(client, "/healthz/")


def test_a_page_made_private_is_no_longer_served_from_the_cache(
    client, sites, django_capture_on_commit_callbacks
):
    assert get(client, "/ydelser/").status_code == 200
    page = Page.objects.get(url_path="/mihvvs/ydelser/")
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=page, restriction_type="login")
    response = get(client, "/ydelser/")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


# -- fresh after a change ------------------------------------------------------------------


def test_publish_unpublish_and_settings_changes_show_at_once(
    client, sites, django_capture_on_commit_callbacks
):
    home = HomePage.objects.get(slug="mihvvs")
    get(client, "/")
    publish_title(home, "Ny forside", django_capture_on_commit_callbacks)
    response = get(client, "/")
    assert response["X-Page-Cache"] == "miss"
    assert b"Ny forside" in response.content

    about = Page.objects.get(url_path="/mihvvs/om-os/").specific
    assert b"/om-os/" in get(client, "/").content  # in the menu
    with django_capture_on_commit_callbacks(execute=True):
        about.unpublish()
    assert b"/om-os/" not in get(client, "/").content
    assert get(client, "/om-os/").status_code == 404

    company = CompanySettings.for_site(sites["mihvvs"])
    company.company_name = "Nyt Navn ApS"
    with django_capture_on_commit_callbacks(execute=True):
        company.save()
    assert b"Nyt Navn ApS" in get(client, "/").content


def test_deleting_or_moving_a_page_refreshes_the_menu(
    client, sites, django_capture_on_commit_callbacks
):
    assert b"/om-os/" in get(client, "/").content
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(url_path="/mihvvs/om-os/").delete()
    assert b"/om-os/" not in get(client, "/").content

    services = Page.objects.get(url_path="/mihvvs/ydelser/")
    menu_before = get(client, "/").content.decode()
    assert menu_before.index('href="/ydelser/"') < menu_before.index('href="/tilbud/"')
    with django_capture_on_commit_callbacks(execute=True):
        services.move(services.get_parent(), pos="last-child")
    menu_after = get(client, "/").content.decode()
    assert menu_after.index('href="/ydelser/"') > menu_after.index('href="/tilbud/"')


def test_the_generation_moves_at_once_and_again_after_the_commit(
    sites, django_capture_on_commit_callbacks
):
    cache.set(page_cache.GENERATION_KEY, "before")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page_cache.bump()
    during = cache.get(page_cache.GENERATION_KEY)
    assert during != "before"
    for callback in callbacks:
        callback()
    assert cache.get(page_cache.GENERATION_KEY) not in ("before", during)


# -- cost of rendering ---------------------------------------------------------------------

# The most queries a rendering may take with the cache off (the memo warm, as on every request
# but the first after a change on each worker), and on that first request.
MAX_QUERIES = 6


@pytest.mark.parametrize("path", [*CONTENT.values(), QUOTE_FORM])
def test_uncached_rendering_takes_at_most_six_queries(client, sites, settings, path):
    settings.PAGE_CACHE_SECONDS = 0
    get(client, path)
    queries, response = count_queries(client, path)
    assert "X-Page-Cache" not in response
    assert queries <= MAX_QUERIES, (path, queries)


def test_query_counts_per_page(client, sites, settings):
    """The exact counts, so a regression shows (and docs/operations.md stays true)."""
    settings.PAGE_CACHE_SECONDS = 0
    counts = {}
    for path in [*CONTENT.values(), QUOTE_FORM]:
        get(client, path)
        counts[path] = count_queries(client, path)[0]
    assert counts == {
        "/": 0,
        "/ydelser/": 0,
        "/persondatapolitik/": 0,
        "/en/": 0,
        "/tilbud/": 0,
    }
    settings.PAGE_CACHE_SECONDS = 600
    for path in CONTENT.values():
        get(client, path)
        assert count_queries(client, path)[0] == 0


# -- across processes ----------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of this test's own, on a free port, gone afterwards."""
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def shared_database(tmp_path):
    """A SQLite file with both sites, made as `make setup` makes them, for two processes.

    (The suite's own database cannot be shared: in-memory SQLite, or rows that the test's
    transaction never commits.) Building it takes about 15 s.
    """
    path = tmp_path / "shared.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
    }
    for command in (["migrate", "-v0"], ["setup_sites"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return f"sqlite:///{path}"


class Worker:
    def __init__(self, env):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.home.page_cache_worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __call__(self, *command):
        self.process.stdin.write(" ".join(str(part) for part in command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the worker died"
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait(20)


def test_a_change_in_one_process_is_visible_in_another_at_once(shared_database, redis_url):
    """Two processes with their own memory, one database and one Redis, as two workers.

    Worker A makes every change (publish, unpublish, company settings); worker B, which has
    the old page cached in Redis and the old lookups in its own memo, shows each at once.
    """
    env = {
        **os.environ,
        "DATABASE_URL": shared_database,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "DJANGO_SETTINGS_MODULE": "tests.home.page_cache_settings",
    }
    a, b = Worker(env), Worker(env)
    try:
        first = b("GET", VVS, "/")
        assert (first["status"], first["cache"]) == (200, "miss")
        assert b("GET", VVS, "/")["cache"] == "hit"
        assert a("GET", VVS, "/")["cache"] == "hit"  # one cache for both

        assert a("PUBLISH", "/mihvvs/", "Udgivet i A") == {"ok": True}
        seen = b("GET", VVS, "/")
        assert seen["cache"] == "miss"
        assert seen["title"].startswith("Udgivet i A")
        assert b("GET", VVS, "/")["cache"] == "hit"

        assert "/om-os/" in "".join(b("GET", VVS, "/")["menu"])
        assert a("UNPUBLISH", "/mihvvs/om-os/") == {"ok": True}
        assert "/om-os/" not in "".join(b("GET", VVS, "/")["menu"])
        assert b("GET", VVS, "/om-os/")["status"] == 404

        assert a("COMPANY", "mihvvs", "Skiftet Navn ApS") == {"ok": True}
        assert b("GET", VVS, "/")["company"] == "Skiftet Navn ApS"
        assert b("GET", VVS, "/ydelser/")["company"] == "Skiftet Navn ApS"
    finally:
        a.close()
        b.close()


def test_disabled_page_cache_serves_nothing_from_cache_or_memo(client, sites, settings):
    """Production without Redis (PAGE_CACHE_ENABLED off): every request renders from the
    database, so another worker's publish is seen at once."""
    settings.PAGE_CACHE_ENABLED = False
    client.get("/", HTTP_HOST="mihvvs.localhost")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", HTTP_HOST="mihvvs.localhost")
    assert response.status_code == 200
    assert response.get("X-Page-Cache") != "hit"
    assert len(queries) > 6  # nothing memoised either


def test_the_memo_expires_even_when_a_generation_bump_was_lost(client, sites, settings):
    """A publish while Redis was unreachable bumps no generation; the memo still drops what it
    holds after PAGE_MEMO_SECONDS, so the change shows once cached pages expire too."""
    settings.PAGE_MEMO_SECONDS = 0
    settings.PAGE_CACHE_SECONDS = 0  # measure the memo alone
    client.get("/", HTTP_HOST="mihvvs.localhost")
    company = CompanySettings.objects.get(site__hostname="mihvvs.localhost")
    CompanySettings.objects.filter(pk=company.pk).update(company_name="MIH VVS A/S")  # no signal
    time.sleep(0.01)
    response = client.get("/", HTTP_HOST="mihvvs.localhost")
    assert "MIH VVS A/S" in response.content.decode()
