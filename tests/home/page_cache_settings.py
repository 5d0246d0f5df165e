"""Settings for tests/home/page_cache_worker.py: the test settings, with Redis as the cache."""

import os

from cms.settings.test import *  # noqa: F403

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": os.environ["CACHE_KEY_PREFIX"],
    }
}
