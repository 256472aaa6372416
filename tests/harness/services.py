"""Real services for the test suite, started on free loopback ports and stopped by
their own process ids: PostgreSQL (initdb into a temporary directory), Redis, and
Elasticsearch from its integration-test distribution on Maven Central."""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ES_VERSIONS = ["8.19.21", "8.19.4", "8.19.2", "8.19.0"]
ES_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
CACHE = Path(os.environ.get("STAFFROOM_CACHE", Path.home() / ".cache" / "staffroom"))
UNPRIVILEGED = os.environ.get("STAFFROOM_TEST_USER", "nobody")


class ServiceError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise ServiceError(f"process exited with {proc.returncode}:\n{tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise ServiceError(f"nothing listened on port {port} within {timeout:.0f} s")


def _demote_kwargs() -> dict:
    """Run as an unprivileged user when we are root (PostgreSQL and Elasticsearch refuse root)."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(UNPRIVILEGED)
    return {"user": entry.pw_uid, "group": entry.pw_gid}


def _chown_tree(path: Path) -> None:
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam(UNPRIVILEGED)
    for root, _dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def _stop(proc: subprocess.Popen | None, timeout: float = 20) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class Postgres:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="staffroom-pg-"))
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def bindir() -> Path:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
        if candidates:
            return Path(candidates[-1]).parent
        found = shutil.which("postgres")
        if found:
            return Path(found).parent
        raise ServiceError("PostgreSQL is not installed. Install it with: apt-get install -y postgresql")

    def start(self) -> str:
        bindir = self.bindir()
        os.chmod(self.dir, 0o755)
        _chown_tree(self.dir)
        data = self.dir / "data"
        kw = _demote_kwargs()
        subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--locale=C.UTF-8"], check=True, capture_output=True, cwd=self.dir, **kw)
        log = self.dir / "postgres.log"
        self.proc = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.dir),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdout=open(log, "wb"), stderr=subprocess.STDOUT, cwd=self.dir, **kw,
        )
        wait_for_port(self.port, 60, self.proc, log)
        for _ in range(50):
            done = subprocess.run([str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                                   "-c", "CREATE DATABASE staffroom"], capture_output=True)
            if done.returncode == 0:
                break
            time.sleep(0.2)
        return f"postgres://postgres@127.0.0.1:{self.port}/staffroom"

    def stop(self) -> None:
        _stop(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="staffroom-redis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError("Redis is not installed. Install it with: apt-get install -y redis-server")
        log = self.dir / "redis.log"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=open(log, "ab"), stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, 20, self.proc, log)
        return self.url

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def elasticsearch_zip() -> Path:
    """The integ-test zip, from the cache or fetched once with Maven into it."""
    target = CACHE / "es"
    target.mkdir(parents=True, exist_ok=True)
    for version in ES_VERSIONS:
        found = target / f"elasticsearch-{version}.zip"
        if found.exists():
            return found
    if shutil.which("mvn") is None:
        raise ServiceError("Maven is needed to fetch Elasticsearch (apt-get install -y maven)")
    errors = []
    for version in ES_VERSIONS:
        done = subprocess.run(["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={ES_ARTIFACT.format(version=version)}",
                               f"-DoutputDirectory={target}"], capture_output=True, text=True, cwd=tempfile.gettempdir())
        found = target / f"elasticsearch-{version}.zip"
        if done.returncode == 0 and found.exists():
            return found
        errors.append(f"{version}: {done.stdout[-300:]}{done.stderr[-300:]}")
    raise ServiceError("Could not fetch Elasticsearch from Maven Central:\n" + "\n".join(errors))


def java_home() -> str:
    if os.environ.get("ES_JAVA_HOME"):
        return os.environ["ES_JAVA_HOME"]
    for candidate in sorted(glob.glob("/usr/lib/jvm/java-*-openjdk-amd64")) + sorted(glob.glob("/usr/lib/jvm/*")):
        if os.path.exists(os.path.join(candidate, "bin", "java")):
            return candidate
    java = shutil.which("java")
    if java:
        return str(Path(os.path.realpath(java)).parent.parent)
    raise ServiceError("A JDK (17 or newer) is needed to run Elasticsearch")


class Elasticsearch:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="staffroom-es-"))
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.version = ""
        self.home: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def install(self) -> None:
        archive = elasticsearch_zip()
        self.version = archive.stem.split("-", 1)[1]
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(self.dir)
        self.home = self.dir / f"elasticsearch-{self.version}"
        for path in (self.home / "bin").iterdir():
            path.chmod(0o755)
        for path in self.home.rglob("bin/*"):
            path.chmod(0o755)
        from tests.harness import esplugin

        esplugin.install(self.home, java_home())
        (self.dir / "data").mkdir()
        (self.dir / "logs").mkdir()
        (self.dir / "tmp").mkdir()
        os.chmod(self.dir, 0o755)
        _chown_tree(self.dir)

    def start(self) -> str:
        if self.home is None:
            self.install()
        env = {**os.environ, "ES_JAVA_HOME": java_home(), "ES_JAVA_OPTS": "-Xms512m -Xmx512m",
               "ES_TMPDIR": str(self.dir / "tmp")}
        env.pop("JAVA_HOME", None)
        log = self.dir / "es-stdout.log"
        self.proc = subprocess.Popen(
            [str(self.home / "bin" / "elasticsearch"),
             "-E", "discovery.type=single-node", "-E", "network.host=127.0.0.1", "-E", f"http.port={self.port}",
             "-E", "transport.port=0", "-E", "xpack.security.enabled=false", "-E", f"path.data={self.dir / 'data'}",
             "-E", f"path.logs={self.dir / 'logs'}", "-E", "cluster.routing.allocation.disk.threshold_enabled=false",
             "-E", "action.destructive_requires_name=false"],
            stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env, cwd=self.dir, **_demote_kwargs(),
        )
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise ServiceError("Elasticsearch exited:\n" + log.read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s",
                                            timeout=3) as r:
                    if json.load(r).get("status") in ("green", "yellow"):
                        return self.url
            except OSError:
                pass
            time.sleep(0.5)
        raise ServiceError("Elasticsearch did not answer within 180 s:\n" + log.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        _stop(self.proc, timeout=30)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
