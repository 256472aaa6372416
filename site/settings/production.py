# The production stack (docker compose): PostgreSQL, Redis, Elasticsearch.
# Refuses to start when a secret or a service URL is missing.
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DATABASES,
    ELASTICSEARCH_URL,
    REDIS_URL,
    SECRET_KEY,
    env,
    env_bool,
    env_list,
)

DEBUG = False
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)

_missing = []
if not SECRET_KEY or SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 32:
    _missing.append("SECRET_KEY (at least 32 random characters)")
if not env("DATABASE_URL") or DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    _missing.append("DATABASE_URL (a PostgreSQL URL)")
if not REDIS_URL:
    _missing.append("REDIS_URL")
if not ELASTICSEARCH_URL:
    _missing.append("ELASTICSEARCH_URL")
if not env_list("ALLOWED_HOSTS"):
    _missing.append("ALLOWED_HOSTS")
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
    )

# Connections come from the pool configured in base.py (DB_POOL_SIZE per process).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

ACCOUNT_EMAIL_VERIFICATION = "mandatory"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
