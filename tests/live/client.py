"""A protocol-following room client over real sockets, as a browser would behave:
keeps unacknowledged sends, reconnects with ?after=<last seq>, resends, dedupes."""

from __future__ import annotations

import asyncio
import json
import uuid

import websockets


class RoomClient:
    def __init__(self, base_ws: str, group_id: int, cookie: str, origin: str):
        self.url = f"{base_ws}/ws/rooms/{group_id}/"
        self.headers = {"Cookie": cookie, "Origin": origin}
        self.last_seq = 0
        self.transcript: list[dict] = []  # message.new events, in the order shown
        self.seen_ids: set[int] = set()
        self.pending: dict[str, str] = {}
        self.acked: dict[str, int] = {}
        self.events: list[dict] = []
        self.ws = None
        self._reader: asyncio.Task | None = None
        self.connected = asyncio.Event()

    async def connect(self):
        url = self.url + (f"?after={self.last_seq}" if self.last_seq else "")
        self.ws = await websockets.connect(url, additional_headers=self.headers, open_timeout=10)
        self.connected.clear()
        self._reader = asyncio.ensure_future(self._read())
        await asyncio.wait_for(self.connected.wait(), 10)
        for client_id, body in list(self.pending.items()):
            await self._send({"type": "message.send", "client_id": client_id, "body": body})

    async def _read(self):
        try:
            async for raw in self.ws:
                event = json.loads(raw)
                self.events.append(event)
                kind = event["type"]
                if kind == "hello":
                    if not self.last_seq:
                        self.last_seq = event["seq"]
                    self.connected.set()
                elif kind == "message.new":
                    self.last_seq = max(self.last_seq, event["seq"])
                    if event["id"] not in self.seen_ids:
                        self.seen_ids.add(event["id"])
                        self.transcript.append(event)
                elif kind == "message.ack":
                    self.pending.pop(event["client_id"], None)
                    self.acked[event["client_id"]] = event["id"]
                elif "seq" in event and isinstance(event["seq"], int):
                    self.last_seq = max(self.last_seq, event["seq"])
        except websockets.ConnectionClosed:
            pass

    async def _send(self, frame):
        try:
            await self.ws.send(json.dumps(frame))
        except websockets.ConnectionClosed:
            pass

    async def say(self, body: str) -> str:
        client_id = str(uuid.uuid4())
        self.pending[client_id] = body
        await self._send({"type": "message.send", "client_id": client_id, "body": body})
        return client_id

    async def wait_for(self, predicate, timeout: float = 10):
        deadline = asyncio.get_event_loop().time() + timeout
        while not predicate():
            if asyncio.get_event_loop().time() > deadline:
                raise AssertionError("timed out waiting")
            await asyncio.sleep(0.05)

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
        if self._reader:
            await asyncio.gather(self._reader, return_exceptions=True)
