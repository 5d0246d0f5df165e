"""Request handling before any view: the canonical hostname, the request size cap, headers.

* :class:`CanonicalHostMiddleware` sends ``www.<site hostname>`` to the site's hostname.
* :class:`RequestSizeLimitMiddleware` refuses a body larger than a form can need, unread.
* :class:`SecurityHeadersMiddleware` adds ``Permissions-Policy`` and
  ``Cross-Origin-Resource-Policy``; :class:`ContentSecurityPolicyMiddleware` the CSP (strict on
  public pages, Wagtail's needs on the admin).
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from csp.utils import default_config
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.storage import default_storage
from django.http import HttpResponsePermanentRedirect
from django.http.request import split_domain_port
from django.shortcuts import render
from django.utils import translation
from wagtail.models import Site


def normalised_host(request):
    """``(hostname, port)`` of the request: lower case, one trailing dot stripped.

    ``mihel.dk.`` (a fully qualified name, as a visitor may type it) is the same host as
    ``mihel.dk``. Wagtail picks the site through the same Django function, so the site and
    our redirect agree.
    """
    return split_domain_port(request.get_host())


class CanonicalHostMiddleware:
    """301 from ``www.example.dk`` to ``example.dk`` when only the bare name is a Wagtail site.

    The decision comes from Wagtail's ``Site`` records (what editors and ``setup_sites``
    configured), so adding a site needs no code change. ``www.example.dk.`` (trailing dot)
    redirects too; otherwise it would be served as the default site.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host, port = normalised_host(request)
        if host.startswith("www."):
            bare = host.removeprefix("www.")
            # Cached by Wagtail, so this costs no query per request.
            hostnames = {urlsplit(path.root_url).hostname for path in Site.get_site_root_paths()}
            if bare in hostnames and host not in hostnames:
                scheme = "https" if request.is_secure() else "http"
                # The port the visitor used (from Host), not the one gunicorn listens on.
                netloc = f"{bare}:{port}" if port else bare
                return HttpResponsePermanentRedirect(
                    f"{scheme}://{netloc}{request.get_full_path()}"
                )
        return self.get_response(request)


def request_body_limit(path):
    """The largest request body accepted on ``path``, in bytes.

    A public form needs at most its photos (``FORMS_PHOTO_MAX_TOTAL_BYTES``) plus the text
    fields and multipart framing (``REQUEST_BODY_MARGIN_BYTES``). Editors upload images and
    documents in the admin, each up to Wagtail's own limit, so /admin/ gets room for those.
    """
    margin = settings.REQUEST_BODY_MARGIN_BYTES
    limit = settings.FORMS_PHOTO_MAX_TOTAL_BYTES + margin
    if path.startswith("/admin/"):
        uploads = max(settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE, settings.WAGTAILDOCS_MAX_UPLOAD_SIZE)
        limit = max(limit, uploads + margin)
    return limit


class CountedBody:
    """The request body as Django reads it, refusing to go past ``limit`` bytes.

    Used when the request carries no ``Content-Length`` to check in advance (a chunked body).
    Django's multipart parser reads nothing without a length, but ``request.body`` (any other
    content type) reads to the end, and ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only checks the
    declared length: this stops reading one byte past the limit. (Under WSGI, Django reads no
    body without a length at all; ASGI passes it.)
    """

    def __init__(self, stream, limit):
        self.stream = stream
        self.limit = limit
        self.count = 0
        self.exceeded = False

    def _counted(self, data):
        self.count += len(data)
        if self.count > self.limit:
            self.exceeded = True
            # Django answers this exception with 400; the middleware turns it into its 413.
            raise RequestDataTooBig("Request body exceeded the size limit.")
        return data

    def read(self, size=-1):
        if size is None or size < 0:
            # request.body reads "everything": in chunks, so the limit stops it early.
            chunks = []
            while chunk := self.read(64 * 1024):
                chunks.append(chunk)
            return b"".join(chunks)
        return self._counted(self.stream.read(min(size, self.limit - self.count + 1)))

    def readline(self, size=-1):
        allowed = self.limit - self.count + 1
        size = allowed if size is None or size < 0 else min(size, allowed)
        return self._counted(self.stream.readline(size))

    def close(self):
        self.stream.close()


class RequestSizeLimitMiddleware:
    """Answer 413 with a friendly page when a request body is larger than any form needs.

    With a ``Content-Length`` the check happens before a byte of the body is read: no middleware
    reads the body in ``__call__``, and Django parses ``request.POST`` / ``FILES`` only in
    ``process_view`` (CSRF) or the view, after this. Without one, the body is counted as it is
    read. Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` leaves file uploads out, so it cannot do
    this. The front proxy has its own, larger limit (docs/operations.md).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = request_body_limit(request.path_info)
        counted = None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or "")
        except ValueError:
            length = None
        if length is not None and length > limit:
            return self.too_large(request)
        if length is None:
            # Django reads the body through this stream (WSGI and ASGI requests alike).
            counted = request._stream = CountedBody(request._stream, limit)
        response = self.get_response(request)
        if counted is not None and counted.exceeded:
            return self.too_large(request)
        return response

    def too_large(self, request):
        # LocaleMiddleware may not have run: the language comes from the path, as it would.
        language = translation.get_language_from_path(request.path_info)
        with translation.override(language or settings.LANGUAGE_CODE):
            response = render(
                request,
                "request_too_large.html",
                {"photo_limit": settings.FORMS_PHOTO_MAX_TOTAL_BYTES, "back_url": request.path},
                status=413,
            )
        return response


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` and ``Cross-Origin-Resource-Policy`` on every response.

    Every feature in ``PERMISSIONS_POLICY`` is off (``camera=()``) for our pages and any frame
    in them. Django sets the other security headers itself (``SECURE_*``, ``X_FRAME_OPTIONS``).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(f"{name}=()" for name in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if settings.CROSS_ORIGIN_RESOURCE_POLICY:
            response.headers.setdefault(
                "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
            )
        return response


def storage_origin(storage):
    """``scheme://host`` of the storage's file URLs, or None when they are on our own host."""
    parts = urlsplit(storage.url("csp-probe.png"))
    if not parts.netloc:
        return None
    return f"{parts.scheme or 'https'}://{parts.netloc}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with two policies: public pages and the Wagtail admin.

    Public pages get ``CONTENT_SECURITY_POLICY``: nothing inline and no nonce, so the header is
    the same for every response of a page and the page cache may store it with the body. Paths
    under ``CSP_ADMIN_PATH_PREFIXES`` get ``CONTENT_SECURITY_POLICY_ADMIN``; Wagtail's preview
    of a page gets the public policy, framed by our own origin. The public media
    origin (S3 or a CDN, when the default storage's URLs name another host) is allowed as an
    image source in both.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        origin = storage_origin(default_storage)
        self.img_update = {"img-src": [origin]} if origin else None

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        if parts.config is None and request.path_info.startswith(
            tuple(settings.CSP_ADMIN_PATH_PREFIXES)
        ):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        elif getattr(request, "is_dummy", False):
            # Wagtail's preview renders the page through this middleware with a request for
            # the page's own URL, and shows it in a same-origin iframe of the editor: the
            # public policy, framing allowed by our own origin only.
            parts.replace = {"frame-ancestors": ["'self'"], **(parts.replace or {})}
        if self.img_update:
            parts.update = {**self.img_update, **(parts.update or {})}
        return parts
