"""/healthz/: what the load balancer polls. Real database, real Redis, real folders."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from cms import heartbeat, redis_cache
from cms.settings.base import redis_cache_settings
from tests.factories import FormSubmissionFactory
from tests.redis_server import free_port, redis_server  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CHECKS = {"database", "cache", "storage", "private_storage", "worker"}

# How production sees the probe: plain HTTP from the load balancer's own address, a Host header
# that is no site's (its IP), with HTTPS redirects and the real host list on.
PRODUCTION_LIKE = {
    "ALLOWED_HOSTS": ["mihvvs.dk", "mihel.dk"],
    "SECURE_SSL_REDIRECT": True,
}


def probe(client, query=""):
    return client.get(f"/healthz/{query}", HTTP_HOST="10.0.3.17", REMOTE_ADDR="10.0.3.1")


@override_settings(**PRODUCTION_LIKE)
def test_all_ok_answers_200_with_one_query_and_no_cookie(client, django_assert_num_queries):
    heartbeat.beat()
    with django_assert_num_queries(1):
        response = probe(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body == {
        "status": "ok",
        "checks": dict.fromkeys(CHECKS, "ok"),
        "worker_heartbeat_age": body["worker_heartbeat_age"],
    }
    assert 0 <= body["worker_heartbeat_age"] < 5
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "Location" not in response.headers


def test_the_answer_holds_no_personal_data(client):
    submission = FormSubmissionFactory()
    heartbeat.beat()
    text = probe(client).content.decode()
    body = json.loads(text)
    assert set(body) == {"status", "checks", "worker_heartbeat_age"}
    assert set(body["checks"]) == CHECKS
    assert set(body["checks"].values()) <= {"ok", "fail", "stale", "missing", "unknown"}
    assert submission.email not in text
    assert "10.0.3" not in text


@override_settings(WORKER_HEARTBEAT_MAX_AGE=120)
def test_a_stale_worker_is_degraded_but_200_unless_strict(client):
    heartbeat.beat(now=timezone.now() - timedelta(seconds=600))
    response = probe(client)
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"] == "stale"
    assert response.json()["worker_heartbeat_age"] >= 600
    assert probe(client, "?strict").status_code == 503


def test_no_heartbeat_is_missing(client):
    cache.delete(heartbeat.KEY)
    response = probe(client)
    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == "missing"


def test_an_unusable_private_storage_answers_503(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "forms_app.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": blocker / "private"},
        },
    }
    heartbeat.beat()
    response = probe(client)
    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["checks"]["private_storage"] == "fail"
    assert response.json()["checks"]["storage"] == "ok"


@pytest.mark.skipif(
    not os.path.exists("/usr/bin/redis-server"), reason="needs redis-server to start and stop"
)
def test_cache_down_is_degraded_200_unless_strict_then_ok_again(client, redis_server, monkeypatch):  # noqa: F811
    """The sites work without Redis, so its outage must not take every web host out of the
    load balancer: "degraded" with 200, 503 only for ``?strict`` (alerting)."""
    monkeypatch.setattr(redis_cache, "BREAKER_SECONDS", 0.2)
    with override_settings(CACHES={"default": redis_cache_settings(redis_server.url, "hz")}):
        heartbeat.beat()
        assert probe(client).status_code == 200

        redis_server.stop()
        started = time.monotonic()
        response = probe(client)
        assert time.monotonic() - started < 2
        assert response.status_code == 200
        assert response.json()["status"] == "degraded"
        assert response.json()["checks"]["cache"] == "fail"
        assert response.json()["checks"]["worker"] == "unknown"
        assert response.json()["checks"]["database"] == "ok"
        assert client.get("/healthz/?strict", HTTP_HOST="10.0.3.17").status_code == 503

        redis_server.start()
        time.sleep(0.3)  # the breaker's pause
        heartbeat.beat()
        response = probe(client)
        assert response.status_code == 200 and response.json()["status"] == "ok"


def test_503_when_the_database_is_unreachable(tmp_path):
    """A separate process whose DATABASE_URL points at a port nothing listens on."""
    script = (
        "import django, json\n"
        "django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz/', HTTP_HOST='10.0.3.17')\n"
        "print(json.dumps({'code': r.status_code, 'body': r.json()}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/mih_gone",
        "PYTHONPATH": str(ROOT),
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    elapsed = time.monotonic() - started
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["code"] == 503
    assert answer["body"]["status"] == "fail"
    assert answer["body"]["checks"]["database"] == "fail"
    assert answer["body"]["checks"]["cache"] == "ok"
    # The reason is logged for the operator, not shown to whoever polls.
    assert "Health check database failed: OperationalError" in result.stderr
    assert "OperationalError" not in result.stdout
    assert elapsed < 60


def test_without_a_shared_cache_the_heartbeat_is_a_file(client, settings, tmp_path):
    """Without Redis each process has its own memory cache: the dev server must still see the
    worker's beat, so it goes through a file."""
    settings.WORKER_HEARTBEAT_FILE = tmp_path / "worker-heartbeat"
    assert heartbeat.last_beat() is None
    heartbeat.beat()
    cache.clear()  # another process's memory cache would never have held it
    body = client.get("/healthz/").json()
    assert body["checks"]["worker"] == "ok"
    assert settings.WORKER_HEARTBEAT_FILE.read_text().startswith(str(timezone.now().year))
