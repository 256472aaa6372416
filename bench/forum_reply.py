"""Benchmark: what live fan-out costs a forum reply.

    python bench/forum_reply.py [--watchers 50] [--replies 200]

Two daphne processes serve Staffroom on the same PostgreSQL and Redis:

  live      the reply view as shipped, with `--watchers` sockets open on the thread
  no-fanout the same view with STAFFROOM_FORUM_FANOUT off and nobody watching

A signed-in teacher posts replies through the HTML form (CSRF, session, redirect),
alternating between the two servers so both see the same machine noise. Each live
reply waits until every watcher has it (or 5 s) before the next one. Prints the
POST latency of both, their ratio, and the watchers' delivery latency from the
moment the POST was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    Server,
    percentile,
    setup_django,
    start_services,
    stop_services,
    summary,
)


def prepare() -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from forums import services
    from forums.models import Category

    User = get_user_model()
    User.objects.filter(username="bench-poster").delete()
    poster = User.objects.create_user("bench-poster", display_name="Benk")
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Benk"})
    threads = [services.create_thread(poster, category, f"Benk {kind}", "Første innlegg")
               for kind in ("live", "nofanout")]
    session = SessionStore()
    session["_auth_user_id"] = str(poster.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = poster.get_session_auth_hash()
    session.create()
    return {"threads": [t.pk for t in threads], "session": session.session_key}


async def open_watchers(ws_url: str, count: int) -> list:
    import websockets

    sockets = [await websockets.connect(ws_url, additional_headers={"Origin": "http://127.0.0.1"},
                                        max_queue=None, open_timeout=30) for _ in range(count)]
    for ws in sockets:
        while json.loads(await ws.recv())["type"] != "hello":
            pass
    return sockets


async def wait_for_post(ws, marker: str, start: float) -> float | None:
    deadline = start + 5
    while (remaining := deadline - time.perf_counter()) > 0:
        try:
            event = json.loads(await asyncio.wait_for(ws.recv(), remaining))
        except TimeoutError:
            return None
        if event.get("type") == "post.new" and marker in event["post"]["html"]:
            return time.perf_counter() - start
    return None


async def run(live: Server, quiet: Server, plan: dict, watchers: int, replies: int) -> dict:
    import httpx

    cookies = {"sessionid": plan["session"]}
    live_thread, quiet_thread = plan["threads"]
    sockets = await open_watchers(f"{live.url.replace('http', 'ws')}/ws/threads/{live_thread}/", watchers)
    out = {"live": [], "nofanout": [], "delivery": [], "lost": 0, "errors": 0}
    async with httpx.AsyncClient(cookies=cookies, timeout=10) as client:
        tokens = {}
        for server, thread in ((live, live_thread), (quiet, quiet_thread)):
            page = await client.get(f"{server.url}/forum/t/{thread}/")
            tokens[server.url] = page.cookies.get("csrftoken") or client.cookies.get("csrftoken")

        async def post(server: Server, thread: int, body: str) -> float:
            start = time.perf_counter()
            response = await client.post(
                f"{server.url}/forum/t/{thread}/",
                data={"body": body, "csrfmiddlewaretoken": tokens[server.url]},
                headers={"Referer": f"{server.url}/forum/t/{thread}/", "X-CSRFToken": tokens[server.url]},
            )
            if response.status_code != 302:
                out["errors"] += 1
            return start

        for n in range(replies + 5):
            marker = f"svar-{n}-live"
            start = time.perf_counter()
            waiting = [asyncio.ensure_future(wait_for_post(ws, marker, start)) for ws in sockets]
            await post(live, live_thread, f"Et svar {marker}")
            posted = time.perf_counter() - start
            got = await asyncio.gather(*waiting)
            start = await post(quiet, quiet_thread, f"Et svar svar-{n}-stille")
            quiet_posted = time.perf_counter() - start
            if n < 5:  # warm-up: connections, template caches
                continue
            out["live"].append(posted)
            out["nofanout"].append(quiet_posted)
            for g in got:
                if g is None:
                    out["lost"] += 1
                else:
                    out["delivery"].append(g)
    for ws in sockets:
        await ws.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watchers", type=int, default=50)
    parser.add_argument("--replies", type=int, default=200)
    args = parser.parse_args()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    _env, started = start_services()
    os.environ["STAFFROOM_FORUM_POST_RATE"] = "1000000"
    live = quiet = None
    try:
        setup_django()
        plan = prepare()
        live = Server("staffroom.asgi:application")
        quiet = Server("staffroom.asgi:application", extra_env={"STAFFROOM_FORUM_FANOUT": "0"})
        result = asyncio.run(run(live, quiet, plan, args.watchers, args.replies))
        ratio = percentile(result["live"], 50) / percentile(result["nofanout"], 50)
        print(f"forum_reply: {args.replies} replies, {args.watchers} watchers on the live thread")
        print(f"  POST live ({args.watchers} watchers): {summary(result['live'])}")
        print(f"  POST no fan-out (baseline):   {summary(result['nofanout'])}")
        print(f"  ratio live/no-fan-out POST p50: {ratio:.2f}x (target <= 1.2x)")
        print(f"  watchers' delivery from POST start: {summary(result['delivery'])} (target p95 < 100 ms)")
        print(f"  lost deliveries: {result['lost']}, failed POSTs: {result['errors']}")
    finally:
        for server in (live, quiet):
            if server is not None:
                server.stop()
        stop_services(started)


if __name__ == "__main__":
    main()
