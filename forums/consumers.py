"""Live thread and category pages (protocol: docs/protocol-threads.md). Posting goes
through the HTML forms; sockets only deliver, so every page works without JavaScript."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from staffroom.fanout import group_send
from staffroom.realtime import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    FrameError,
    StreamConsumer,
    query_int,
    user_group,
)

from . import events

db = database_sync_to_async


def _thread_access(user, thread_id: int):
    from .models import Thread
    from .permissions import can_read_thread

    thread = Thread.objects.select_related("category").filter(pk=thread_id).first()
    if thread is None:
        return None
    return {"readable": can_read_thread(user, thread), "seq": thread.last_seq}


def _events_after(user, thread_id: int, after: int):
    from .models import Thread, ThreadEvent
    from .permissions import can_read_thread

    thread = Thread.objects.select_related("category").filter(pk=thread_id).first()
    if thread is None or not can_read_thread(user, thread):
        return [], None
    if thread.last_seq - after > settings.STAFFROOM_LIVE_RETENTION:
        return [], thread.last_seq
    rows = ThreadEvent.objects.filter(thread=thread, seq__gt=after).order_by("seq").values_list("seq", "payload")
    return [(seq, events.dumps(payload)) for seq, payload in rows], None


def _thread_seq(thread_id: int) -> int:
    from .models import Thread

    return Thread.objects.filter(pk=thread_id).values_list("last_seq", flat=True).first() or 0


def _still_readable(user, thread_id: int) -> bool:
    access = _thread_access(user, thread_id)
    return bool(access and access["readable"])


class ThreadConsumer(StreamConsumer):
    async def connect(self):
        await self.accept()
        self.thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        self.user = self.scope.get("user")
        access = await db(_thread_access)(self.user, self.thread_id)
        if access is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not access["readable"]:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.stream_group = events.thread_group(self.thread_id)
        self._counted = True
        await self.start_stream(query_int(self.scope, "after"), hello={"type": "hello", "thread": self.thread_id})
        await self._readers(+1)

    async def disconnect(self, code):
        if getattr(self, "_counted", False):
            await self._readers(-1)
        await super().disconnect(code)

    async def _readers(self, delta: int) -> None:
        key = f"readers:{self.thread_id}"
        try:
            if delta > 0:
                await cache.aadd(key, 0, 3600)
                count = await cache.aincr(key, delta)
            else:
                count = max(0, await cache.adecr(key, 1))
        except Exception:  # noqa: BLE001 - a reading count is best effort
            return
        try:
            await group_send(self.channel_layer, self.stream_group, {
                "type": "stream.ephemeral", "text": events.dumps({"type": "readers", "count": count})})
        except Exception:  # noqa: BLE001
            pass

    async def current_seq(self) -> int:
        return await db(_thread_seq)(self.thread_id)

    async def load_events_after(self, seq: int):
        return await db(_events_after)(self.user, self.thread_id, seq)

    async def recheck(self) -> bool:
        if not await db(_still_readable)(self.user, self.thread_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return False
        return True

    def history_url(self) -> str:
        return f"/forum/t/{self.thread_id}/"

    async def handle_frame(self, frame: dict) -> None:
        if frame["type"] == "ping":
            await self.send_json({"type": "pong", "seq": self.last_seq})
            return
        raise FrameError("unknown_type", _("Ukjent meldingstype. Innlegg skrives i skjemaet på siden."))


class CategoryConsumer(StreamConsumer):
    """New threads in a category, as they are started (ephemeral; reload shows all)."""

    async def connect(self):
        from .models import Category
        from .permissions import can_read_category

        await self.accept()
        category_id = int(self.scope["url_route"]["kwargs"]["category_id"])
        category = await db(lambda: Category.objects.filter(pk=category_id).select_related("group").first())()
        if category is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not await db(can_read_category)(self.scope.get("user"), category):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.stream_group = events.category_group(category_id)
        await self._join_groups()

    async def handle_frame(self, frame: dict) -> None:
        if frame["type"] == "ping":
            await self.send_json({"type": "pong"})
            return
        raise FrameError("unknown_type", "Ukjent meldingstype.")


class NotificationConsumer(StreamConsumer):
    """The signed-in member's live unread count."""

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            from staffroom.realtime import CLOSE_NOT_SIGNED_IN

            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        self.stream_group = user_group(user.pk)
        await self._join_groups()
        count = await db(lambda: user.notifications.filter(read_at__isnull=True).count())()
        await self.send_json({"type": "notifications.unread", "count": count})

    async def handle_frame(self, frame: dict) -> None:
        raise FrameError("unknown_type", "Ukjent meldingstype.")
