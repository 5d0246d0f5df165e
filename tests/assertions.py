"""How the admin refuses, exactly: each helper checks one promise, status and Location both."""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


def assert_sent_to_login(response):
    """An anonymous user on an admin URL: a 302 to the admin login, which returns them to the
    URL they asked for."""
    expected = redirect_to_login(
        response.wsgi_request.get_full_path(), login_url=reverse("wagtailadmin_login")
    )
    assert (response.status_code, response.get("Location")) == (302, expected["Location"])


def assert_permission_denied(response):
    """A logged-in admin user without the permission: Wagtail's ``permission_denied``, a 302
    to the dashboard (with an error message)."""
    assert (response.status_code, response.get("Location")) == (302, reverse("wagtailadmin_home"))
