# How the settings combine
# ------------------------
# base.py holds everything that does not depend on where Staffroom runs, and reads
# the service URLs from the environment. Each of dev.py, test.py and production.py
# starts with `from .base import *` and changes only what differs:
#
#   dev         the embedded default used by `make run`: DEBUG on, console mail.
#   test        used by pytest; the test harness (tests/harness) starts PostgreSQL,
#               Redis and Elasticsearch and passes their URLs in the environment.
#   production  refuses to start without a real SECRET_KEY and every service URL.
#
# With no service URLs set, base.py falls back to the embedded default: SQLite and
# uploads under the data directory, the in-memory channel layer, and the database
# search fallback. Every environment variable is listed in `.env.example`.

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("STAFFROOM_DATA_DIR") or BASE_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "staffroom",
    "community",
    "ideabank",
    "forums",
    "live",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "ninja",  # serves the API docs UI from our own static files, not a CDN
    "modelcluster",
    "taggit",
    "django_filters",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "staffroom.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After sessions, locale, messages and the security headers: it serves anonymous
    # visitors without a session straight from the cache (staffroom/pagecache.py).
    "staffroom.pagecache.PageCacheMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "staffroom.urls"
ASGI_APPLICATION = "staffroom.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "staffroom.context_processors.staffroom",
            ],
        },
    },
]

# The embedded default is a SQLite file in the data directory.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'staffroom.sqlite3'}",
        # Without the pool below (SQLite, or DB_POOL=0): 0 closes after each request.
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", True):
    # Under ASGI each request runs in its own context, and Django keeps database
    # connections per context: every request opened a new PostgreSQL connection
    # (and with CONN_MAX_AGE > 0 left it open behind it). A pool per process
    # instead; with health checks on, Django has the pool replace a connection that
    # died with a PostgreSQL restart before handing it out.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(env("DB_POOL_SIZE", "10")),
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a competing writer instead of failing at once (daphne runs
    # sync views in threads).
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "community.User"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 defaults to a 5 s socket timeout while the layer blocks
                # up to 5 s in BZPOPMIN: idle consumers would die with close 1011.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "socket_connect_timeout": 5,
                        # redis-py 8's asyncio pool allows 100 connections and then raises
                        # MaxConnectionsError (seen at 1,000 sockets in bench/room_fanout).
                        "max_connections": int(env("REDIS_MAX_CONNECTIONS", "2000")),
                    }
                ],
                "capacity": 500,
                "expiry": 60,
            },
        }
    }
else:
    # One process only: the embedded default.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "staffroom.cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "staffroom"),
            # A Redis that stops answering costs a page at most this long, then it
            # renders without the cache (staffroom/cache.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
# Index names get this prefix; tests use their own.
SEARCH_INDEX_PREFIX = env("SEARCH_INDEX_PREFIX", "staffroom")
SEARCH_TIMEOUT = float(env("SEARCH_TIMEOUT", "3"))

# Wagtail's own admin search stays on the database; Staffroom's public search
# lives in the `search` app and uses Elasticsearch when ELASTICSEARCH_URL is set.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "community.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norsk bokmål")), ("nn", _("Norsk nynorsk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded media (videos, captions, images) served by Django itself: on in the
# embedded default and tests; production serves them from the proxy or sets it.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve from the finders when collectstatic has not run (make run, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Staffroom <ikke-svar@staffroom.local>")

WAGTAIL_SITE_NAME = "Staffroom"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "docx", "pptx", "odp", "xlsx", "ods", "txt", "csv"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 5 * 1024 * 1024
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# django-allauth: local accounts; FEIDE comes in through OpenID Connect.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,5/5m/key"}
ACCOUNT_SESSION_REMEMBER = None
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True

FEIDE_CLIENT_ID = env("FEIDE_CLIENT_ID")
FEIDE_CLIENT_SECRET = env("FEIDE_CLIENT_SECRET")
FEIDE_ISSUER = env("FEIDE_ISSUER")
SOCIALACCOUNT_PROVIDERS = {}
if FEIDE_CLIENT_ID and FEIDE_ISSUER:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "feide",
                "name": "Feide",
                "client_id": FEIDE_CLIENT_ID,
                "secret": FEIDE_CLIENT_SECRET,
                "settings": {
                    "server_url": FEIDE_ISSUER,
                    "scope": ["openid", "profile", "email", "userid-feide", "eduPersonAffiliation"],
                },
            }
        ],
    }

# Limits users notice (see docs/protocol-*.md).
STAFFROOM_GROUP_MAX_MEMBERS = 10
STAFFROOM_CHAT_MAX_LENGTH = int(env("STAFFROOM_CHAT_MAX_LENGTH", "4000"))
STAFFROOM_CHAT_RATE = (int(env("STAFFROOM_CHAT_RATE_COUNT", "10")), 10.0)
STAFFROOM_CHAT_EDIT_WINDOW = int(env("STAFFROOM_CHAT_EDIT_WINDOW", str(15 * 60)))
STAFFROOM_CHAT_DELETE_WINDOW = int(env("STAFFROOM_CHAT_DELETE_WINDOW", str(60 * 60)))
STAFFROOM_LIVE_RETENTION = int(env("STAFFROOM_LIVE_RETENTION", "500"))
# Seconds a thread may hold the GIL while another waits (Python's default is 0.005).
# A daphne process's event loop gives the GIL up at every socket write; with database
# threads running ORM code beside it, it would wait up to 5 ms each time to go on.
STAFFROOM_GIL_SWITCH_INTERVAL = float(env("STAFFROOM_GIL_SWITCH_INTERVAL", "0.0005"))
STAFFROOM_FORUM_POST_RATE = (int(env("STAFFROOM_FORUM_POST_RATE", "5")), 60.0)
STAFFROOM_FORUM_EDIT_WINDOW = int(env("STAFFROOM_FORUM_EDIT_WINDOW", str(30 * 60)))
STAFFROOM_FORUM_MAX_LENGTH = 20_000
# The content security policy on public pages (staffroom/security.py); on everywhere
# so the browser tests run under the same policy as production.
STAFFROOM_CSP = env_bool("STAFFROOM_CSP", True)

# Seconds an anonymous visitor's rendering of a public page is reused; 0 turns
# the page cache off. Publishing anything empties it at once.
STAFFROOM_PAGE_CACHE_SECONDS = int(env("STAFFROOM_PAGE_CACHE_SECONDS", "60"))
# Below the page cache, for every viewer: the site lookup and the parts of a page
# that do not depend on who reads it (a module's blocks), kept per generation.
# Off only to measure what rendering costs (bench/course_page).
STAFFROOM_RENDER_CACHE = env_bool("STAFFROOM_RENDER_CACHE", True)

# Live fan-out of forum events. Off only to measure what fan-out costs a reply
# (bench/forum_reply); pages and catch-up work either way.
STAFFROOM_FORUM_FANOUT = env_bool("STAFFROOM_FORUM_FANOUT", True)
STAFFROOM_FORUM_AUTOHIDE_FLAGS = int(env("STAFFROOM_FORUM_AUTOHIDE_FLAGS", "3"))
STAFFROOM_FORUM_HOLD_FIRST_POSTS = int(env("STAFFROOM_FORUM_HOLD_FIRST_POSTS", "0"))
STAFFROOM_DEMO_PASSWORD = env("STAFFROOM_DEMO_PASSWORD", "staffroom-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "elastic_transport": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
TAGGIT_CASE_INSENSITIVE = True
