"""``manage.py ensure_dev_superuser``: a local admin login for development only."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

ENV = "DJANGO_SUPERUSER_PASSWORD"


def run():
    out = io.StringIO()
    call_command("ensure_dev_superuser", stdout=out, stderr=out)
    return out.getvalue()


def admin():
    return get_user_model().objects.get(username="admin")


def test_refuses_without_debug(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setenv(ENV, "a-long-dev-password-1")
    with pytest.raises(CommandError):
        run()
    assert not get_user_model().objects.filter(username="admin").exists()


def test_uses_password_from_environment_without_printing_it(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv(ENV, "a-long-dev-password-1")
    output = run()
    user = admin()
    assert user.is_superuser and user.is_staff
    assert user.check_password("a-long-dev-password-1")
    assert "a-long-dev-password-1" not in output


def test_generates_and_prints_password_once(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.delenv(ENV, raising=False)
    output = run()
    match = re.search(r"password (\S+)", output)
    assert match, output
    password = match.group(1)
    assert admin().is_superuser and admin().check_password(password)
    assert output.count(password) == 1

    again = run()
    assert password not in again
    assert admin().check_password(password)
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_second_run_keeps_environment_password(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv(ENV, "a-long-dev-password-1")
    run()
    monkeypatch.setenv(ENV, "another-dev-password-2")
    output = run()
    assert admin().check_password("a-long-dev-password-1")
    assert "a-long-dev-password-1" not in output and "another-dev-password-2" not in output
