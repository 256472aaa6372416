import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _fresh_layer_and_cache():
    """Each async test runs its own event loop; a channel layer keeps per-loop state,
    so every test gets a new one (in production one loop lives as long as the layer)."""
    from channels.layers import channel_layers
    from django.core.cache import cache

    channel_layers.backends.clear()
    cache.clear()
    yield
    channel_layers.backends.clear()
    translation.activate(settings.LANGUAGE_CODE)  # a test client's language must not outlive its test


@pytest.fixture
def make_user(db):
    from community.models import Profile, Role, User

    def make(username: str, role: str = Role.TEACHER, password: str = "pass-for-tests-123", **extra) -> User:
        user = User.objects.create_user(username=username, email=f"{username}@example.org", password=password,
                                        display_name=extra.pop("display_name", username.title()), **extra)
        Profile.objects.create(user=user, role=role, school=extra.get("school", "Testskolen"))
        return user

    return make


@pytest.fixture
def site_tree(db):
    """Home page, course index and idea bank, as seed_demo makes them."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=open(os.devnull, "w"))
    from staffroom.models import HomePage

    return HomePage.objects.get()


def session_cookie_for(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Daphne:
    """A real daphne process serving the test database (committed data only)."""

    def __init__(self, port: int, env: dict):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"daphne-{port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "staffroom.asgi:application"],
            cwd=ROOT, env=env, stdout=open(self.log, "wb"), stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("daphne exited:\n" + self.log.read_text()[-2000:])
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("daphne did not start:\n" + self.log.read_text()[-2000:])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def daphne_env(**overrides) -> dict:
    from django.db import connection

    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items()}
    env["DJANGO_SETTINGS_MODULE"] = "staffroom.settings.test"
    env["DB_POOL"] = "1"
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env.update(overrides)
    return env


@pytest.fixture
def daphne_factory(transactional_db):
    servers = []

    def start(**overrides) -> Daphne:
        server = Daphne(free_port(), daphne_env(**overrides))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def daphne(daphne_factory):
    return daphne_factory()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def chromium():
    # Module scope: Playwright's sync API runs an event loop on the main thread, which
    # must be gone before the async (pytest-asyncio) tests of other modules run.
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(binary):
        pytest.fail("Chromium is missing: install it with apt-get install -y chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on the main thread; the ORM calls
    # the tests make beside it are plain sync code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def assert_accessible(page, context: str = "") -> None:
    """axe-core over the current page: any WCAG 2.1 A/AA violation fails the test."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag",
                                                   "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    violations = results.response["violations"]
    assert not violations, f"axe-core violations on {context or page.url}:\n" + "\n".join(
        f"- {v['id']}: {v['help']} ({len(v['nodes'])} nodes: {[n['target'] for n in v['nodes']][:3]})"
        for v in violations
    )


@pytest.fixture
def browser_context(chromium):
    contexts = []
    refused: list[str] = []

    def watch(page):
        # A script, style or frame our own content security policy blocks is a bug.
        page.on("console", lambda msg: refused.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text else None)

    def make(server, user=None):
        ctx = chromium.new_context(base_url=server.url, locale="nb-NO")
        ctx.on("page", watch)
        if user is not None:
            ctx.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie_for(user),
                              "domain": "127.0.0.1", "path": "/"}])
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()
    assert not refused, f"blocked by the content security policy: {refused}"
