"""Admin login throttling (django-axes, home/lockouts.py) and idle session expiry."""

from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from freezegun import freeze_time

from home.lockouts import purge_login_records
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"
HOST = "mihvvs.localhost"


@pytest.fixture
def editor(sites):
    user = UserFactory(username="mette", superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def attempt(client, username, password, ip):
    client.logout()
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        HTTP_HOST=HOST,
        REMOTE_ADDR=ip,
    )


def logged_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail(client, username, ip, times=5):
    for _ in range(times):
        response = attempt(client, username, "wrong password", ip)
        assert not logged_in(response)
    return response


def test_an_account_is_locked_after_five_failures_even_for_the_right_password(client, editor):
    response = fail(client, "mette", "198.51.100.7")
    assert response.status_code == 429

    response = attempt(client, "mette", PASSWORD, "198.51.100.7")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    with translation.override("da"):
        assert gettext("Too many failed logins") in page
        assert "60" in page

    # From another address the account is locked too: the guesses were against it.
    assert attempt(client, "mette", PASSWORD, "203.0.113.9").status_code == 429


def test_four_failures_do_not_lock(client, editor):
    fail(client, "mette", "198.51.100.7", times=4)
    assert logged_in(attempt(client, "mette", PASSWORD, "198.51.100.7"))


def test_a_client_is_locked_after_five_failures_on_any_accounts(client, editor, sites):
    other = UserFactory(username="jens")
    other.set_password(PASSWORD)
    other.save()
    for name in ("a", "b", "c", "d", "e"):
        fail(client, name, "198.51.100.7", times=1)

    assert attempt(client, "jens", PASSWORD, "198.51.100.7").status_code == 429
    # Another client is not affected; neither account has failures of its own.
    assert logged_in(attempt(client, "jens", PASSWORD, "203.0.113.9"))


def test_a_guesser_elsewhere_cannot_lock_the_owner_out_at_their_usual_address(client, editor):
    # The owner logged in from the office before.
    assert logged_in(attempt(client, "mette", PASSWORD, "192.0.2.10"))
    # A guesser tries her account from five addresses, one guess each.
    for number in range(1, 6):
        fail(client, "mette", f"198.51.100.{number}", times=1)

    # Strangers are refused, even with the right password ...
    assert attempt(client, "mette", PASSWORD, "203.0.113.9").status_code == 429
    # ... the owner at her usual address is not.
    assert logged_in(attempt(client, "mette", PASSWORD, "192.0.2.10"))


def test_the_owners_address_still_has_its_own_limit(client, editor):
    assert logged_in(attempt(client, "mette", PASSWORD, "192.0.2.10"))
    fail(client, "mette", "192.0.2.10")
    assert attempt(client, "mette", PASSWORD, "192.0.2.10").status_code == 429


def test_a_lockout_ends_an_hour_after_it_began(client, editor):
    start = timezone.now()
    with freeze_time(start):
        fail(client, "mette", "198.51.100.7")
    with freeze_time(start + timedelta(minutes=30)):
        # Trying during the lockout does not prolong it.
        assert attempt(client, "mette", "wrong", "198.51.100.7").status_code == 429
        assert attempt(client, "mette", PASSWORD, "198.51.100.7").status_code == 429
    with freeze_time(start + timedelta(minutes=61)):
        assert logged_in(attempt(client, "mette", PASSWORD, "198.51.100.7"))


def test_the_password_is_never_stored(client, editor):
    fail(client, "mette", "198.51.100.7", times=2)
    row = AccessAttempt.objects.get()
    assert row.username == "mette"
    assert row.ip_address == "198.51.100.7"
    assert row.failures_since_start == 2
    assert "wrong password" not in row.post_data


def test_the_client_address_comes_through_the_trusted_proxy(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(5):
        client.post(
            LOGIN,
            {"username": f"u{number}", "password": "wrong"},
            HTTP_HOST=HOST,
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 198.51.100.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    assert attempt(client, "mette", PASSWORD, "10.0.0.2").status_code != 429


def test_a_superuser_sees_and_lifts_a_lockout(client, editor, superuser):
    fail(client, "mette", "198.51.100.7")
    row = AccessAttempt.objects.get()

    client.force_login(superuser)
    listing = client.get(reverse("login_lockouts:index"), HTTP_HOST=HOST)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "mette" in html and "198.51.100.7" in html
    delete_url = reverse("login_lockouts:delete", args=[row.pk])
    assert delete_url in html
    # The settings menu leads there.
    assert (
        reverse("login_lockouts:index") in client.get("/admin/", HTTP_HOST=HOST).content.decode()
    )

    response = client.post(delete_url, HTTP_HOST=HOST)
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()

    assert logged_in(attempt(client, "mette", PASSWORD, "198.51.100.7"))


def test_only_superusers_see_lockouts(client, sites, vvs_staff, vvs_editor):
    for user in (vvs_staff, vvs_editor):
        client.force_login(user)
        response = client.get(reverse("login_lockouts:index"), HTTP_HOST=HOST)
        assert response.status_code == 302
        assert (
            reverse("login_lockouts:index")
            not in client.get("/admin/", HTTP_HOST=HOST).content.decode()
        )


def test_the_daily_purge_deletes_old_login_records(client, editor):
    start = timezone.now()
    with freeze_time(start - timedelta(days=31)):
        assert logged_in(attempt(client, "mette", PASSWORD, "192.0.2.10"))
    with freeze_time(start - timedelta(hours=2)):
        fail(client, "mette", "198.51.100.7", times=1)

    # The failure is past its cool-off (it counts for nothing), the login past the days an
    # address is remembered. (axes also drops expired failures itself at the next login
    # event; the purge covers the quiet days.)
    assert purge_login_records() == (1, 1)
    assert not AccessAttempt.objects.exists()
    assert not AccessLog.objects.exists()

    assert logged_in(attempt(client, "mette", PASSWORD, "192.0.2.10"))
    fail(client, "mette", "198.51.100.8", times=1)
    with freeze_time(start + timedelta(days=31)):
        call_command("purge_expired_submissions", "--delete", stdout=StringIO())
    assert not AccessAttempt.objects.exists()
    assert not AccessLog.objects.exists()


# Sessions


def test_an_idle_admin_session_ends_after_a_working_day(client, superuser):
    start = timezone.now()
    with freeze_time(start):
        client.force_login(superuser)
        assert client.get("/admin/", HTTP_HOST=HOST).status_code == 200
    # Each request moves the expiry: eight hours later, and eight more, still logged in.
    with freeze_time(start + timedelta(hours=8)):
        assert client.get("/admin/", HTTP_HOST=HOST).status_code == 200
    with freeze_time(start + timedelta(hours=16)):
        assert client.get("/admin/", HTTP_HOST=HOST).status_code == 200
    # Nine hours and a minute without a request: sent to the login page.
    with freeze_time(start + timedelta(hours=25, minutes=1)):
        response = client.get("/admin/", HTTP_HOST=HOST)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_the_session_cookie_still_ends_with_the_browser(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/", HTTP_HOST=HOST)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]
