"""Antivirus: every uploaded file is scanned by ClamAV's daemon before anything else reads it.

Visitors' photos (``forms_app.intake.photos``, the bytes as received, before any decoder sees
them) and editors' documents and images in the Wagtail admin (``cms.antivirus_forms``) go to
``clamd`` over its socket with the ``INSTREAM`` command (clamav-client). The answer is one of:

* clean: the upload goes on as before;
* infected: the upload is refused with a form error, logged with the signature's name and the
  kind of upload (never a name, address or file name from a visitor), and ``virus_found`` is
  sent, which ``forms_app.models.antivirus`` turns into a row for the owner's report;
* no answer (socket missing, refused, timed out, an error reply): **fail closed**. The upload
  is refused with a message asking to try again, logged, and nothing is kept.

Settings (read with defaults until ``cms/settings`` names them):

* ``ANTIVIRUS_ENABLED``: off in development and tests, on in production; ``check --deploy``
  warns when it is off (``antivirus.W001``).
* ``CLAMAV_SOCKET``: clamd's Unix socket (Debian's ``/var/run/clamav/clamd.ctl``, optionally
  written ``unix:///…``), or ``tcp://host:port`` (also ``host:port``) for a clamd elsewhere.
* ``CLAMAV_TIMEOUT``: seconds any one step (connect, send, the reply) may take.
"""

import contextvars
import io
import logging
import socket
from contextlib import contextmanager
from dataclasses import dataclass

from clamav_client.clamd import (
    ClamdError,
    ClamdNetworkSocket,
    ClamdUnixSocket,
    CommunicationError,
)
from django.conf import settings
from django.contrib import messages
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import models
from django.dispatch import Signal
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

DEFAULT_SOCKET = "/var/run/clamav/clamd.ctl"
DEFAULT_TIMEOUT = 10.0
# /healthz/ asks clamd for a PING no longer than this (the scan timeout is for large files).
PING_TIMEOUT = 2.0

# Sent for each infected upload: kind (an ``Upload``), signature (clamd's name for what it
# found), site (a ``Site`` or None), collection_id (an editor's chosen collection, or None).
virus_found = Signal()


class Upload(models.TextChoices):
    """Where an upload came from: a visitor's photo, an editor's document or image."""

    PHOTO = "photo", _("Visitor's photo")
    DOCUMENT = "document", _("Document")
    IMAGE = "image", _("Image")
    OTHER = "other", _("Other admin upload")


INFECTED_MESSAGE = _("“%(name)s” was refused: our virus scanner found harmful content in it.")
UNAVAILABLE_MESSAGE = _(
    "We could not check the file for viruses just now, so it was not uploaded. "
    "Please try again in a few minutes."
)


class ScannerUnavailable(Exception):
    """clamd did not answer, or answered with something other than a verdict."""


@dataclass(frozen=True)
class ScanResult:
    """clamd's verdict: ``signature`` names what it found, None when the file is clean."""

    signature: str | None = None

    @property
    def infected(self):
        return self.signature is not None


CLEAN = ScanResult()


def enabled():
    return bool(getattr(settings, "ANTIVIRUS_ENABLED", False))


class _UnixSocket(ClamdUnixSocket):
    """clamav-client's Unix-socket client, with the timeout set before connecting too: a clamd
    whose connection queue is full would otherwise hold the request in ``connect`` forever."""

    def _init_socket(self):
        try:
            self.clamd_socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.clamd_socket.settimeout(self.timeout)
            self.clamd_socket.connect(self.unix_socket)
        except OSError as error:
            raise CommunicationError(self._error_message(error)) from error


def client(timeout=None):
    """A clamd client for ``CLAMAV_SOCKET``."""
    address = str(getattr(settings, "CLAMAV_SOCKET", DEFAULT_SOCKET) or DEFAULT_SOCKET)
    if timeout is None:
        timeout = float(getattr(settings, "CLAMAV_TIMEOUT", DEFAULT_TIMEOUT))
    if address.startswith("tcp://") or ("/" not in address and ":" in address):
        host, _sep, port = address.removeprefix("tcp://").rpartition(":")
        return ClamdNetworkSocket(host.strip("[]"), int(port), timeout=timeout)
    return _UnixSocket(address.removeprefix("unix://"), timeout=timeout)


def scan_file(file):
    """clamd's verdict on everything ``file`` holds (read from its start; left at its start).

    Raises :class:`ScannerUnavailable` when clamd cannot be reached, times out, or answers
    with an error (a stream larger than its ``StreamMaxLength`` included).
    """
    file.seek(0)
    try:
        reply = client().instream(file)
    except (ClamdError, OSError, ValueError) as error:  # ValueError: a malformed CLAMAV_SOCKET
        raise ScannerUnavailable(type(error).__name__) from error
    finally:
        file.seek(0)
    status, signature = next(iter(reply.values()), ("ERROR", None))
    if status == "OK":
        return CLEAN
    if status == "FOUND":
        return ScanResult(signature or "unknown")
    raise ScannerUnavailable(f"clamd answered {status}")


def scan_bytes(data):
    return scan_file(io.BytesIO(data))


def ping(timeout=PING_TIMEOUT):
    """Raise :class:`ScannerUnavailable` unless clamd answers ``PING`` with ``PONG``."""
    try:
        reply = client(timeout=timeout).ping()
    except (ClamdError, OSError, ValueError) as error:
        raise ScannerUnavailable(type(error).__name__) from error
    if reply != "PONG":
        raise ScannerUnavailable("clamd did not answer PONG")


# The site an upload is for, when the code that knows it is not the code that scans (a visitor's
# form knows its page, the photo field does not): a Site, or a callable returning one, only
# called when something is found.
_upload_site = contextvars.ContextVar("antivirus_upload_site", default=None)


@contextmanager
def uploads_for_site(site):
    """Name the site (or a callable giving it) that uploads scanned inside are sent to."""
    token = _upload_site.set(site)
    try:
        yield
    finally:
        _upload_site.reset(token)


def _site(site):
    site = site if site is not None else _upload_site.get()
    try:
        return site() if callable(site) else site
    except Exception:  # noqa: BLE001 - the site is for the report; the refusal stands
        logger.warning("Could not tell which site an infected upload was for")
        return None


def check_upload(file, kind, *, name="", site=None, collection_id=None):
    """Raise ``ValidationError`` unless ``file`` may be kept: clean, or scanning is off.

    ``name`` is shown in the message only (the uploader's own file name), never logged.
    Codes: ``"infected"`` or ``"scanner_unavailable"``.
    """
    if not enabled():
        return
    try:
        result = scan_file(file)
    except ScannerUnavailable as error:
        logger.error("Upload refused (%s): the virus scanner did not answer (%s)", kind, error)
        raise ValidationError(UNAVAILABLE_MESSAGE, code="scanner_unavailable") from error
    if not result.infected:
        return
    logger.warning("Upload refused (%s): the virus scanner found %s", kind, result.signature)
    for _receiver, response in virus_found.send_robust(
        sender=Upload,
        kind=kind,
        signature=result.signature,
        site=_site(site),
        collection_id=collection_id,
    ):
        if isinstance(response, Exception):
            logger.error("Could not count an infected upload: %s", type(response).__name__)
    raise ValidationError(INFECTED_MESSAGE, code="infected", params={"name": name[:80]})


@checks.register(checks.Tags.security, deploy=True)
def check_antivirus_enabled(app_configs=None, **kwargs):
    """``check --deploy``: production must scan uploads (policy section 6)."""
    if enabled():
        return []
    return [
        checks.Warning(
            "Uploaded files are not scanned for viruses: ANTIVIRUS_ENABLED is off.",
            hint=(
                "Install clamav-daemon, point CLAMAV_SOCKET at clamd's socket and set "
                "ANTIVIRUS_ENABLED=1 (docs/operations.md, Antivirus)."
            ),
            id="antivirus.W001",
        )
    ]


# Admin paths whose forms scan their own uploads and show the refusal on the form (documents
# and images, cms.antivirus_forms); every other upload to the admin is scanned here.
FORM_SCANNED_PREFIXES = ("documents/", "images/")


class AdminUploadScanMiddleware:
    """Scan every file uploaded to the admin that no form of ours scans (a profile picture,
    a redirects import, a translation's PO file, whatever a future Wagtail adds) before the
    view reads it. A refused upload goes back to the page it came from with the message;
    the view never runs, so nothing is stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # After CsrfViewMiddleware's own process_view: a forged or anonymous post is never
        # sent to the scanner.
        if (
            request.method == "POST"
            and enabled()
            and self._unscanned_admin_path(request.path)
            and request.user.is_authenticated
        ):
            for upload in request.FILES.values():
                try:
                    check_upload(upload, Upload.OTHER, name=upload.name or "")
                except ValidationError as refusal:
                    return self._refuse(request, refusal)
        return None

    @staticmethod
    def _unscanned_admin_path(path):
        admin = reverse("wagtailadmin_home")
        if not path.startswith(admin):
            return False
        return not path[len(admin) :].startswith(FORM_SCANNED_PREFIXES)

    @staticmethod
    def _refuse(request, refusal):
        text = " ".join(refusal.messages)
        if request.headers.get("x-requested-with") == "XMLHttpRequest" or (
            "application/json" in request.headers.get("accept", "")
        ):
            return JsonResponse({"success": False, "error_message": text}, status=400)
        messages.error(request, text)
        return HttpResponseRedirect(request.get_full_path())
