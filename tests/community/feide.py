"""Starts the loopback OpenID Connect provider (tests/oidc_provider) in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT, free_port

CLIENT_ID = "staffroom-test"
CLIENT_SECRET = "staffroom-test-secret-0123456789"
PASSWORD = "leverandor-pass-123"

SETUP = """
from django.contrib.auth.models import User
from oauth2_provider.models import Application
User.objects.create_user("feide-lærer", "fjord.laerer@testskole.no", {password!r}, first_name="Fjord", last_name="Lærer")
User.objects.create_user("feide-elev", "elev@testskole.no", {password!r}, first_name="Eli", last_name="Elev")
Application.objects.create(name="Staffroom", client_id={client_id!r}, client_secret={secret!r},
    client_type="confidential", authorization_grant_type="authorization-code",
    redirect_uris={redirect!r}, skip_authorization=True, algorithm="RS256")
"""


def _private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class Provider:
    def __init__(self, workdir: Path, redirect_uri: str):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        self.log = workdir / "oidc-provider.log"
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
                    "OIDC_PROVIDER_DB": str(workdir / "provider.sqlite3"), "OIDC_PROVIDER_KEY": _private_key()}
        for name in ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"):
            self.env.pop(name, None)
        run = dict(cwd=ROOT, env=self.env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], **run)
        script = SETUP.format(password=PASSWORD, client_id=CLIENT_ID, secret=CLIENT_SECRET, redirect=redirect_uri)
        subprocess.run([sys.executable, "-m", "django", "shell", "-c", script], **run)
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT, env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.issuer + "/.well-known/openid-configuration", timeout=2)
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("OIDC provider exited:\n" + self.log.read_text()[-2000:])
                time.sleep(0.2)
        raise RuntimeError("OIDC provider did not start:\n" + self.log.read_text()[-2000:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
