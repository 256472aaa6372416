"""Group names and event payloads for live rooms; only live.services and
community.services call this module. Every payload is documented in
docs/protocol-rooms.md."""

from __future__ import annotations

import json
from typing import Any, TypedDict

from django.utils.translation import gettext_noop

from staffroom.fanout import group_send, group_send_many
from staffroom.realtime import CLOSE_FORBIDDEN, send_event_on_commit


class Author(TypedDict):
    id: int
    name: str


class MessageNew(TypedDict):
    type: str  # "message.new"
    seq: int
    id: int
    client_id: str
    author: Author
    body: str
    sent_at: str
    reply_to: int | None


def room_group(group_id: int) -> str:
    return f"room.{group_id}"


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def author_of(user) -> Author:
    return {"id": user.pk, "name": user.public_name}


def message_new(message) -> MessageNew:
    return {
        "type": "message.new",
        "seq": message.seq,
        "id": message.pk,
        "client_id": message.client_id,
        "author": author_of(message.author),
        "body": message.body,
        "sent_at": message.sent_at.isoformat(),
        "reply_to": message.reply_to_id,
    }


def broadcast_sequenced(group_id: int, seq: int, payload: dict[str, Any], audience: list[int]) -> None:
    """After commit: a sequenced event for the members in `audience` only."""
    send_event_on_commit(
        room_group(group_id),
        {"type": "stream.event", "seq": seq, "text": dumps(payload), "audience": audience},
    )


def broadcast_ephemeral(group_id: int, payload: dict[str, Any], skip_channel: str = "") -> None:
    send_event_on_commit(
        room_group(group_id),
        {"type": "stream.ephemeral", "text": dumps(payload), "skip_channel": skip_channel},
    )


def member_removed(group_id: int, user_id: int) -> None:
    """After commit: the removed member's sockets in this room close."""
    send_event_on_commit(
        room_group(group_id),
        {"type": "stream.close", "user_id": user_id, "code": CLOSE_FORBIDDEN,
         # The message id travels; each socket translates it into its member's language.
         "reason": gettext_noop("Du er ikke lenger medlem av gruppa.")},
    )


async def abroadcast_ephemeral(channel_layer, group_id: int, payload: dict[str, Any], skip_channel: str = "") -> None:
    """From a consumer: presence and typing are never stored, so they skip the database."""
    try:
        await group_send(
            channel_layer, room_group(group_id),
            {"type": "stream.ephemeral", "text": dumps(payload), "skip_channel": skip_channel},
        )
    except Exception:  # noqa: BLE001 - ephemeral by design
        pass


async def asend_sequenced(channel_layer, broadcasts: list[tuple[int, int, dict[str, Any], list[int]]]) -> None:
    """From the send batcher, after its transaction committed: the batch's events
    (group id, seq, payload, audience) in one layer message."""
    try:
        await group_send_many(channel_layer, [
            (room_group(group_id), {"type": "stream.event", "seq": seq, "text": dumps(payload), "audience": audience})
            for group_id, seq, payload, audience in broadcasts
        ])
    except Exception:  # noqa: BLE001 - lossy by contract; sockets catch up from the database
        import logging

        logging.getLogger("staffroom.realtime").warning(
            "channel layer unavailable; %d room events not broadcast", len(broadcasts))
