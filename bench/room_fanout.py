"""Benchmark: live-room fan-out on one daphne process.

    python bench/room_fanout.py [--rooms 100] [--members 10] [--rounds 10] [--repeat 5] [--idle 1000]

Closed loop per room: one member sends, every member of the room (sender included)
must receive it before the next send. Measured in the same run, on the same machine:

  ours        Staffroom's RoomConsumer: each message stored in PostgreSQL, then fanned out
  relay       a stock AsyncWebsocketConsumer that only group_sends (no persistence),
              on the same daphne and channels-redis layer
  layer       a raw channels-redis group_send loop (no sockets)
  bare        a bare `websockets` server with in-memory fan-out

`ours` and `relay` run `--repeat` times, alternating, each on its own warmed-up daphne.
Prints deliveries/s, p50/p99 latency and lost messages for each (the median run), the
ratio ours/relay (the median of the alternating pairs' ratios), and
memory per idle connection (RSS growth / connections) for ours, relay and bare.
PostgreSQL and Redis come from the test harness unless DATABASE_URL / REDIS_URL are set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Server, percentile, setup_django, start_services, stop_services  # noqa: E402


def prepare(rooms: int, members: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from community.models import MemberRole, Membership, StudyGroup

    User = get_user_model()
    User.objects.filter(username__startswith="bench-").delete()
    StudyGroup.objects.filter(name__startswith="bench-").delete()
    plan = []
    users = User.objects.bulk_create([User(username=f"bench-{r}-{m}", display_name=f"B{r}-{m}")
                                      for r in range(rooms) for m in range(members)])
    groups = StudyGroup.objects.bulk_create([StudyGroup(name=f"bench-{r}") for r in range(rooms)])
    Membership.objects.bulk_create([
        Membership(group=groups[r], user=users[r * members + m],
                   role=MemberRole.FACILITATOR if m == 0 else MemberRole.MEMBER)
        for r in range(rooms) for m in range(members)
    ])
    for r in range(rooms):
        cookies = []
        for m in range(members):
            user = users[r * members + m]
            s = SessionStore()
            s["_auth_user_id"] = str(user.pk)
            s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
            s["_auth_user_hash"] = user.get_session_auth_hash()
            s.create()
            cookies.append(f"sessionid={s.session_key}")
        plan.append({"group": groups[r].pk, "cookies": cookies})
    return plan


async def open_all(urls_and_headers, concurrency: int = 50):
    import websockets

    sem = asyncio.Semaphore(concurrency)
    out = [None] * len(urls_and_headers)

    async def one(i, url, headers):
        async with sem:
            out[i] = await websockets.connect(url, additional_headers=headers, max_queue=None, open_timeout=30)

    await asyncio.gather(*(one(i, u, h) for i, (u, h) in enumerate(urls_and_headers)))
    return out


async def run_sockets(kind: str, server_url: str, plan: list[dict], members: int, rounds: int) -> dict:
    """Closed loop on real sockets for `ours`, `relay` or `bare`."""
    ws_base = server_url.replace("http", "ws")
    targets = []
    for r, room in enumerate(plan):
        for m in range(members):
            if kind == "ours":
                url = f"{ws_base}/ws/rooms/{room['group']}/"
                headers = {"Cookie": room["cookies"][m], "Origin": "http://127.0.0.1"}
            elif kind == "relay":
                url, headers = f"{ws_base}/ws/relay/{r}/", {"Origin": "http://127.0.0.1"}
            else:
                url, headers = f"{ws_base}/room/{r}", {}
            targets.append((url, headers))
    sockets = await open_all(targets)
    if kind == "ours":  # wait for each hello
        for ws in sockets:
            while json.loads(await ws.recv())["type"] != "hello":
                pass
    latencies: list[float] = []
    lost = 0
    sent_total = 0

    async def room_loop(r):
        nonlocal lost, sent_total
        conns = sockets[r * members:(r + 1) * members]
        for n in range(rounds):
            sender = conns[n % members]
            cid = uuid.uuid4().hex
            frame = {"type": "message.send", "client_id": cid, "body": f"m{n}", "t": time.perf_counter()}
            start = time.perf_counter()
            await sender.send(json.dumps(frame))
            sent_total += 1

            async def wait_one(ws, start=start, cid=cid):
                deadline = start + 5
                while True:
                    remaining = deadline - time.perf_counter()
                    if remaining <= 0:
                        return None
                    try:
                        raw = await asyncio.wait_for(ws.recv(), remaining)
                    except TimeoutError:
                        return None
                    data = json.loads(raw)
                    if data.get("client_id") == cid and data.get("type") in ("message.send", "message.new"):
                        return time.perf_counter() - start

            got = await asyncio.gather(*(wait_one(ws) for ws in conns))
            for g in got:
                if g is None:
                    lost += 1
                else:
                    latencies.append(g)

    start = time.perf_counter()
    await asyncio.gather(*(room_loop(r) for r in range(len(plan))))
    elapsed = time.perf_counter() - start
    for ws in sockets:
        await ws.close()
    return {"deliveries_per_s": len(latencies) / elapsed, "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99), "lost": lost, "sent": sent_total, "elapsed": elapsed}


async def run_layer(rooms: int, members: int, rounds: int) -> dict:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channels = [[await layer.new_channel() for _ in range(members)] for _ in range(rooms)]
    for r in range(rooms):
        for ch in channels[r]:
            await layer.group_add(f"bench.{r}", ch)
    latencies: list[float] = []
    lost = 0

    async def room_loop(r):
        nonlocal lost
        for n in range(rounds):
            start = time.perf_counter()
            await layer.group_send(f"bench.{r}", {"type": "x", "n": n})

            async def one(ch, start=start):
                try:
                    await asyncio.wait_for(layer.receive(ch), 5)
                    return time.perf_counter() - start
                except TimeoutError:
                    return None

            for g in await asyncio.gather(*(one(ch) for ch in channels[r])):
                if g is None:
                    lost += 1
                else:
                    latencies.append(g)

    start = time.perf_counter()
    await asyncio.gather(*(room_loop(r) for r in range(rooms)))
    elapsed = time.perf_counter() - start
    return {"deliveries_per_s": len(latencies) / elapsed, "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99), "lost": lost, "elapsed": elapsed}


async def idle_memory(kind: str, server: Server, plan: list[dict], members: int, count: int) -> float:
    ws_base = server.url.replace("http", "ws")
    targets = []
    i = 0
    while len(targets) < count:
        r, m = divmod(i % (len(plan) * members), members)
        room = plan[r]
        if kind == "ours":
            targets.append((f"{ws_base}/ws/rooms/{room['group']}/",
                            {"Cookie": room["cookies"][m], "Origin": "http://127.0.0.1"}))
        elif kind == "relay":
            targets.append((f"{ws_base}/ws/relay/{r}/", {"Origin": "http://127.0.0.1"}))
        else:
            targets.append((f"{ws_base}/room/{r}", {}))
        i += 1
    warm = await open_all(targets[:10])
    await asyncio.sleep(1)
    before = server.rss_kb()
    sockets = await open_all(targets[10:])
    await asyncio.sleep(3)
    after = server.rss_kb()
    for ws in warm + sockets:
        await ws.close()
    return (after - before) / max(1, len(sockets))


def median_run(runs: list[dict]) -> dict:
    """The run with the median deliveries/s (its latencies belong to that run)."""
    return sorted(runs, key=lambda r: r["deliveries_per_s"])[len(runs) // 2]


def bare_server() -> Server:
    from tests.harness.services import free_port

    port = free_port()
    return Server("", argv=[sys.executable, str(Path(__file__).with_name("bare_server.py")), str(port)], port=port)


def fmt(name: str, r: dict) -> str:
    return (f"  {name:<6} {r['deliveries_per_s']:>9.0f} deliveries/s   p50 {r['p50'] * 1000:6.1f} ms   "
            f"p99 {r['p99'] * 1000:7.1f} ms   lost {r['lost']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="alternating measured runs per side")
    args = parser.parse_args()
    env, started = start_services()
    os.environ["STAFFROOM_CHAT_RATE_COUNT"] = "100000"
    try:
        setup_django()
        print(f"room_fanout: {args.rooms} rooms x {args.members} members, {args.rounds} messages per room")
        plan = prepare(args.rooms, args.members)
        ours = Server("bench.relay_asgi:application")
        relay = Server("bench.relay_asgi:application")
        # Unmeasured warm-up on each side, then alternating measured runs: the machine's
        # speed drifts within a run, so the ratio is the median of the pairs' ratios.
        for kind, server in (("ours", ours), ("relay", relay)):
            asyncio.run(run_sockets(kind, server.url, plan, args.members, 2))
        runs: dict[str, list[dict]] = {"ours": [], "relay": []}
        for _n in range(args.repeat):
            for kind, server in (("ours", ours), ("relay", relay)):
                runs[kind].append(asyncio.run(run_sockets(kind, server.url, plan, args.members, args.rounds)))
        results = {kind: median_run(rs) for kind, rs in runs.items()}
        results["layer"] = asyncio.run(run_layer(args.rooms, args.members, args.rounds))
        bare_port_server = bare_server()
        asyncio.run(run_sockets("bare", bare_port_server.url, plan, args.members, 2))
        results["bare"] = asyncio.run(run_sockets("bare", bare_port_server.url, plan, args.members, args.rounds))
        for name in ("ours", "relay", "layer", "bare"):
            print(fmt(name, results[name]))
        ratios = [o["deliveries_per_s"] / r["deliveries_per_s"] for o, r in zip(runs["ours"], runs["relay"], strict=True)]
        lost = sum(r["lost"] for r in runs["ours"])
        print(f"  ratio ours/relay deliveries/s: {statistics.median(ratios):.2f}x, median of {len(ratios)} "
              f"alternating pairs ({', '.join(f'{x:.2f}' for x in ratios)}); ours lost {lost} of "
              f"{sum(r['sent'] for r in runs['ours']) * args.members} (target >= 1.5x, 0 lost)")
        # memory per idle connection, each on a fresh process
        for server in (ours, relay, bare_port_server):
            server.stop()
        mem = {}
        for kind in ("ours", "relay", "bare"):
            if kind == "bare":
                server = bare_server()
            else:
                server = Server("bench.relay_asgi:application")
            mem[kind] = asyncio.run(idle_memory(kind, server, plan, args.members, args.idle))
            server.stop()
        print(f"  memory per idle connection ({args.idle} connections): ours {mem['ours']:.1f} KiB, "
              f"stock relay {mem['relay']:.1f} KiB, bare {mem['bare']:.1f} KiB; "
              f"ours/relay {mem['ours'] / mem['relay']:.2f}x (target <= 1.5x)")
    finally:
        stop_services(started)


if __name__ == "__main__":
    main()
