"""Benchmark: an anonymous visitor's module page against a bare Django view.

    python bench/course_page.py [--seconds 4] [--connections 8] [--rounds 3]

Three daphne processes serve Staffroom (bench/settings.py adds the bare view at
/bench/bare/ in front of Staffroom's own URLs), on the same PostgreSQL and Redis:
"cached" as configured by default; "uncached" with the anonymous page cache off
(STAFFROOM_PAGE_CACHE_SECONDS=0: every request is routed, checked and rendered,
while the site lookup and the module's blocks come from the render cache, as for a
signed-in teacher); "cold" with the render cache off too (STAFFROOM_RENDER_CACHE=0).
On each, the module page and the bare view are loaded by the same keep-alive
client, one after the other; on "uncached" also the module page of a signed-in
teacher. Prints requests/s and p50 of each, the ratios to the bare view, and the
module page's query count with its content as seeded and tripled.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Server, percentile, setup_django, start_services, stop_services  # noqa: E402


async def _get(reader, writer, path: str, cookie: str = "") -> int:
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def load(url: str, path: str, seconds: float, connections: int, cookie: str = "") -> dict:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker():
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            status = await _get(reader, writer, path, cookie)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors += 1
        writer.close()

    # warm-up: connections, templates, the first (missing) cache entry
    await asyncio.gather(*(_warm(host, int(port), path, cookie) for _ in range(2)))
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "errors": errors, "n": len(latencies)}


async def _warm(host: str, port: int, path: str, cookie: str) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    for _ in range(5):
        await _get(reader, writer, path, cookie)
    writer.close()


def query_counts(module_path: str) -> tuple[tuple[int, int], tuple[int, int], int]:
    """Queries for the module page (first visit after a publish, then the next one)
    as seeded and with its body tripled (rolled back)."""
    from django.db import connection, transaction
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from staffroom.models import ModulePage

    def count() -> int:
        with override_settings(STAFFROOM_PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as ctx:
            assert Client(HTTP_HOST="127.0.0.1").get(module_path).status_code == 200
        return len(ctx.captured_queries)

    page = ModulePage.objects.get(url_path__endswith="/hva-er-en-brok/")
    page.save_revision().publish()
    as_seeded = (count(), count())
    blocks = len(page.body)
    with transaction.atomic():
        page.body = list(page.body.raw_data) * 3
        page.save_revision().publish()
        tripled = (count(), count())
        transaction.set_rollback(True)
    return as_seeded, tripled, blocks


def teacher_cookie() -> str:
    """A signed-in teacher's session cookie (the session is in the shared store)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(username="bench-teacher",
                                                     defaults={"email": "bench@example.org"})
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _env, started = start_services()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    servers = []
    try:
        setup_django("bench.settings")
        from django.core.management import call_command

        call_command("seed_demo", stdout=open(os.devnull, "w"))
        from staffroom.models import ModulePage

        module_path = ModulePage.objects.get(slug="hva-er-en-brok").url
        seeded, tripled, blocks = query_counts(module_path)
        cookie = teacher_cookie()
        cached = Server("staffroom.asgi:application")
        uncached = Server("staffroom.asgi:application", extra_env={"STAFFROOM_PAGE_CACHE_SECONDS": "0"})
        cold = Server("staffroom.asgi:application",
                      extra_env={"STAFFROOM_PAGE_CACHE_SECONDS": "0", "STAFFROOM_RENDER_CACHE": "0"})
        servers = [cached, uncached, cold]
        # The machine's speed drifts within a run: bare view and page are measured
        # back to back in each round, and each figure is the median round's ratio.
        ratios: dict[str, list[float]] = {}
        results: dict[str, list[dict]] = {}
        for _ in range(args.rounds):
            for name, server in (("cached", cached), ("uncached", uncached), ("cold", cold)):
                runs = {"bare": load(server.url, "/bench/bare/", args.seconds, args.connections),
                        "module": load(server.url, module_path, args.seconds, args.connections)}
                if name == "uncached":
                    runs["teacher"] = load(server.url, module_path, args.seconds, args.connections, cookie)
                measured = {kind: asyncio.run(run) for kind, run in runs.items()}
                for kind, r in measured.items():
                    results.setdefault(f"{name} {kind}", []).append(r)
                    if kind != "bare":
                        ratios.setdefault(f"{name} {kind} rps", []).append(r["rps"] / measured["bare"]["rps"])
                        ratios.setdefault(f"{name} {kind} p50", []).append(r["p50"] / measured["bare"]["p50"])
        print(f"course_page: {module_path}, {args.connections} keep-alive connections, {args.rounds} rounds "
              f"of {args.seconds:.0f} s per measurement (medians)")
        for name, runs in results.items():
            print(f"  {name:<16} {median(r['rps'] for r in runs):8.0f} req/s   "
                  f"p50 {median(r['p50'] for r in runs) * 1000:6.1f} ms   "
                  f"p95 {median(r['p95'] for r in runs) * 1000:6.1f} ms   non-200 {sum(r['errors'] for r in runs)}")
        print(f"  with the page cache: {median(ratios['cached module rps']):.2f}x the bare view's req/s "
              f"(target >= 0.7x)")
        print(f"  without it: p50 {median(ratios['uncached module p50']):.2f}x the bare view's (target <= 4x); "
              f"rounds {', '.join(f'{r:.2f}' for r in ratios['uncached module p50'])}")
        print(f"  a signed-in teacher's module page: p50 {median(ratios['uncached teacher p50']):.2f}x the bare view's")
        print(f"  without the render cache either: p50 {median(ratios['cold module p50']):.2f}x the bare view's")
        print(f"  queries per uncached module page (first visit after a publish / next visit): "
              f"{seeded[0]}/{seeded[1]} with {blocks} blocks, {tripled[0]}/{tripled[1]} with {blocks * 3}")
    finally:
        for server in servers:
            server.stop()
        stop_services(started)


if __name__ == "__main__":
    main()
