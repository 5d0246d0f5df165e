"""The client address behind our proxies (cms.client_ip), as the form rate limit uses it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from cms.client_ip import client_ip
from tests.visitor import post_form

PROXY = "10.0.0.2"  # nginx / the load balancer, as gunicorn sees it


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        # No trusted proxy: the header is the client's own words, ignored.
        (0, "198.51.100.9", PROXY),
        # One proxy appended the real client; the left entry is forged.
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (1, "203.0.113.5", "203.0.113.5"),
        (1, " 1.1.1.1 ,2.2.2.2,  203.0.113.5 ", "203.0.113.5"),
        # Load balancer then nginx: the load balancer wrote the client, nginx the balancer.
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
        # Fewer entries than proxies (a direct request or a probe): the peer.
        (1, None, PROXY),
        (1, "", PROXY),
        (2, "203.0.113.5", PROXY),
        (1, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_ip(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(PROXY, forwarded)) == expected


def test_production_trusts_one_proxy_and_the_old_flag_means_one():
    """Production defaults to one proxy; elsewhere FORMS_TRUST_X_FORWARDED_FOR=1 still works."""
    root = Path(__file__).resolve().parents[2]
    script = "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)"

    def count(module, **env):
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"TRUSTED_PROXY_COUNT", "FORMS_TRUST_X_FORWARDED_FOR"}
        }
        environment.update(
            DJANGO_SETTINGS_MODULE=module,
            SECRET_KEY="x" * 50,
            SITE_HOSTNAMES="mihvvs=mihvvs.dk,mihel=mihel.dk",
            PYTHONPATH=str(root),
            **env,
        )
        out = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {script}"],
            env=environment,
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return int(out.stdout.strip().splitlines()[-1])

    assert count("cms.settings.production") == 1
    assert count("cms.settings.production", TRUSTED_PROXY_COUNT="2") == 2
    assert count("cms.settings.dev") == 0
    assert count("cms.settings.dev", FORMS_TRUST_X_FORWARDED_FOR="1") == 1


CONTACT = {"navn": "Ib", "e_mail": "ib@example.dk", "besked": "Hej", "samtykke": "on"}


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1, FORMS_RATE_LIMIT=1)
def test_two_visitors_behind_one_proxy_get_their_own_rate_limit(client, sites):
    def post(forwarded):
        return post_form(
            client, "/kontakt/", CONTACT, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    assert post("203.0.113.5") == 302
    assert post("203.0.113.5") == 429
    # A forged left entry does not make the same visitor someone else.
    assert post("198.51.100.1, 203.0.113.5") == 429
    # Another visitor through the same proxy has a bucket of their own.
    assert post("203.0.113.6") == 302
