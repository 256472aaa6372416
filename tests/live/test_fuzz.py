import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
frame_types = st.sampled_from(["message.send", "message.edit", "message.delete", "reaction", "pin", "read",
                               "quiz.answer", "quiz.next", "presence", "websocket.disconnect", "stream.event",
                               "nonsense", ""])
shaped = st.fixed_dictionaries({"type": frame_types}, optional={
    "client_id": json_values, "body": json_values, "id": json_values, "seq": json_values, "emoji": json_values,
    "quiz_id": json_values, "index": json_values, "choice": json_values, "state": json_values,
}).map(json.dumps)
garbage = st.text(max_size=200) | json_values.map(json.dumps)


def _is_valid_send(text: str) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return (isinstance(data, dict) and data.get("type") == "message.send" and isinstance(data.get("client_id"), str)
            and 1 <= len(data["client_id"]) <= 64 and data["client_id"].isprintable()
            and isinstance(data.get("body"), str) and data["body"].strip() != "" and "\x00" not in data["body"])


async def test_malformed_frames_never_crash_never_store_and_always_answer_error(room, connect):
    from asgiref.sync import sync_to_async

    from live.models import Message, RoomEvent
    from tests.live.conftest import drain, receive_type

    kari, _, _ = await connect(room["kari"], room["group"])
    await receive_type(kari, "hello")
    frames = []

    @hsettings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.one_of(shaped, garbage))
    def collect(frame):
        frames.append(frame)

    collect()
    bad = [f for f in frames if not _is_valid_send(f) and '"type": "presence"' not in f]
    for frame in bad:
        await kari.send_input({"type": "websocket.receive", "text": frame})
        event = await receive_type(kari, "error", skip=("presence", "typing", "pong", "unread"))
        assert event["message"], frame
    await kari.send_json_to({"type": "ping"})
    await receive_type(kari, "pong", skip=("presence", "error"))
    assert await sync_to_async(Message.objects.count)() == 0
    assert await sync_to_async(RoomEvent.objects.count)() == 0
    assert [e for e in await drain(kari, 0.2) if e["type"] == "websocket.close"] == []
