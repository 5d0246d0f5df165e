"""Counting benchmark (``make bench-counting``): what visit statistics add to a request for a
page answered from the page cache, against real Redis.

One process, production settings (``cms.settings.production``) on a SQLite file with both
sites from ``setup_sites`` and Redis as the cache (its keys under a prefix of their own,
removed afterwards). Requests go straight into Django's WSGI handler (no HTTP, no client
library), every one a page-cache hit of the VVS home page from a rotating set of visitors
(addresses and browsers; a share with a Referer). Rounds interleave counting off and on
(``ANALYTICS_ENABLED``), the order alternating; each figure is the median of the rounds:

* wall µs per request (includes the Redis round trip of the counting script);
* process CPU ms per request (``time.process_time``).

Two visitor kinds: consent declined (hashed by address and user agent) and statistics chosen
(hashed by their ``mih_visitor`` cookie). The difference must stay under 1 ms per request;
the exit code is 1 if it does not. Needs Redis at REDIS_URL (default redis://127.0.0.1:6379/0).
Options: ``--requests`` per mode and round, ``--rounds``.
"""

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
VVS = "mihvvs.localhost"
PATH = "/"
LIMIT_MS = 1.0
BROWSERS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/141.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
]
REFERERS = ["", "", "", "https://www.google.dk/", "https://www.example.com/a", ""]


def environ_for(index, cookie):
    """A WSGI environ: visitor ``index`` (one of 500 networks x 3 browsers) asking for the page."""
    network = index % 500
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": PATH,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": VVS,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": VVS,
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": f"10.{network // 250}.{network % 250}.{index % 7 + 1}",
        "HTTP_USER_AGENT": BROWSERS[index % len(BROWSERS)],
        "HTTP_ACCEPT": "text/html",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    referer = REFERERS[index % len(REFERERS)]
    if referer:
        environ["HTTP_REFERER"] = referer
    if cookie:
        environ["HTTP_COOKIE"] = cookie(index)
    return environ


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile one counting run")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mih-bench-counting-"))
    prefix = f"bench-counting-{uuid.uuid4().hex[:8]}"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "SITE_HOSTNAMES": "mihvvs=mihvvs.localhost,mihel=mihel.localhost",
            "SITE_PORT": "80",
            "SECURE_SSL_REDIRECT": "0",
            "VAR_DIR": str(work / "var"),
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": prefix,
            "LOG_LEVEL": "WARNING",
        }
    )
    try:
        print("setting up both sites ...", file=sys.stderr)
        for command in (
            ["migrate", "-v0"],
            ["setup_sites"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            subprocess.run(
                [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
            )
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        measure(args)
    finally:
        try:
            import redis

            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(f"{prefix}:*"):
                client.delete(key)
        except Exception as error:  # noqa: BLE001 (leftover keys expire anyway)
            print(f"(could not remove the benchmark's Redis keys: {error})", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


def measure(args):
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpResponse
    from django.test import override_settings

    from analytics.flush import flush
    from analytics.models import DailySiteStat
    from cookie_consent.cookie import CONSENT_COOKIE, VISITOR_COOKIE, Consent, write_consent

    handler = get_wsgi_application()

    def consent_cookie(statistics):
        response = HttpResponse()
        write_consent(response, Consent(uuid.uuid4(), 0, statistics))
        return f"{CONSENT_COOKIE}={response.cookies[CONSENT_COOKIE].value}"

    declined = consent_cookie(False)
    chosen = consent_cookie(True)
    visitor_ids = [uuid.uuid4().hex for _ in range(1500)]
    kinds = {
        "consent declined": lambda index: declined,
        "statistics chosen": lambda index: (
            f"{chosen}; {VISITOR_COOKIE}={visitor_ids[index % 1500]}.20260101"
        ),
    }

    def status(environ):
        seen = {}

        def start_response(status_line, headers, exc_info=None):
            seen["status"] = status_line
            seen["headers"] = dict(headers)

        body = handler(environ, start_response)
        for _chunk in body:
            pass
        body.close()
        return seen

    # Warm up: imports, memo, the stored page; every later request must be a hit.
    for kind in kinds.values():
        for index in range(50):
            status(environ_for(index, kind))
        seen = status(environ_for(0, kind))
        if not seen["status"].startswith("200") or seen["headers"].get("X-Page-Cache") != "hit":
            raise SystemExit(f"the page is not answered from the page cache: {seen}")

    def run(kind, enabled):
        environs = [environ_for(index, kind) for index in range(args.requests)]
        with override_settings(ANALYTICS_ENABLED=enabled):
            wall, cpu = time.perf_counter(), time.process_time()
            for environ in environs:
                body = handler(environ, lambda *a, **k: None)
                for _chunk in body:
                    pass
                body.close()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall / args.requests * 1e6, cpu / args.requests * 1000

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(run, kinds["consent declined"], True)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return

    results = {(name, enabled): [] for name in kinds for enabled in (False, True)}
    for round_number in range(args.rounds):
        print(f"round {round_number + 1}/{args.rounds}", file=sys.stderr)
        order = (False, True) if round_number % 2 == 0 else (True, False)
        for name, kind in kinds.items():
            for enabled in order:
                results[(name, enabled)].append(run(kind, enabled))

    flush()
    counted = sum(DailySiteStat.objects.values_list("page_views", flat=True))
    expected = args.rounds * args.requests * len(kinds)
    print()
    print(
        f"{args.rounds} rounds x {args.requests} page-cache hits of {PATH} per mode and visitor "
        f"kind; medians"
    )
    print(
        f"{'visitor':<20} {'counting':<9} {'wall us/req':>12} {'CPU ms/req':>11} "
        f"{'+wall us':>9} {'+CPU ms':>8}"
    )
    worst = 0.0
    for name in kinds:
        off_wall = statistics.median(r[0] for r in results[(name, False)])
        off_cpu = statistics.median(r[1] for r in results[(name, False)])
        on_wall = statistics.median(r[0] for r in results[(name, True)])
        on_cpu = statistics.median(r[1] for r in results[(name, True)])
        print(f"{name:<20} {'off':<9} {off_wall:>12.1f} {off_cpu:>11.3f}")
        print(
            f"{name:<20} {'on':<9} {on_wall:>12.1f} {on_cpu:>11.3f} "
            f"{on_wall - off_wall:>+9.1f} {on_cpu - off_cpu:>+8.3f}"
        )
        worst = max(worst, (on_wall - off_wall) / 1000, on_cpu - off_cpu)
    print(f"\npage views counted and flushed: {counted} (expected at least {expected})")
    verdict = "OK" if worst < LIMIT_MS else "TOO SLOW"
    print(f"largest added cost: {worst:.3f} ms per request (limit {LIMIT_MS:g} ms): {verdict}")
    if worst >= LIMIT_MS or counted < expected:
        sys.exit(1)


if __name__ == "__main__":
    main()
