import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT, free_port

CLEAN_ENV_DROP = ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV_DROP}
    env.update(extra)
    return env


def fetch(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_embedded_default_boots_with_demo_content():
    """`make run`'s steps with no service URLs: SQLite, in-memory layer, database search."""
    data = tempfile.mkdtemp(prefix="staffroom-boot-")
    env = clean_env(STAFFROOM_DATA_DIR=data)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    seed = subprocess.run([py, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True)
    assert "Demoinnholdet er klart" in seed.stdout
    # idempotent: a second run changes nothing and succeeds
    subprocess.run([py, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([py, "-m", "staffroom.run", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        status, body = fetch(base + "/")
        assert status == 200 and "Fra heltall til brøk" in body and 'lang="nb"' in body
        status, body = fetch(base + "/admin/login/")
        assert status == 200
        status, body = fetch(base + "/healthz")
        health = json.loads(body)
        assert status == 200, body
        assert health["database"]["engine"] == "sqlite"
        assert health["channel_layer"]["backend"] == "InMemoryChannelLayer"
        assert health["search"]["backend"] == "database"
        # The embedded default's search: SQLite answers in the API's shape, facets too.
        status, body = fetch(base + "/api/search?q=br%C3%B8k")
        found = json.loads(body)
        assert status == 200 and found["backend"] == "database", body
        assert "Brøkstafett med tallinje i gymsalen" in [r["title"] for r in found["results"]]
        assert set(found["facets"]) == {"type", "subject", "grade", "tag", "language"}
        status, body = fetch(base + "/api/search?q=br%C3%B8k&type=module")
        assert status == 200 and {r["type"] for r in json.loads(body)["results"]} == {"module"}
        status, _ = fetch(base + "/finnes-ikke/")
        assert status == 404
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, out
    assert "/admin/" in out and "kari" in out


@pytest.mark.parametrize(
    "drop, named",
    [
        ("SECRET_KEY", "SECRET_KEY"),
        ("DATABASE_URL", "DATABASE_URL"),
        ("REDIS_URL", "REDIS_URL"),
        ("ELASTICSEARCH_URL", "ELASTICSEARCH_URL"),
    ],
)
def test_production_settings_refuse_to_start_without(drop, named):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="staffroom.settings.production",
        SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@127.0.0.1:1/db", REDIS_URL="redis://127.0.0.1:1/0",
        ELASTICSEARCH_URL="http://127.0.0.1:1", ALLOWED_HOSTS="staffroom.example.org",
    )
    env.pop(drop)
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and named in done.stderr


def test_production_settings_start_when_everything_is_given():
    env = clean_env(
        DJANGO_SETTINGS_MODULE="staffroom.settings.production",
        SECRET_KEY="k" * 50, DATABASE_URL="postgres://u@127.0.0.1:1/db", REDIS_URL="redis://127.0.0.1:1/0",
        ELASTICSEARCH_URL="http://127.0.0.1:1", ALLOWED_HOSTS="staffroom.example.org",
    )
    done = subprocess.run([sys.executable, "-c", "import django; django.setup(); "
                           "from django.conf import settings; print(settings.SESSION_COOKIE_SECURE)"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.elasticsearch
def test_healthz_reports_each_real_service(client, db):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"]["engine"] == "postgresql"
    assert body["channel_layer"]["backend"] == "RedisChannelLayer"
    assert body["search"] == {**body["search"], "backend": "elasticsearch", "ok": True}


@pytest.mark.redis
def test_healthz_names_the_channel_layer_when_redis_is_stopped(client, db, settings):
    from channels.layers import channel_layers

    from tests.harness.services import Redis

    spare = Redis()
    spare.start()
    try:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                               "CONFIG": {"hosts": [{"address": spare.url, "socket_timeout": 5}]}}}
        channel_layers.backends.clear()
        assert client.get("/healthz").status_code == 200
        spare.stop()
        channel_layers.backends.clear()
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["channel_layer"]
    finally:
        spare.cleanup()
        channel_layers.backends.clear()


@pytest.mark.django_db
def test_unknown_page_gets_the_custom_404(client):
    response = client.get("/ingen-slik-side/")
    assert response.status_code == 404
    assert "Fant ikke siden" in response.content.decode()


def test_public_pages_carry_a_content_security_policy_without_inline_code(client, site_tree):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in response.content.decode()
    assert "Content-Security-Policy" not in client.get("/admin/login/")
