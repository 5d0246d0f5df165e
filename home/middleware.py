"""Send www.<site hostname> to the site's canonical hostname."""

from urllib.parse import urlsplit

from django.http import HttpResponsePermanentRedirect
from wagtail.models import Site


class CanonicalHostMiddleware:
    """301 from ``www.example.dk`` to ``example.dk`` when only the bare name is a Wagtail site.

    The decision comes from Wagtail's ``Site`` records (what editors and ``setup_sites``
    configured), so adding a site needs no code change.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host, _sep, port = request.get_host().lower().partition(":")
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
