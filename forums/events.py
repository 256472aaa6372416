"""Group names and payloads for thread and category streams (docs/protocol-threads.md).
Only forums.services calls this module."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from staffroom.realtime import send_event_on_commit


def thread_group(thread_id: int) -> str:
    return f"thread.{thread_id}"


def category_group(category_id: int) -> str:
    return f"category.{category_id}"


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def post_payload(post) -> dict[str, Any]:
    visible = post.is_visible
    return {
        "id": post.pk,
        "author": {"id": post.author_id, "name": post.author.public_name},
        "html": post.body_html if visible else "",
        "feedback_kind": post.feedback_kind,
        "feedback_label": post.get_feedback_kind_display() if post.feedback_kind else "",
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "deleted": post.deleted_at is not None,
        "hidden": post.is_hidden,
        "likes": post.like_count,
    }


def broadcast_sequenced(thread_id: int, seq: int, payload: dict[str, Any]) -> None:
    if not settings.STAFFROOM_FORUM_FANOUT:
        return
    send_event_on_commit(thread_group(thread_id), {"type": "stream.event", "seq": seq, "text": dumps(payload)})


def broadcast_new_thread(category_id: int, payload: dict[str, Any]) -> None:
    send_event_on_commit(category_group(category_id), {"type": "stream.ephemeral", "text": dumps(payload)})


def notify_user(user_id: int, unread: int) -> None:
    from staffroom.realtime import user_group

    send_event_on_commit(user_group(user_id), {"type": "stream.ephemeral",
                                               "text": dumps({"type": "notifications.unread", "count": unread})})
