"""Shared real-time plumbing for live rooms and forum threads.

Redis is a notification path, PostgreSQL the source of truth: every streamed event
has an increasing sequence per stream, is written to the database before it is
sent, and each socket delivers events in sequence order exactly once, filling any
gap (a full channel, a Redis restart) from the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import unicodedata
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.translation import gettext as _

from .fanout import group_send, hub_for

log = logging.getLogger("staffroom.realtime")

# Close codes (documented in docs/protocol-rooms.md and docs/protocol-threads.md).
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_SESSION_ENDED = 4440
CLOSE_TOO_SLOW = 4408


def send_event_on_commit(group: str, message: dict[str, Any]) -> None:
    """After the current transaction commits, send `message` to a layer group.

    With Redis the send is handed to this process's broadcaster and the request
    does not wait for it; a failing channel layer is logged, never raised: the
    write has committed and sockets catch up from the database.
    """

    def _send() -> None:
        if _broadcaster.accepts():
            _broadcaster.send(group, message)
            return
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(group_send)(layer, group, message)
        except Exception:  # noqa: BLE001 - the layer is lossy by contract
            log.warning("channel layer unavailable; %s not broadcast to %s", message.get("type"), group)

    transaction.on_commit(_send)


class _Broadcaster:
    """One thread per process with its own event loop and channel layer, sending
    the events that sync code (views, commands) committed, in the order they
    committed. Only for layers shared between processes: the in-memory layer's
    queues belong to the serving loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._layer = None
        self._config_seen: str | None = None
        self._unsent = 0

    def accepts(self) -> bool:
        from django.conf import settings

        config = settings.CHANNEL_LAYERS.get("default", {})
        return "Redis" in config.get("BACKEND", "")

    def send(self, group: str, message: dict[str, Any]) -> None:
        self._start()
        with self._lock:
            self._unsent += 1
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (group, message))

    def _start(self) -> None:
        from django.conf import settings

        config = repr(settings.CHANNEL_LAYERS.get("default"))
        with self._lock:
            if self._loop is not None and config == self._config_seen:
                return
            if self._loop is None:
                import atexit

                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="staffroom-broadcast", daemon=True).start()
                self._queue = asyncio.Queue()
                asyncio.run_coroutine_threadsafe(self._run(), self._loop)
                atexit.register(self.flush)
            from channels.layers import channel_layers

            self._layer = channel_layers.make_backend("default")
            self._config_seen = config

    async def _run(self) -> None:
        while True:
            group, message = await self._queue.get()
            try:
                await group_send(self._layer, group, message)
            except Exception:  # noqa: BLE001 - lossy by contract; sockets catch up
                log.warning("channel layer unavailable; %s not broadcast to %s", message.get("type"), group)
            finally:
                with self._lock:
                    self._unsent -= 1

    def flush(self, timeout: float = 2.0) -> bool:
        """Waits (bounded) until everything handed over has been sent."""
        import time

        deadline = time.monotonic() + timeout
        while self._unsent and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._unsent


_broadcaster = _Broadcaster()


def session_group(session_key: str | None) -> str:
    import hashlib

    digest = hashlib.sha256((session_key or "").encode()).hexdigest()[:32]
    return f"session.{digest}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


class FrameError(ValueError):
    """A client frame we refuse; the message is shown to the user."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_frame(text_data: str | None, bytes_data: bytes | None, max_chars: int) -> dict[str, Any]:
    if bytes_data is not None and text_data is None:
        raise FrameError("binary_frame", _("Binære meldinger støttes ikke; send JSON som tekst."))
    if not text_data or not text_data.strip():
        raise FrameError("empty_frame", _("Tom melding."))
    if len(text_data) > max_chars:
        raise FrameError("frame_too_large", _("Meldingen er for stor."))
    try:
        data = json.loads(text_data)
    except (ValueError, RecursionError):
        raise FrameError("invalid_json", _("Meldingen er ikke gyldig JSON.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise FrameError("invalid_shape", _("Meldingen må være et JSON-objekt med feltet «type»."))
    return data


def clean_text(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    """Validates user text from a socket: a string, no NUL or lone surrogates, NFC."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise FrameError("invalid_field", _("Feltet «%(field)s» må være tekst.") % {"field": field})
    if "\x00" in value:
        raise FrameError("invalid_text", _("Teksten inneholder et ugyldig tegn."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FrameError("invalid_text", _("Teksten inneholder et ugyldig tegn.")) from None
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        raise FrameError("empty_body", _("Meldingen kan ikke være tom."))
    if len(value) > max_length:
        raise FrameError("too_long", _("Meldingen er for lang (høyst %(n)d tegn).") % {"n": max_length})
    return value


def signed_in_users(session_keys: list[str]) -> dict[str, str]:
    """The user id each live session is signed in as (sessions signed out, expired or
    deleted are absent): one query with the database session engine."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.module_loading import import_string

    store_class = import_string(settings.SESSION_ENGINE + ".SessionStore")
    found: dict[str, str] = {}
    if issubclass(store_class, DatabaseStore) and store_class.get_model_class() is Session:
        for session in Session.objects.filter(session_key__in=set(session_keys), expire_date__gt=timezone.now()):
            user_id = session.get_decoded().get("_auth_user_id")
            if user_id is not None:
                found[session.session_key] = str(user_id)
        return found
    for key in set(session_keys):
        user_id = store_class(key).get("_auth_user_id")
        if user_id is not None:
            found[key] = str(user_id)
    return found


class StreamConsumer(AsyncWebsocketConsumer):
    """A socket that delivers one sequenced stream, resilient to layer outages.

    Subclasses implement `stream_group`, `load_events_after(seq)` (from the
    database) and `recheck()` (membership/session still valid), and handle client
    frames in `handle_frame`.
    """

    heartbeat_seconds: float = 15.0
    max_frame_chars: int = 64_000
    max_outbound_queue: int = 1000

    last_seq: int = 0
    _watched_seq: int = 0
    layer_down: bool = False
    stream_group: str = ""
    extra_groups: tuple[str, ...] = ()

    # --- channel layer plumbing -------------------------------------------------

    async def __call__(self, scope, receive, send):
        # As AsyncConsumer.__call__, but layer events arrive through this process's
        # hub (staffroom/fanout.py) instead of a layer channel per socket.
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        # An identity for presence and "skip the sender"; nothing is sent to it.
        self.channel_name = f"socket.{uuid.uuid4().hex}"
        self.hub = hub_for(self.channel_layer)
        self.base_send = send
        # One queue, in arrival order, for the client's frames (moved over by a reader
        # task) and the hub's events: each is then one wake-up of this task, where
        # Channels' await_many_dispatch made a task and an asyncio.wait per event.
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._backlog = 0
        self._subscribed: tuple[str, ...] = ()
        reader = asyncio.ensure_future(self._read_client(receive))
        try:
            while True:
                message = await self._inbox.get()
                if not _from_client(message):
                    self._backlog -= 1
                await self.dispatch(message)
        except StopConsumer:
            pass
        finally:
            reader.cancel()
            await self._leave_groups()

    async def _read_client(self, receive) -> None:
        while True:
            try:
                message = await receive()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the server lost the connection: end the socket
                log.exception("reading from the client failed")
                message = {"type": "websocket.disconnect", "code": 1011}
            self._inbox.put_nowait(message)
            if message["type"] == "websocket.disconnect":
                return

    def deliver(self, message: dict) -> None:
        """From the hub: queue a layer event for this socket, in arrival order. A socket
        that falls `max_outbound_queue` events behind is closed (it resumes with
        `?after=`), so one stalled client cannot grow the process without bound."""
        if getattr(self, "_closing", False):
            return
        if self._backlog >= self.max_outbound_queue:
            # Drop the events; keep the client's frames (its disconnect among them).
            kept = []
            while not self._inbox.empty():
                queued = self._inbox.get_nowait()
                if _from_client(queued):
                    kept.append(queued)
            self._backlog = 1
            self._inbox.put_nowait({"type": "stream.too_slow"})
            for queued in kept:
                self._inbox.put_nowait(queued)
            return
        self._backlog += 1
        self._inbox.put_nowait(message)

    async def _join_groups(self) -> bool:
        groups = tuple(g for g in (self.stream_group, *self.extra_groups) if g)
        self._subscribed = groups
        return await self.hub.subscribe(groups, self)

    async def _leave_groups(self) -> None:
        if self._subscribed:
            groups, self._subscribed = self._subscribed, ()
            await self.hub.unsubscribe(groups, self)

    async def close(self, code=None, reason=None):
        # Once the server closes a socket nothing more is sent on it.
        if getattr(self, "_closing", False):
            return
        self._closing = True
        await self._leave_groups()
        await super().close(code=code, reason=reason)

    async def send(self, text_data=None, bytes_data=None, close=False):
        if getattr(self, "_closing", False):
            return
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def dispatch(self, message):
        # Layer events that only forward pre-rendered text skip Channels'
        # per-message close_old_connections thread hop; every handler that touches
        # the database goes through database_sync_to_async, which closes old
        # connections itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            log.warning("no handler for %s", message.get("type"))
            return
        await handler(message)

    async def start_stream(self, after: int | None, hello: dict | None = None) -> None:
        """Subscribe first, then say hello, then catch up from the database, then go
        live: an event committed at any point is either caught up or delivered live."""
        if not await self._join_groups():
            self.layer_down = True
        current = await self.current_seq()
        self.last_seq = after if after is not None else current
        if hello is not None:
            await self.send_json({**hello, "seq": current})
        if after is not None:
            await self.catch_up()
        self._watched_seq = current
        if self.layer_down:
            await self.send_json({"type": "layer.down"})

    @classmethod
    async def watch(cls, sockets: list[StreamConsumer]) -> None:
        """The hub's periodic check of this process's sockets of one kind (every
        `heartbeat_seconds`): each is still allowed its stream and has missed nothing.
        This default checks socket by socket; a subclass can answer for all at once."""
        for socket in sockets:
            try:
                if await socket.recheck():
                    await socket.after_watch(await socket.current_seq())
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one socket's failure does not skip the others
                log.exception("periodic check failed for %s", socket.stream_group)

    async def after_watch(self, seq: int) -> None:
        """Catch up when an event committed before the previous check has still not
        arrived (lost by the layer in a room that has gone quiet). Events committed
        since then may simply be on their way, so they are left to the live path."""
        if getattr(self, "_closing", False):
            return
        try:
            if self._watched_seq > self.last_seq:
                await self.catch_up()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - one socket's failure does not skip the others
            log.exception("catch-up failed for %s", self.stream_group)
            return
        self._watched_seq = seq

    async def stream_layer_down(self, message) -> None:
        self.layer_down = True
        await self.send_json({"type": "layer.down"})

    async def stream_layer_up(self, message) -> None:
        self.layer_down = False
        await self.catch_up()
        await self.send_json({"type": "layer.up", "seq": self.last_seq})

    async def stream_event(self, message) -> None:
        """A sequenced event from the layer: deliver in order, once."""
        seq = message["seq"]
        if seq <= self.last_seq:
            return
        if seq > self.last_seq + 1:
            await self.catch_up()
            if seq <= self.last_seq:
                return
        if not await self.may_receive(message):
            return
        self.last_seq = seq
        await self.send(text_data=message["text"])

    async def end(self, code: int, reason: str) -> None:
        """Tell the client why, then close with a documented code."""
        await self.send_json({"type": "closed", "reason": reason})
        await self.close(code=code)

    async def stream_too_slow(self, message) -> None:
        await self.end(CLOSE_TOO_SLOW, _("Forbindelsen hang for langt etter."))

    async def stream_ephemeral(self, message) -> None:
        """Presence, typing, reading counts: not sequenced, not stored."""
        if message.get("skip_channel") == self.channel_name:
            return
        await self.send(text_data=message["text"])

    async def catch_up(self) -> None:
        events, resync = await self.load_events_after(self.last_seq)
        if resync is not None:
            self.last_seq = resync
            await self.send_json(
                {"type": "resync", "seq": resync, "history_url": self.history_url()}
            )
            return
        for seq, text in events:
            if seq > self.last_seq:
                self.last_seq = seq
                await self.send(text_data=text)

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content, ensure_ascii=False))

    async def send_error(self, code: str, message: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def disconnect(self, code):
        await self._leave_groups()

    async def receive(self, text_data=None, bytes_data=None):
        try:
            frame = parse_frame(text_data, bytes_data, self.max_frame_chars)
            await self.handle_frame(frame)
        except FrameError as exc:
            await self.send_error(exc.code, exc.message, client_id=_safe_client_id(text_data))

    async def stream_close(self, message) -> None:
        """The server ends this socket (removed from the group, signed out)."""
        if message.get("user_id") not in (None, self.scope["user"].pk):
            return
        reason = message.get("reason", "")
        await self.end(message.get("code", CLOSE_FORBIDDEN), _(reason) if reason else "")

    # --- to implement -----------------------------------------------------------

    async def current_seq(self) -> int:
        raise NotImplementedError

    async def load_events_after(self, seq: int) -> tuple[list[tuple[int, str]], int | None]:
        raise NotImplementedError

    async def recheck(self) -> bool:
        return True

    async def may_receive(self, message) -> bool:
        return True

    def history_url(self) -> str:
        return ""

    async def handle_frame(self, frame: dict) -> None:
        raise NotImplementedError


def _from_client(message: dict) -> bool:
    """A frame, connect or disconnect from the client (not a hub event)."""
    return message["type"].startswith("websocket.")


def _safe_client_id(text_data: str | None) -> str | None:
    try:
        value = json.loads(text_data or "").get("client_id")
    except Exception:  # noqa: BLE001
        return None
    return value if isinstance(value, str) and len(value) <= 64 else None


def query_int(scope, name: str) -> int | None:
    from urllib.parse import parse_qs

    raw = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name, [None])[0]
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


