"""The live room socket at /ws/rooms/<group id>/ (protocol: docs/protocol-rooms.md)."""

from __future__ import annotations

import time

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _

from staffroom.realtime import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_NOT_SIGNED_IN,
    CLOSE_SESSION_ENDED,
    FrameError,
    StreamConsumer,
    clean_text,
    query_int,
    session_group,
)

from . import events, presence, services, writer

db = database_sync_to_async


def db_parallel(func):
    """Room writes from different rooms run on different threads (each with its own
    database connection) instead of queueing on Channels' single shared thread; each
    service call is one short transaction, so nothing depends on thread affinity."""
    return database_sync_to_async(func, thread_sensitive=False)


def _room_access(user_id: int, group_id: int) -> dict | None:
    from community.models import Membership, StudyGroup

    group = StudyGroup.objects.filter(pk=group_id).first()
    if group is None:
        return None
    membership = Membership.objects.filter(group=group, user_id=user_id).first()
    if membership is None:
        return {"member": False}
    return {
        "member": True,
        "seq": group.last_seq,
        "facilitator": membership.role == "facilitator",
        "unread": services.unread_count(membership),
        "quiz": services.current_quiz_state(group_id),
    }


class RoomConsumer(StreamConsumer):
    typing_interval = 3.0

    async def connect(self):
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated or getattr(user, "is_deleted", False):
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        self.user_id = user.pk
        self.group_id = int(self.scope["url_route"]["kwargs"]["group_id"])
        access = await db(_room_access)(user.pk, self.group_id)
        if access is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not access["member"]:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.session = self.scope.get("session")
        self.stream_group = events.room_group(self.group_id)
        self.extra_groups = (session_group(getattr(self.session, "session_key", None)),)
        self._last_typing = 0.0
        self._accepted = True
        after = query_int(self.scope, "after")
        await self.start_stream(after, hello={
            "type": "hello", "group": self.group_id,
            "you": {"id": user.pk, "name": user.public_name, "facilitator": access["facilitator"]},
            "unread": access["unread"], "presence": await presence.snapshot(self.group_id),
            "max_length": settings.STAFFROOM_CHAT_MAX_LENGTH,
        })
        if access["quiz"]:
            await self.send_json({**access["quiz"], "type": "quiz.state"})
        await presence.set_state(self.group_id, user.pk, self.channel_name, "online")
        await self._announce_presence("online")

    async def disconnect(self, code):
        if getattr(self, "_accepted", False):
            state = await presence.drop(self.group_id, self.user_id, self.channel_name)
            await self._announce_presence(state)
        await super().disconnect(code)

    async def _announce_presence(self, state: str) -> None:
        user = self.scope["user"]
        await events.abroadcast_ephemeral(
            self.channel_layer, self.group_id,
            {"type": "presence", "user": {"id": user.pk, "name": user.public_name}, "state": state},
        )

    # --- StreamConsumer hooks ---------------------------------------------------

    async def current_seq(self) -> int:
        return await db_parallel(services.room_seq)(self.group_id)

    async def load_events_after(self, seq: int):
        return await db_parallel(services.events_after)(self.group_id, self.user_id, seq)

    @classmethod
    async def watch(cls, sockets: list[RoomConsumer]) -> None:
        standing = await db_parallel(services.room_standing)(
            [(s.user_id, s.group_id, getattr(s.session, "session_key", None)) for s in sockets])
        for socket, (state, seq) in zip(sockets, standing, strict=True):
            if state == "removed":
                await socket.end(CLOSE_FORBIDDEN, _("Du er ikke lenger medlem av gruppa."))
            elif state == "signed_out":
                await socket.end(CLOSE_SESSION_ENDED, _("Du er logget ut."))
            else:
                await socket.after_watch(seq)

    async def may_receive(self, message) -> bool:
        if self.user_id in message.get("audience", ()):
            return True
        # Not in the audience of a room event: no longer a member.
        await self.end(CLOSE_FORBIDDEN, _("Du er ikke lenger medlem av gruppa."))
        return False

    def history_url(self) -> str:
        return f"/api/rooms/{self.group_id}/messages?after={self.last_seq}"

    # --- client frames ----------------------------------------------------------

    async def handle_frame(self, frame: dict) -> None:
        handler = self.FRAME_HANDLERS.get(frame["type"])
        if handler is None:
            raise FrameError("unknown_type", "Ukjent meldingstype.")
        user = self.scope["user"]
        try:
            await handler(self, user, frame)
        except services.RoomError as exc:
            await self.send_error(exc.code, exc.message, client_id=frame.get("client_id")
                                  if isinstance(frame.get("client_id"), str) else None)
        except FrameError:
            raise
        except Exception:  # noqa: BLE001 - never crash the socket on a failing write
            import logging

            logging.getLogger("staffroom.live").exception("room frame failed")
            await self.send_error("unavailable", _("Meldingen ble ikke lagret. Prøv igjen."),
                                  client_id=frame.get("client_id") if isinstance(frame.get("client_id"), str) else None)

    async def on_send(self, user, frame):
        client_id = frame.get("client_id")
        if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64 or not client_id.isprintable():
            raise FrameError("invalid_client_id", _("Meldingen mangler en gyldig «client_id»."))
        body = clean_text(frame.get("body"), field="body", max_length=settings.STAFFROOM_CHAT_MAX_LENGTH)
        reply_to = _optional_id(frame, "reply_to")
        result = await writer.batcher().submit(services.SendItem(user, self.group_id, client_id, body, reply_to))
        await self.send_json({"type": "message.ack", "client_id": client_id,
                              "id": result.message.pk, "seq": result.message.seq,
                              "duplicate": not result.created})

    async def on_edit(self, user, frame):
        body = clean_text(frame.get("body"), field="body", max_length=settings.STAFFROOM_CHAT_MAX_LENGTH)
        await db_parallel(services.edit_message)(user, self.group_id, _required_id(frame, "id"), body)

    async def on_delete(self, user, frame):
        await db_parallel(services.delete_message)(user, self.group_id, _required_id(frame, "id"))

    async def on_reaction(self, user, frame):
        emoji = clean_text(frame.get("emoji"), field="emoji", max_length=16)
        await db_parallel(services.toggle_reaction)(user, self.group_id, _required_id(frame, "id"), emoji)

    async def on_pin(self, user, frame):
        await db_parallel(services.set_pinned)(user, self.group_id, _required_id(frame, "id"), bool(frame.get("pinned", True)))

    async def on_read(self, user, frame):
        seq = _required_id(frame, "seq", allow_zero=True)
        unread = await db_parallel(services.mark_read)(user, self.group_id, seq)
        await self.send_json({"type": "unread", "count": unread})

    async def on_typing(self, user, frame):
        now = time.monotonic()
        if now - self._last_typing < self.typing_interval:
            return
        self._last_typing = now
        await events.abroadcast_ephemeral(
            self.channel_layer, self.group_id,
            {"type": "typing", "user": {"id": user.pk, "name": user.public_name}, "expires_in": 10},
            skip_channel=self.channel_name,
        )

    async def on_presence(self, user, frame):
        state = frame.get("state")
        if state not in ("online", "idle"):
            raise FrameError("invalid_field", _("«state» må være «online» eller «idle»."))
        await self._announce_presence(await presence.set_state(self.group_id, user.pk, self.channel_name, state))

    async def on_quiz_start(self, user, frame):
        questions = services.validate_quiz_questions(frame.get("questions"))
        title = clean_text(frame.get("title", "Quiz"), field="title", max_length=200)
        seconds = frame.get("seconds", 30)
        if not isinstance(seconds, int) or isinstance(seconds, bool):
            raise FrameError("invalid_field", _("«seconds» må være et heltall."))
        await db_parallel(services.start_quiz)(user, self.group_id, title, questions, seconds)

    async def on_quiz_answer(self, user, frame):
        await db_parallel(services.answer_quiz)(user, self.group_id, _required_id(frame, "quiz_id"),
                                       _required_id(frame, "index", allow_zero=True),
                                       _required_id(frame, "choice", allow_zero=True))

    async def on_quiz_next(self, user, frame):
        await db_parallel(services.advance_quiz)(user, self.group_id, _required_id(frame, "quiz_id"))

    async def on_ping(self, user, frame):
        await self.send_json({"type": "pong", "seq": self.last_seq})

    FRAME_HANDLERS = {
        "message.send": on_send,
        "message.edit": on_edit,
        "message.delete": on_delete,
        "reaction": on_reaction,
        "pin": on_pin,
        "read": on_read,
        "typing": on_typing,
        "presence": on_presence,
        "quiz.start": on_quiz_start,
        "quiz.answer": on_quiz_answer,
        "quiz.next": on_quiz_next,
        "ping": on_ping,
    }


def _required_id(frame: dict, name: str, allow_zero: bool = False) -> int:
    value = frame.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < (0 if allow_zero else 1) or value > 2**62:
        raise FrameError("invalid_field", _("Feltet «%(field)s» må være et positivt heltall.") % {"field": name})
    return value


def _optional_id(frame: dict, name: str) -> int | None:
    if frame.get(name) is None:
        return None
    return _required_id(frame, name)
