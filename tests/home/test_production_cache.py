"""Production without a shared cache must not cache pages: each gunicorn worker's memory cache
would keep serving what it had after a publish handled by another worker."""

import os
import subprocess
import sys

from django.conf import settings

SCRIPT = "from django.conf import settings; print(settings.PAGE_CACHE_ENABLED)"


def page_cache_enabled(**env):
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "PAGE_CACHE_SECONDS")},
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": "test-only",
        "SITE_HOSTNAMES": "mihvvs=mihvvs.dk,mihel=mihel.dk",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + SCRIPT],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1] == "True"


def test_no_page_cache_in_production_without_redis():
    assert not page_cache_enabled(PAGE_CACHE_SECONDS="600")


def test_page_cache_in_production_with_redis():
    assert page_cache_enabled(REDIS_URL="redis://127.0.0.1:6379/9")
