# pytest. The harness in tests/harness starts PostgreSQL, Redis and Elasticsearch
# (unless their URLs are given) and exports DATABASE_URL, REDIS_URL and
# ELASTICSEARCH_URL before Django reads this module.
from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SEARCH_INDEX_PREFIX = env("SEARCH_INDEX_PREFIX", "test_staffroom")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
STAFFROOM_CHAT_RATE = (int(env("STAFFROOM_CHAT_RATE_COUNT", "20")), 10.0)
