"""A real clamd of our own for the antivirus tests, with a signature database made here.

No signature download: the database is the EICAR test file's MD5 signature (``sigtool --md5``
format, a ``.hdb`` file), kept below base64-encoded, as is the EICAR string itself, so nothing
in the repository looks like a virus to a scanner. The fixture adds one more MD5 signature, made
at start-up, for a real JPEG (``INFECTED_PHOTO``): a file every decoder accepts, so a test can
prove the scanner, not the image decoder, refuses it.

clamd runs in the foreground as the current user (root in CI: the configuration names no
``User``), listening on a Unix socket in a temporary folder and on a loopback TCP port.
Tests skip only when the ``clamd`` binary is missing (Debian: ``apt-get install clamav-daemon
clamav``).
"""

import base64
import functools
import hashlib
import io
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.redis_server import free_port

CLAMD = shutil.which(
    "clamd", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
)
needs_clamd = pytest.mark.skipif(
    CLAMD is None,
    reason="clamd is not installed (Debian: apt-get install clamav-daemon clamav)",
)

# The EICAR anti-virus test file (68 bytes), base64.
EICAR = base64.b64decode(
    "WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElWSVJVUy1URVNULUZJTEUhJEgrSCo="
)
# `sigtool --md5` of that file, named as ClamAV's own database names it, base64.
EICAR_HDB = base64.b64decode(
    "NDRkODg2MTJmZWE4YThmMzZkZTgyZTEyNzhhYmIwMmY6Njg6RWljYXItVGVzdC1TaWduYXR1cmUK"
)
# clamd adds ".UNOFFICIAL" to signatures from databases it has no digital signature for.
EICAR_SIGNATURE = "Eicar-Test-Signature.UNOFFICIAL"
PHOTO_SIGNATURE = "Mih-Test-Infected-Photo.UNOFFICIAL"


@functools.cache
def infected_photo():
    """A real JPEG the test database flags (its MD5 is made a signature at start-up)."""
    image = Image.new("RGB", (96, 64), (12, 140, 200))
    image.paste((240, 200, 20), (20, 10, 60, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def md5_signature(content, name):
    """One line of a ``.hdb`` database, as ``sigtool --md5`` writes it."""
    return f"{hashlib.md5(content).hexdigest()}:{len(content)}:{name}\n"  # noqa: S324


class Clamd:
    """``start()`` waits until clamd answers PING; ``stop()`` kills it, as a crash would."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.socket = folder / "clamd.sock"
        self.port = free_port()
        self.log = folder / "clamd.log"
        self.process = None
        databases = folder / "db"
        databases.mkdir(exist_ok=True)
        (databases / "eicar.hdb").write_bytes(EICAR_HDB)
        (databases / "photo.hdb").write_text(
            md5_signature(infected_photo(), PHOTO_SIGNATURE.removesuffix(".UNOFFICIAL"))
        )
        self.config = folder / "clamd.conf"
        self.config.write_text(
            "\n".join(
                [
                    "Foreground yes",
                    f"LocalSocket {self.socket}",
                    "FixStaleSocket yes",
                    f"TCPSocket {self.port}",
                    "TCPAddr 127.0.0.1",
                    f"DatabaseDirectory {databases}",
                    f"TemporaryDirectory {folder}",
                    f"LogFile {self.log}",
                    "LogTime yes",
                    "",
                ]
            )
        )

    @property
    def address(self):
        return str(self.socket)

    @property
    def tcp_address(self):
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def answers(self):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(1)
                sock.connect(str(self.socket))
                sock.sendall(b"nPING\n")
                return sock.recv(16).strip() == b"PONG"
        except OSError:
            return False

    def start(self):
        self.process = subprocess.Popen(
            [CLAMD, "--config-file", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.log.read_text() if self.log.exists() else "(no log)"
                raise RuntimeError(f"clamd did not start:\n{log[-3000:]}")
            time.sleep(0.05)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture(scope="session")
def clamd_server(tmp_path_factory):
    """One real clamd for the whole run (started on first use)."""
    if CLAMD is None:
        pytest.skip("clamd is not installed (Debian: apt-get install clamav-daemon clamav)")
    server = Clamd(tmp_path_factory.mktemp("clamd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clamav(clamd_server, settings):
    """Scanning on, against the running clamd (restarted if a test stopped it)."""
    if not clamd_server.running:
        clamd_server.start()
    settings.ANTIVIRUS_ENABLED = True
    settings.CLAMAV_SOCKET = clamd_server.address
    settings.CLAMAV_TIMEOUT = 10
    settings.WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.antivirus_forms.ScannedDocumentForm"
    settings.WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.antivirus_forms.ScannedImageForm"
    return clamd_server
