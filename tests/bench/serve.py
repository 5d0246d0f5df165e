"""Serving benchmark (``make bench-serve``): our pages against a bare Django view and a fresh
``wagtail start`` home page, side by side under the same gunicorn settings.

One run starts, each with ``gunicorn -c gunicorn.conf.py`` and 2 workers:

* **bare**: a Django view returning "ok" (no middleware, no database);
* **wagtail**: a project made by ``wagtail start`` from the installed Wagtail (SQLite);
* **ours (cached)** and **ours (uncached)**: ``cms.settings.production`` on a SQLite file with
  both sites from ``setup_sites`` and Redis as the cache, the second with
  ``PAGE_CACHE_SECONDS=0``.

Then it drives each page with keep-alive HTTP/1.1 clients in threads, interleaving the targets
round by round, and prints requests/s (median of the rounds), p50/p99 latency, the gunicorn
workers' CPU milliseconds per request (from /proc), and SQL queries per page (a test-client
pass in a subprocess under CaptureQueriesContext). Last, the rate of quote-form posts without
photos (rate limit lifted for the run).

Needs Redis at REDIS_URL (default redis://127.0.0.1:6379/0; its keys get a prefix of their
own). Options: ``--seconds`` per round, ``--rounds``, ``--clients``.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
VVS = "mihvvs.localhost"
PAGES = {
    "home": "/",
    "policy": "/persondatapolitik/",
    "content": "/ydelser/",
    "quote form (GET)": "/tilbud/",
    "English home": "/en/",
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
# forms_app.intake.forms.CONSENT_FIELD and HONEYPOT_FIELD (this process loads no Django).
CONSENT_FIELD, HONEYPOT_FIELD = "samtykke", "mih_hp"

BARE = """
from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bare_settings"
MIDDLEWARE = []
INSTALLED_APPS = []
DATABASES = {}
urlpatterns = [path("", lambda request: HttpResponse("ok"))]
"""

QUERY_COUNT = """
import json, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client()
out = {}
for name, path in json.loads(sys.argv[1]).items():
    client.get(path, HTTP_HOST=sys.argv[2])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, HTTP_HOST=sys.argv[2])
    out[name] = [response.status_code, len(ctx.captured_queries)]
print(json.dumps(out))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command, env, cwd=ROOT):
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)


class Server:
    def __init__(self, name, app, cwd, env, host="localhost"):
        self.name, self.host, self.port = name, host, free_port()
        env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_ACCESS_LOG": "",
            # No worker recycling mid-run: its CPU counters would start again from zero.
            "GUNICORN_MAX_REQUESTS": "0",
        }
        config = ROOT / "gunicorn.conf.py"
        flags = ["-c", str(config)] if config.exists() else ["-w", "2", "-b", env["GUNICORN_BIND"]]
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), *flags, "--chdir", str(cwd), app],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _body, _ = request(self, "/")
                if status < 500 and len(self.workers()) >= 2:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {self.process.stderr.read()[-2000:]}")
            time.sleep(0.2)

    def workers(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def cpu_ticks(self):
        """``{worker pid: user + system clock ticks}``."""
        ticks = {}
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)


def request(server, path, method="GET", body=None, headers=None, connection=None):
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request(method, path, body=body, headers={"Host": server.host, **(headers or {})})
    response = connection.getresponse()
    data = response.read()
    if own:
        connection.close()
    return response.status, data, response


def load(server, path, seconds, clients):
    """``(requests/s, p50 ms, p99 ms, CPU ms per request)`` for GETs of ``path``."""
    latencies, errors, stop = [], [], time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                status, _data, _ = request(server, path, connection=connection)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                continue
            if status != 200:
                errors.append(status)
            mine.append(time.perf_counter() - started)
        latencies.extend(mine)

    ticks = server.cpu_ticks()
    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    after = server.cpu_ticks()
    cpu_ms = sum(after[pid] - ticks.get(pid, 0) for pid in after) * 1000 / CLK_TCK
    if errors:
        raise RuntimeError(f"{server.name} {path}: status {errors[0]}")
    latencies.sort()
    count = len(latencies)
    return (
        count / elapsed,
        latencies[count // 2] * 1000,
        latencies[min(count - 1, int(count * 0.99))] * 1000,
        cpu_ms / count,
    )


def form_fields(html):
    """What a visitor fills in on the quote form (the honeypot left empty)."""
    data = {}
    for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == HONEYPOT_FIELD:
            continue
        name = name.group(1)
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        value = re.search(r'value="([^"]*)"', tag)
        if kind == "hidden":
            data[name] = value.group(1) if value else ""
        elif kind == "file":
            continue
        elif name == CONSENT_FIELD or kind == "checkbox":
            data[name] = "on"
        elif kind == "email":
            data[name] = "bench@example.com"
        elif kind == "tel":
            data[name] = "12345678"
        elif tag.startswith("<select"):
            block = html[html.index(tag) :]
            option = re.search(r'<option value="([^"]+)"', block)
            data[name] = option.group(1) if option else ""
        else:
            data[name] = "Benchmark"
    return data


def post_rate(server, path, seconds, clients):
    """Quote-form posts without photos per second: GET the form, POST it, expect a redirect."""
    count, errors, stop = [0], [], time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        while time.monotonic() < stop:
            _status, body, response = request(server, path, connection=connection)
            cookie = "; ".join(
                part.split(";", 1)[0]
                for key, part in response.getheaders()
                if key.lower() == "set-cookie"
            )
            data = urlencode(form_fields(body.decode()))
            status, _body, _ = request(
                server,
                path,
                "POST",
                data,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookie,
                    "Referer": f"http://{server.host}{path}",
                },
                connection=connection,
            )
            if status != 302:
                errors.append(status)
                return
            count[0] += 1

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"form post answered {errors[0]}")
    return count[0] / (time.monotonic() - began)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="mih-bench-serve-"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    servers = []
    try:
        # bare Django
        (work / "bare").mkdir()
        (work / "bare" / "bare_settings.py").write_text(BARE)
        bare_env = {**base_env, "DJANGO_SETTINGS_MODULE": "bare_settings"}
        bare_wsgi = "django.core.wsgi:get_wsgi_application()"

        # a fresh wagtail start project
        (work / "wagtail").mkdir()
        run([str(BIN / "wagtail"), "start", "benchsite", str(work / "wagtail")], base_env)
        with (work / "wagtail" / "benchsite" / "settings" / "production.py").open("a") as f:
            f.write('\nSECRET_KEY = "bench"\nALLOWED_HOSTS = ["*"]\n')
        wagtail_env = {**base_env, "DJANGO_SETTINGS_MODULE": "benchsite.settings.production"}
        run([PYTHON, "manage.py", "migrate", "-v0"], wagtail_env, cwd=work / "wagtail")
        run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            wagtail_env,
            work / "wagtail",
        )

        # our sites, production settings
        ours_env = {
            **base_env,
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "SITE_HOSTNAMES": "mihvvs=mihvvs.localhost,mihel=mihel.localhost",
            "SITE_PORT": "80",
            "SECURE_SSL_REDIRECT": "0",
            "VAR_DIR": str(work / "var"),
            "DATABASE_URL": f"sqlite:///{work / 'ours.sqlite3'}",
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
            "FORMS_RATE_LIMIT": "1000000000",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        for command in (
            ["migrate", "-v0"],
            ["setup_sites"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            run([PYTHON, "manage.py", *command], ours_env)

        servers = [
            Server("bare Django view", bare_wsgi, work / "bare", bare_env),
            Server("fresh wagtail start", "benchsite.wsgi", work / "wagtail", wagtail_env),
            Server("ours, cached", "cms.wsgi", ROOT, ours_env, host=VVS),
            Server(
                "ours, uncached",
                "cms.wsgi",
                ROOT,
                {**ours_env, "PAGE_CACHE_SECONDS": "0"},
                host=VVS,
            ),
        ]
        bare, wagtail, cached, uncached = servers
        targets = [(bare, "ok", "/"), (wagtail, "home", "/")]
        for server in (cached, uncached):
            targets += [(server, name, path) for name, path in PAGES.items()]

        queries = {}
        for label, env in (
            ("cached", ours_env),
            ("uncached", {**ours_env, "PAGE_CACHE_SECONDS": "0"}),
        ):
            out = subprocess.run(
                [PYTHON, "-c", QUERY_COUNT, json.dumps(PAGES), VVS],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            queries[label] = json.loads(out.strip().splitlines()[-1])
        out = subprocess.run(
            [PYTHON, "-c", QUERY_COUNT, json.dumps({"home": "/"}), "localhost"],
            cwd=work / "wagtail",
            env=wagtail_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        wagtail_queries = json.loads(out.strip().splitlines()[-1])["home"][1]

        results = {index: [] for index in range(len(targets))}
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}/{args.rounds}", file=sys.stderr)
            for index, (server, _name, path) in enumerate(targets):
                results[index].append(load(server, path, args.seconds, args.clients))

        print()
        print(
            f"{'target':<20} {'page':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'CPU ms/req':>10} {'queries':>8}"
        )
        for index, (server, name, _path) in enumerate(targets):
            rounds = results[index]
            rate = statistics.median(r[0] for r in rounds)
            p50 = statistics.median(r[1] for r in rounds)
            p99 = statistics.median(r[2] for r in rounds)
            cpu = statistics.median(r[3] for r in rounds)
            if server is bare:
                count = 0
            elif server is wagtail:
                count = wagtail_queries
            else:
                label = "cached" if server is cached else "uncached"
                count = queries[label][name][1]
            print(
                f"{server.name:<20} {name:<18} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f} "
                f"{cpu:>10.2f} {count:>8}"
            )

        rates = {
            (targets[index][0].name, targets[index][1]): statistics.median(
                r[0] for r in results[index]
            )
            for index in results
        }
        bare_rate, wagtail_rate = rates[(bare.name, "ok")], rates[(wagtail.name, "home")]
        print()
        for name in PAGES:
            print(
                f"{name:<18} cached {rates[(cached.name, name)] / bare_rate:>5.0%} of bare; "
                f"uncached {rates[(uncached.name, name)] / wagtail_rate:>5.0%} of wagtail start"
            )

        rate = post_rate(cached, PAGES["quote form (GET)"], args.seconds * 2, args.clients)
        print(f"\nquote form posts without photos (GET + POST each): {rate:.0f}/s")
    finally:
        for server in servers:
            server.stop()
        try:
            import redis

            client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
            prefix = ours_env["CACHE_KEY_PREFIX"] if "ours_env" in locals() else None
            if prefix:
                for key in client.scan_iter(f"{prefix}:*"):
                    client.delete(key)
        except Exception as error:  # noqa: BLE001 (leftover keys expire anyway)
            print(f"(could not remove the benchmark's Redis keys: {error})", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
