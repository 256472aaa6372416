"""Benchmark: an anonymous visitor's module page against a bare Django view.

    python bench/course_page.py [--seconds 5] [--connections 8]

Two daphne processes serve Staffroom (bench/settings.py adds the bare view at
/bench/bare/ in front of Staffroom's own URLs), on the same PostgreSQL and Redis:
one with the page cache, one with STAFFROOM_PAGE_CACHE_SECONDS=0. On each, the
module page and the bare view are loaded by the same keep-alive client, one after
the other. Prints requests/s and p50 of each, the ratios to the bare view, and the
module page's query count with its content as seeded and tripled.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Server, percentile, setup_django, start_services, stop_services  # noqa: E402


async def _get(reader, writer, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def load(url: str, path: str, seconds: float, connections: int) -> dict:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker():
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            status = await _get(reader, writer, path)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors += 1
        writer.close()

    # warm-up: connections, templates, the first (missing) cache entry
    await asyncio.gather(*(_warm(host, int(port), path) for _ in range(2)))
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "errors": errors, "n": len(latencies)}


async def _warm(host: str, port: int, path: str) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    for _ in range(5):
        await _get(reader, writer, path)
    writer.close()


def query_counts(module_path: str) -> tuple[int, int, int]:
    """Queries for the module page as seeded and with its body tripled (rolled back)."""
    from django.db import connection, transaction
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from staffroom.models import ModulePage

    def count() -> int:
        with override_settings(STAFFROOM_PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as ctx:
            assert Client(HTTP_HOST="127.0.0.1").get(module_path).status_code == 200
        return len(ctx.captured_queries)

    as_seeded = count()
    page = ModulePage.objects.get(url_path__endswith="/hva-er-en-brok/")
    blocks = len(page.body)
    with transaction.atomic():
        page.body = list(page.body.raw_data) * 3
        page.save_revision().publish()
        tripled = count()
        transaction.set_rollback(True)
    return as_seeded, tripled, blocks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    _env, started = start_services()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DB_CONN_MAX_AGE", "60")
    servers = []
    try:
        setup_django("bench.settings")
        from django.core.management import call_command

        call_command("seed_demo", stdout=open(os.devnull, "w"))
        from staffroom.models import ModulePage

        module_path = ModulePage.objects.get(slug="hva-er-en-brok").url
        seeded, tripled, blocks = query_counts(module_path)
        cached = Server("staffroom.asgi:application")
        uncached = Server("staffroom.asgi:application", extra_env={"STAFFROOM_PAGE_CACHE_SECONDS": "0"})
        servers = [cached, uncached]
        results = {}
        for name, server in (("cached", cached), ("uncached", uncached)):
            results[f"{name} bare"] = asyncio.run(load(server.url, "/bench/bare/", args.seconds, args.connections))
            results[f"{name} module"] = asyncio.run(load(server.url, module_path, args.seconds, args.connections))
        print(f"course_page: {module_path}, {args.connections} keep-alive connections, {args.seconds:.0f} s each")
        for name, r in results.items():
            print(f"  {name:<16} {r['rps']:8.0f} req/s   p50 {r['p50'] * 1000:6.1f} ms   "
                  f"p95 {r['p95'] * 1000:6.1f} ms   non-200 {r['errors']}")
        c, cb = results["cached module"], results["cached bare"]
        u, ub = results["uncached module"], results["uncached bare"]
        print(f"  with the page cache: {c['rps'] / cb['rps']:.2f}x the bare view's req/s (target >= 0.7x)")
        print(f"  without it: p50 {u['p50'] / ub['p50']:.2f}x the bare view's (target <= 4x)")
        print(f"  queries per uncached module page: {seeded} with {blocks} blocks, {tripled} with {blocks * 3}")
    finally:
        for server in servers:
            server.stop()
        stop_services(started)


if __name__ == "__main__":
    main()
