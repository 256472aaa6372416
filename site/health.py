"""GET /healthz: one entry per service the platform needs, 503 naming what fails."""

from __future__ import annotations

import asyncio
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse


def _timed(check) -> dict:
    start = time.perf_counter()
    try:
        entry = check()
        entry.setdefault("ok", True)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a named entry
        entry = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    entry["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return entry


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"engine": connection.vendor}


async def _layer_round_trip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping", "at": time.time()})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("type") != "healthz.ping":
        raise RuntimeError("unexpected message from the channel layer")


def check_channel_layer() -> dict:
    layer = get_channel_layer()
    async_to_sync(_layer_round_trip)()
    return {"backend": type(layer).__name__}


def check_search() -> dict:
    from search.backends import get_backend

    backend = get_backend()
    return {"backend": backend.name, **backend.health()}


def healthz(request):
    results = {
        "database": _timed(check_database),
        "channel_layer": _timed(check_channel_layer),
        "search": _timed(check_search),
    }
    failing = [name for name, entry in results.items() if not entry["ok"]]
    body = {"status": "ok" if not failing else "failing", "failing": failing, **results}
    return JsonResponse(body, status=503 if failing else 200)


