"""gunicorn.conf.py under fire: slow request bodies do not freeze the site, no Server header.

The fault this guards against: three clients sending their bodies at one byte a second held
the README's three sync workers, and nobody else got an answer. nginx buffering bodies is the
main defence in production (deploy/nginx.conf.sample); the gunicorn settings are the second:
here gunicorn faces the slow clients directly.

Real processes: a migrated SQLite file, ``gunicorn -c gunicorn.conf.py cms.wsgi`` on a free
port, raw sockets as clients. The server is always killed, whatever happens.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
SLOW_CLIENTS = 3


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A migrated SQLite file, shared by this module's servers."""
    folder = tmp_path_factory.mktemp("gunicorn")
    env = server_env(folder)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return folder


def server_env(folder, port=0):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "VAR_DIR": str(folder),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "PYTHONPATH": str(ROOT),
    }


def wait_until_ready(port, process, log, deadline=90):
    """Poll until /healthz/ answers (the port opens before the workers have loaded Django)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            status, _headers, _elapsed = get(port, "/healthz/", timeout=5)
            if status in {200, 503}:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready: {log.read_text()[-2000:]}")


def get(port, path, timeout):
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "localhost"})
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders()), time.monotonic() - started
    finally:
        connection.close()


class SlowClient(threading.Thread):
    """Posts a form body one byte a second, until told to stop."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.stopped = threading.Event()

    def run(self):
        body_length = 600
        head = (
            "POST / HTTP/1.1\r\nHost: localhost\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            # A well-formed CSRF cookie, so Django reads the body (to find the token in it)
            # rather than refusing the post before it.
            f"Cookie: csrftoken={'a' * 32}\r\n"
            f"Content-Length: {body_length}\r\n\r\n"
        )
        try:
            self.sock.sendall(head.encode())
            for _ in range(body_length):
                if self.stopped.wait(1.0):
                    break
                self.sock.sendall(b"a")
        except OSError:
            pass

    def stop(self):
        self.stopped.set()
        self.sock.close()


def serve(database, *extra_args):
    """Start gunicorn with gunicorn.conf.py (plus ``extra_args``); yields its port."""
    port = free_port()
    log = database / f"gunicorn-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
            + [*extra_args, "cms.wsgi"],
            cwd=ROOT,
            env=server_env(database, port),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return port, process, log


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def with_slow_clients(database, *extra_args):
    """The normal request's outcome while SLOW_CLIENTS bodies trickle in: (status, headers,
    seconds) or the exception it raised."""
    port, process, log = serve(database, *extra_args)
    clients = []
    try:
        wait_until_ready(port, process, log)
        clients = [SlowClient(port) for _ in range(SLOW_CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(3)  # every slow client is accepted and inside the application by now
        try:
            return get(port, "/healthz/", timeout=5)
        except OSError as error:  # socket.timeout is an OSError
            return error
    finally:
        for client in clients:
            client.stop()
        stop(process)


def test_three_slow_bodies_do_not_stop_a_normal_request(database):
    outcome = with_slow_clients(database)
    assert not isinstance(outcome, Exception), outcome
    status, headers, elapsed = outcome
    assert status == 200
    assert elapsed < 2
    # No "Server: gunicorn" (gunicorn.conf.py drops the header gunicorn always writes).
    assert "server" not in {name.lower() for name in headers}


def test_the_same_slow_bodies_freeze_three_sync_workers(database):
    """The control: the README's old command line, same clients, no answer in 5 s."""
    outcome = with_slow_clients(
        database, "--worker-class", "sync", "--workers", "3", "--threads", "1"
    )
    assert isinstance(outcome, OSError)
