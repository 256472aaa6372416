"""pytest plugin: starts the real services before Django reads its settings.

Given DATABASE_URL / REDIS_URL / ELASTICSEARCH_URL, those are used as they are.
Otherwise PostgreSQL, Redis and Elasticsearch are started on free loopback ports
and stopped at the end of the run. A service that cannot start fails the run with
what is missing and how to get it; nothing turns into a skip.
"""

from __future__ import annotations

import os
import shutil

import pytest

from . import services

STARTED: dict[str, object] = {}


def _deselected(config, marker: str) -> bool:
    expr = config.getoption("markexpr", "") or ""
    return f"not {marker}" in expr


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffroom.settings.test")
    # No connection pool in the pytest process: tests wrap the database in their own
    # transactions and call the ORM from contexts Django never closes, which would
    # keep pool connections checked out. The daphne processes the tests start use
    # the pool, as production does (tests/conftest.daphne_env).
    os.environ.setdefault("DB_POOL", "0")
    try:
        if not os.environ.get("DATABASE_URL") and not _deselected(early_config, "postgres"):
            pg = services.Postgres()
            STARTED["postgres"] = pg
            os.environ["DATABASE_URL"] = pg.start()
        if not os.environ.get("REDIS_URL") and not _deselected(early_config, "redis"):
            redis = services.Redis()
            STARTED["redis"] = redis
            os.environ["REDIS_URL"] = redis.start()
        if not os.environ.get("ELASTICSEARCH_URL") and not _deselected(early_config, "elasticsearch"):
            es = services.Elasticsearch()
            STARTED["elasticsearch"] = es
            os.environ["ELASTICSEARCH_URL"] = es.start()
            os.environ["STAFFROOM_ES_VERSION"] = es.version
    except (services.ServiceError, OSError, Exception) as exc:
        _stop_all()
        raise pytest.UsageError(f"The test harness could not start a service: {exc}") from exc
    return (yield)


def _stop_all() -> None:
    for service in reversed(list(STARTED.values())):
        cleanup = getattr(service, "cleanup", None) or service.stop
        try:
            cleanup()
        except Exception:  # noqa: BLE001
            pass
    STARTED.clear()


def pytest_unconfigure(config):
    _stop_all()


def pytest_report_header(config):
    lines = []
    for name in ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"):
        lines.append(f"{name}={os.environ.get(name, '(not set)')}")
    if os.environ.get("STAFFROOM_ES_VERSION"):
        lines.append(f"Elasticsearch {os.environ['STAFFROOM_ES_VERSION']} (integ-test-zip from Maven Central)")
    lines.append(f"chromium: {shutil.which('chromium') or 'not installed'}")
    return lines


def started(name: str):
    return STARTED.get(name)
