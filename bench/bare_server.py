"""A bare `websockets` room server: in-memory fan-out, no Django, no layer."""

import asyncio
import sys

import websockets

rooms: dict[str, set] = {}


async def handler(ws):
    room = ws.request.path
    members = rooms.setdefault(room, set())
    members.add(ws)
    try:
        async for message in ws:
            for peer in list(members):
                try:
                    await peer.send(message)
                except websockets.ConnectionClosed:
                    pass
    finally:
        members.discard(ws)


async def main(port: int):
    async with websockets.serve(handler, "127.0.0.1", port, max_size=2**20):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
