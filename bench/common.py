"""Shared helpers for the benchmarks: services from the test harness, daphne, stats."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.harness.services import Postgres, Redis, free_port  # noqa: E402


def start_services(need_es: bool = False) -> tuple[dict, list]:
    started = []
    env = {}
    if not os.environ.get("DATABASE_URL"):
        pg = Postgres()
        env["DATABASE_URL"] = pg.start()
        started.append(pg)
    if not os.environ.get("REDIS_URL"):
        redis = Redis()
        env["REDIS_URL"] = redis.start()
        started.append(redis)
    if need_es and not os.environ.get("ELASTICSEARCH_URL"):
        from tests.harness.services import Elasticsearch

        es = Elasticsearch()
        env["ELASTICSEARCH_URL"] = es.start()
        started.append(es)
    os.environ.update(env)
    return env, started


def stop_services(started) -> None:
    for service in reversed(started):
        (getattr(service, "cleanup", None) or service.stop)()


def setup_django(settings: str = "staffroom.settings.test") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


class Server:
    def __init__(self, app: str, extra_env: dict | None = None, argv: list[str] | None = None,
                 port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **(extra_env or {})}
        cmd = argv or [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), app]
        self.log = Path(f"/tmp/bench-server-{self.port}.log")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(self.log, "wb"), stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                if argv is not None:
                    import socket

                    try:
                        socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                        return
                    except OSError:
                        pass
                time.sleep(0.2)
        raise RuntimeError(f"server {cmd} did not start")

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def summary(values: list[float]) -> str:
    return (f"p50 {percentile(values, 50) * 1000:.1f} ms, p95 {percentile(values, 95) * 1000:.1f} ms, "
            f"p99 {percentile(values, 99) * 1000:.1f} ms (n={len(values)}, mean "
            f"{statistics.fmean(values) * 1000 if values else float('nan'):.1f} ms)")
