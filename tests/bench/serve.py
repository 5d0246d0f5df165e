"""Serving benchmark (``make bench-serve``): our pages against a bare Django view and a fresh
``wagtail start`` home page, side by side under the same gunicorn settings.

One run starts, each with ``gunicorn -c gunicorn.conf.py`` and 2 workers:

* **bare**: a Django view returning "ok" (no middleware, no database);
* **wagtail**: a project made by ``wagtail start`` from the installed Wagtail (SQLite);
* **ours (cached)** and **ours (uncached)**: ``cms.settings.production`` on a SQLite file with
  both sites from ``setup_sites`` and Redis as the cache, the second with
  ``PAGE_CACHE_SECONDS=0``.

* **baseline** (``--baseline-ref GIT_REF``, e.g. ``b2a7260``, main before issue 10): that
  commit's tree (``git archive``, into the run's temporary directory: nothing in the repository
  changes) under the same settings, venv and gunicorn config, for its quote form GET and POST.

Then it drives each page with ``wrk`` when it is on PATH (one thread, ``--clients``
connections; Debian package ``wrk``), else with keep-alive HTTP/1.1 clients in Python threads
(which take CPU from the servers on a small machine), interleaving the targets round by round,
and prints requests/s (median of the rounds), p50/p99 latency, the gunicorn workers' CPU
milliseconds per request (from /proc), and SQL queries per page (a test-client pass in a
subprocess under CaptureQueriesContext). Last, quote-form posts without photos per second,
ours and the baseline's interleaved: the same posted form (one CSRF cookie and signed
reference, as a visitor re-sending), counted as submissions stored in the database (rate limit
lifted for the run; mail to Django's in-memory backend, so the baseline's in-request sending
costs it only the message building).

Needs Redis at REDIS_URL (default redis://127.0.0.1:6379/0; its keys get a prefix of their
own). Options: ``--seconds`` per round, ``--rounds``, ``--clients``, ``--baseline-ref``,
``--python-client`` (ignore wrk).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
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


WRK = None if os.environ.get("BENCH_PYTHON_CLIENT") else shutil.which("wrk")
WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(server, path, seconds, clients, script=None):
    """Run wrk against ``path``: ``(requests, elapsed s, p50 ms, p99 ms)``; raises on errors."""
    command = [
        WRK,
        "-t1",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-H",
        f"Host: {server.host}",
    ]
    if script:
        command += ["-s", str(script)]
    began = time.monotonic()
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{server.port}{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    elapsed = time.monotonic() - began
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if bad or (errors and any(int(n) for n in errors.groups())):
        raise RuntimeError(f"{server.name} {path}: wrk reported errors\n{out}")
    count = int(re.search(r"(\d+) requests in", out).group(1))
    elapsed = float(re.search(r"requests in ([\d.]+)(m?s)", out).group(1))
    unit = re.search(r"requests in [\d.]+(m?s)", out).group(1)
    elapsed = elapsed / 1000 if unit == "ms" else elapsed

    def percentile(name):
        value, unit = re.search(rf"^\s+{name}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * WRK_UNITS[unit]

    return count, elapsed, percentile(50), percentile(99)


def cpu_ms_since(server, ticks):
    """CPU milliseconds the server's processes used since ``ticks`` (``server.cpu_ticks()``)."""
    after = server.cpu_ticks()
    return sum(after[pid] - ticks.get(pid, 0) for pid in after) * 1000 / CLK_TCK


def run_clients(client, count):
    """Run ``count`` threads of ``client`` at once; the seconds until the last one ended."""
    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - began


def load(server, path, seconds, clients):
    """``(requests/s, p50 ms, p99 ms, CPU ms per request)`` for GETs of ``path``."""
    if WRK:
        ticks = server.cpu_ticks()
        count, elapsed, p50, p99 = wrk(server, path, seconds, clients)
        cpu_ms = cpu_ms_since(server, ticks)
        return count / elapsed, p50, p99, cpu_ms / max(count, 1)
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
    elapsed = run_clients(client, clients)
    cpu_ms = cpu_ms_since(server, ticks)
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


def stored_submissions(database):
    with sqlite3.connect(database, timeout=30) as connection:
        return connection.execute("SELECT count(*) FROM forms_app_formsubmission").fetchone()[0]


def prepared_post(server, path):
    """``(body, headers)`` of a quote-form post as a visitor's browser sends it, after one GET
    (its CSRF cookie and signed reference); checked to be accepted once."""
    _status, body, response = request(server, path)
    cookie = "; ".join(
        part.split(";", 1)[0] for key, part in response.getheaders() if key.lower() == "set-cookie"
    )
    data = urlencode(form_fields(body.decode()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie,
        "Referer": f"http://{server.host}{path}",
    }
    status, _body, _ = request(server, path, "POST", data, headers)
    if status != 302:
        raise RuntimeError(f"{server.name}: form post answered {status}")
    return data, headers


def post_rate(server, path, seconds, clients, database, work):
    """``(posts stored per second, CPU ms per post)``: the same quote-form post without
    photos, sent over and over; counted as rows stored, so a form shown again counts nothing."""
    data, headers = prepared_post(server, path)
    before, ticks = stored_submissions(database), server.cpu_ticks()
    if WRK:
        script = work / f"post-{server.port}.lua"
        lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(data)}"]
        lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
        script.write_text("\n".join(lines) + "\n")
        _count, elapsed, _p50, _p99 = wrk(server, path, seconds, clients, script)
    else:
        stop = time.monotonic() + seconds

        def client():
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            while time.monotonic() < stop:
                request(server, path, "POST", data, headers, connection=connection)

        elapsed = run_clients(client, clients)
    stored = stored_submissions(database) - before
    cpu_ms = cpu_ms_since(server, ticks)
    if not stored:
        raise RuntimeError(f"{server.name}: no form post was stored")
    return stored / elapsed, cpu_ms / stored


def median(values):
    return statistics.median(values)


def main():
    global WRK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--baseline-ref",
        metavar="GIT_REF",
        help="also measure this commit's quote form GET and POST (e.g. b2a7260)",
    )
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    args = parser.parse_args()
    if args.python_client:
        WRK = None
    print(f"load generator: {'wrk' if WRK else 'Python threads'}", file=sys.stderr)

    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="mih-bench-serve-"))
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base_env.pop("PYTHONPATH", None)
    servers = []
    prefixes = []
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

        def site_env(name):
            """Production settings for a copy of our sites on its own SQLite file."""
            prefix = f"bench-{uuid.uuid4().hex[:8]}"
            prefixes.append(prefix)
            return {
                **base_env,
                "DJANGO_SETTINGS_MODULE": "cms.settings.production",
                "SECRET_KEY": "bench-" + uuid.uuid4().hex,
                "SITE_HOSTNAMES": "mihvvs=mihvvs.localhost,mihel=mihel.localhost",
                "SITE_PORT": "80",
                "SECURE_SSL_REDIRECT": "0",
                "VAR_DIR": str(work / f"var-{name}"),
                "DATABASE_URL": f"sqlite:///{work / f'{name}.sqlite3'}",
                "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                "CACHE_KEY_PREFIX": prefix,
                "FORMS_RATE_LIMIT": "1000000000",
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            }

        def set_up(env, cwd):
            for command in (
                ["migrate", "-v0"],
                ["setup_sites"],
                ["collectstatic", "--noinput", "-v0"],
            ):
                run([PYTHON, "manage.py", *command], env, cwd=cwd)

        # our sites, production settings
        ours_env = site_env("ours")
        set_up(ours_env, ROOT)

        baseline_dir = baseline_env = None
        if args.baseline_ref:
            # The commit's tree, exported (no worktree, no checkout: the repository is untouched).
            baseline_dir = work / "baseline"
            baseline_dir.mkdir()
            archive = subprocess.run(
                ["git", "archive", args.baseline_ref],
                cwd=ROOT,
                check=True,
                capture_output=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(baseline_dir)], input=archive, check=True)
            baseline_env = site_env("baseline")
            set_up(baseline_env, baseline_dir)

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
        baseline = None
        if baseline_dir:
            baseline = Server(
                f"baseline {args.baseline_ref}", "cms.wsgi", baseline_dir, baseline_env, host=VVS
            )
            servers.append(baseline)
        targets = [(bare, "ok", "/"), (wagtail, "home", "/")]
        for server in (cached, uncached):
            targets += [(server, name, path) for name, path in PAGES.items()]
        baseline_pages = {"home": PAGES["home"], "quote form (GET)": PAGES["quote form (GET)"]}
        if baseline:
            targets += [(baseline, name, path) for name, path in baseline_pages.items()]

        def count_queries(pages, host, env, cwd):
            out = subprocess.run(
                [PYTHON, "-c", QUERY_COUNT, json.dumps(pages), host],
                cwd=cwd,
                env={**env, "PYTHONPATH": str(cwd)},
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            return {
                name: count
                for name, (_status, count) in json.loads(out.strip().splitlines()[-1]).items()
            }

        queries = {
            cached: count_queries(PAGES, VVS, ours_env, ROOT),
            uncached: count_queries(PAGES, VVS, {**ours_env, "PAGE_CACHE_SECONDS": "0"}, ROOT),
            wagtail: count_queries({"home": "/"}, "localhost", wagtail_env, work / "wagtail"),
            bare: {"ok": 0},
        }
        if baseline:
            queries[baseline] = count_queries(baseline_pages, VVS, baseline_env, baseline_dir)

        # Warm every worker (imports, memo, cache entries, connections) before measuring.
        for server, _name, path in targets:
            load(server, path, 1, args.clients)

        results = {index: [] for index in range(len(targets))}
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}/{args.rounds}", file=sys.stderr)
            for index, (server, _name, path) in enumerate(targets):
                results[index].append(load(server, path, args.seconds, args.clients))

        print()
        print(
            f"{'target':<24} {'page':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'CPU ms/req':>10} {'queries':>8}"
        )
        rates = {}
        for index, (server, name, _path) in enumerate(targets):
            rounds = results[index]
            rate = median(r[0] for r in rounds)
            rates[(server, name)] = rate
            print(
                f"{server.name:<24} {name:<18} {rate:>8.0f} {median(r[1] for r in rounds):>8.1f} "
                f"{median(r[2] for r in rounds):>8.1f} {median(r[3] for r in rounds):>10.2f} "
                f"{queries[server][name]:>8}"
            )

        bare_rate, wagtail_rate = rates[(bare, "ok")], rates[(wagtail, "home")]
        print()
        for name in PAGES:
            print(
                f"{name:<18} cached {rates[(cached, name)] / bare_rate:>5.0%} of bare; "
                f"uncached {rates[(uncached, name)] / wagtail_rate:>5.0%} of wagtail start"
            )

        # Quote-form posts without photos: ours (and the baseline's) interleaved round by round.
        posters = [(cached, work / "ours.sqlite3")]
        if baseline:
            posters.append((baseline, work / "baseline.sqlite3"))
        posts = {server: [] for server, _database in posters}
        for _round in range(args.rounds):
            for server, database in posters:
                posts[server].append(
                    post_rate(
                        server,
                        PAGES["quote form (GET)"],
                        args.seconds,
                        args.clients,
                        database,
                        work,
                    )
                )
        print("\nquote form posts without photos (stored per second, CPU ms per post):")
        for server, _database in posters:
            rate = median(r[0] for r in posts[server])
            cpu = median(r[1] for r in posts[server])
            print(f"  {server.name:<24} {rate:>8.0f}/s {cpu:>8.2f} ms")
        if baseline:
            ours_post = median(r[0] for r in posts[cached])
            base_post = median(r[0] for r in posts[baseline])
            ours_get = rates[(uncached, "quote form (GET)")]
            base_get = rates[(baseline, "quote form (GET)")]
            print(
                f"\nagainst {args.baseline_ref}: quote form GET {ours_get / base_get:.1f}x, "
                f"form post {ours_post / base_post:.1f}x"
            )
    finally:
        for server in servers:
            server.stop()
        try:
            import redis

            client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
            for prefix in prefixes:
                for key in client.scan_iter(f"{prefix}:*"):
                    client.delete(key)
        except Exception as error:  # noqa: BLE001 (leftover keys expire anyway)
            print(f"(could not remove the benchmark's Redis keys: {error})", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
