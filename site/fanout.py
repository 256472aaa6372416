"""One channel-layer subscription per process for all its sockets.

A stock consumer gives every socket a layer channel of its own: its own receive task
and buffer, and its own entry in every group it joins (each join and leave a Redis
round trip). Here each process (one event loop, one layer) has one hub channel: it
joins a group once, however many local sockets follow it, receives each event once
and hands it to those sockets' inboxes. Every process has its own hub; nothing
assumes there is only one.

Events carry the group they were sent to (`group_send` adds it), because one hub
channel receives for many groups. Many events committed together (a room send batch)
travel as one layer message on the bus group that every hub joins (`group_send_many`):
a channels-redis group_send is four Redis round trips and a receive two, each costing
more CPU than the whole fan-out of one event to ten local sockets (bench/room_fanout).
Every hub then receives every batch and hands each event only to its own followers of
that event's group, as a Discourse MessageBus process filters its one Redis channel.

Layer outages are the hub's to notice: it tells its sockets (`stream.layer_down`),
keeps trying, re-joins every group it follows and then tells them again
(`stream.layer_up`), after which each socket catches up from the database.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

log = logging.getLogger("staffroom.realtime")

GROUP_KEY = "stream_group"
BUS_GROUP = "hub.bus"
BATCH_TYPE = "hub.batch"


class Subscriber(Protocol):
    heartbeat_seconds: float

    def deliver(self, message: dict[str, Any]) -> None: ...

    @classmethod
    async def watch(cls, sockets: list) -> None: ...


async def group_send(layer, group: str, message: dict[str, Any]) -> None:
    """`layer.group_send` with the group named in the event, for the hubs."""
    await layer.group_send(group, {**message, GROUP_KEY: group})


async def group_send_many(layer, events: list[tuple[str, dict[str, Any]]]) -> None:
    """Many events, each for its own group, in one layer message to every hub."""
    if len(events) == 1:
        await group_send(layer, *events[0])
    elif events:
        await layer.group_send(BUS_GROUP, {"type": BATCH_TYPE, "events": [list(e) for e in events]})


class Hub:
    retry_seconds = 1.0
    refresh_seconds = 15.0

    def __init__(self, layer, loop: asyncio.AbstractEventLoop):
        self.layer = layer
        self.loop = loop
        self.channel: str | None = None
        self.local: dict[str, set[Subscriber]] = {}
        self.joined: set[str] = set()
        self.down = False
        self._tasks: list[asyncio.Task] = []
        self._lock = asyncio.Lock()

    async def subscribe(self, groups: tuple[str, ...], subscriber: Subscriber) -> bool:
        """Follows `groups` for `subscriber`; False while the layer is down (the
        subscriber hears `stream.layer_up` when it returns)."""
        async with self._lock:
            for group in groups:
                self.local.setdefault(group, set()).add(subscriber)
            if self.channel is None:
                self.channel = await self.layer.new_channel()
            if not self._tasks:
                self._tasks = [asyncio.ensure_future(self._run()), asyncio.ensure_future(self._refresh_loop()),
                               asyncio.ensure_future(self._watch_loop())]
            if self.down:
                return False
            try:
                for group in (BUS_GROUP, *groups):
                    if group not in self.joined:
                        await self.layer.group_add(group, self.channel)
                        self.joined.add(group)
            except Exception:  # noqa: BLE001 - the receive loop notices and recovers
                log.warning("channel layer unavailable; joining %s later", groups)
                return False
            return True

    async def unsubscribe(self, groups: tuple[str, ...], subscriber: Subscriber) -> None:
        async with self._lock:
            for group in groups:
                followers = self.local.get(group)
                if followers is None:
                    continue
                followers.discard(subscriber)
                if followers:
                    continue
                del self.local[group]
                await self._leave(group)
            if not self.local:
                await self._leave(BUS_GROUP)
                for task in self._tasks:
                    task.cancel()
                self._tasks = []

    async def _leave(self, group: str) -> None:
        if group not in self.joined:
            return
        self.joined.discard(group)
        try:
            await self.layer.group_discard(group, self.channel)
        except Exception:  # noqa: BLE001 - the group expires on its own
            pass

    async def _refresh_loop(self) -> None:
        """Joins every followed group again now and then: a Redis restart without
        persistence forgets groups while sockets stay open (they would go deaf), and
        group membership expires after the layer's `group_expiry`."""
        while True:
            await asyncio.sleep(self.refresh_seconds)
            if self.down:
                continue
            try:
                await self._join_all()
            except Exception:  # noqa: BLE001 - the receive loop notices an outage
                log.warning("channel layer unavailable while re-joining groups")

    async def _join_all(self) -> None:
        for group in (BUS_GROUP, *self.local):
            await self.layer.group_add(group, self.channel)
            self.joined.add(group)

    def _subscribers(self) -> list[Subscriber]:
        unique: dict[int, Subscriber] = {}
        for followers in self.local.values():
            for subscriber in followers:
                unique.setdefault(id(subscriber), subscriber)
        return list(unique.values())

    async def _watch_loop(self) -> None:
        """One periodic check for all of this process's sockets, by kind: membership,
        session and missed events in a few queries per process, not a few per socket
        (a thousand idle sockets would otherwise cost hundreds of queries a second)."""
        while True:
            await asyncio.sleep(min((type(s).heartbeat_seconds for s in self._subscribers()), default=15.0))
            kinds: dict[type, list[Subscriber]] = {}
            for subscriber in self._subscribers():
                if not getattr(subscriber, "_closing", False):
                    kinds.setdefault(type(subscriber), []).append(subscriber)
            for kind, live in kinds.items():
                try:
                    await kind.watch(live)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - the next round tries again
                    log.exception("watching %d %s sockets failed", len(live), kind.__name__)

    def _tell_all(self, message: dict[str, Any]) -> None:
        for subscriber in self._subscribers():
            subscriber.deliver(message)

    async def _run(self) -> None:
        while True:
            try:
                message = await layer_receive(self.layer, self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.warning("channel layer receive failed; sockets told to wait", exc_info=True)
                await self._recover()
                continue
            if message.get("type") == BATCH_TYPE:
                for group, event in message["events"]:
                    self._hand_out(group, event)
            else:
                self._hand_out(message.pop(GROUP_KEY, ""), message)

    def _hand_out(self, group: str, message: dict[str, Any]) -> None:
        for subscriber in list(self.local.get(group, ())):
            subscriber.deliver(message)

    async def _recover(self) -> None:
        self.down = True
        self._tell_all({"type": "stream.layer_down"})
        while True:
            await asyncio.sleep(self.retry_seconds)
            async with self._lock:
                self.joined.clear()
                try:
                    await self._join_all()
                except Exception:  # noqa: BLE001
                    continue
                self.down = False
            self._tell_all({"type": "stream.layer_up"})
            return


async def layer_receive(layer, channel: str) -> dict:
    """`layer.receive(channel)` that really ends when cancelled.

    channels-redis 4.3 on redis-py 8 sometimes loses a cancellation inside its
    blocking pop and polls on forever: the consumer (and the event loop's shutdown)
    then waits on it for ever. The pop runs as its own task, which is cancelled
    again until it has ended; a message it took meanwhile is dropped, as the layer
    allows: the hub stops because no socket is left to want it."""
    receiving = asyncio.ensure_future(layer.receive(channel))
    try:
        return await asyncio.shield(receiving)
    except asyncio.CancelledError:
        for _attempt in range(50):
            if receiving.done():
                break
            receiving.cancel()
            await asyncio.wait({receiving}, timeout=0.1)
        else:
            log.warning("channel layer receive on %s ignored cancellation", channel)
        if receiving.done() and not receiving.cancelled():
            receiving.exception()  # retrieved, so asyncio does not log it
        raise


def hub_for(layer) -> Hub:
    """This event loop's hub on `layer` (a process has one loop; tests have many)."""
    loop = asyncio.get_running_loop()
    hub = getattr(layer, "_staffroom_hub", None)
    if hub is None or hub.loop is not loop:
        hub = Hub(layer, loop)
        layer._staffroom_hub = hub
    return hub
