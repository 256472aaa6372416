import asyncio
import json
import uuid

import pytest
from asgiref.sync import sync_to_async

from tests.live.conftest import drain, receive_type

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


async def presence_of(comm, user):
    while True:
        event = await receive_type(comm, "presence", skip=("typing",))
        if event["user"]["id"] == user.pk:
            return event


async def hello(comm):
    return await receive_type(comm, "hello")


async def kari_and_ola(room, connect):
    """Both members in the room, each past its hello."""
    kari, _, _ = await connect(room["kari"], room["group"])
    ola, _, _ = await connect(room["ola"], room["group"])
    await hello(kari)
    await hello(ola)
    return kari, ola


async def test_send_is_acked_with_seq_and_broadcast_to_other_members(room, connect):
    kari, ola = await kari_and_ola(room, connect)
    cid = str(uuid.uuid4())
    await kari.send_json_to({"type": "message.send", "client_id": cid, "body": "Hei, Ola!"})
    ack = await receive_type(kari, "message.ack")
    assert ack["client_id"] == cid and ack["seq"] == 1 and ack["id"] > 0
    new = await receive_type(ola, "message.new")
    assert new == {**new, "seq": 1, "id": ack["id"], "client_id": cid, "body": "Hei, Ola!"}
    assert new["author"]["name"] == "Kari"


async def test_resend_with_same_client_id_creates_one_message(room, connect):
    from live.models import Message

    kari, _, _ = await connect(room["kari"], room["group"])
    await hello(kari)
    frame = {"type": "message.send", "client_id": "abc-123", "body": "To ganger?"}
    await kari.send_json_to(frame)
    first = await receive_type(kari, "message.ack")
    await kari.send_json_to(frame)
    # Her own message.new may come before or after the second ack; it comes once.
    seen = []
    second = await receive_type(kari, "message.ack", skip=("presence", "message.new"), seen=seen)
    assert second["id"] == first["id"] and second["seq"] == first["seq"] and second["duplicate"] is True
    news = [e for e in seen + await drain(kari) if e["type"] == "message.new"]
    assert [(e["seq"], e["client_id"]) for e in news] == [(first["seq"], "abc-123")]
    assert await sync_to_async(Message.objects.filter(client_id="abc-123").count)() == 1


async def test_reconnect_with_after_gets_exactly_the_missed_messages_in_order(room, connect):
    from live import services

    for n in range(1, 6):
        await sync_to_async(services.send_message)(room["kari"], room["group"].pk, f"c{n}", f"melding {n}")
    ola, _, _ = await connect(room["ola"], room["group"], after=2)
    await hello(ola)
    got = [await receive_type(ola, "message.new") for _ in range(3)]
    assert [e["seq"] for e in got] == [3, 4, 5]
    assert [e["body"] for e in got] == ["melding 3", "melding 4", "melding 5"]
    # then live ones
    await sync_to_async(services.send_message)(room["kari"], room["group"].pk, "c6", "melding 6")
    assert (await receive_type(ola, "message.new"))["seq"] == 6
    assert [e for e in await drain(ola) if e["type"] == "message.new"] == []


async def test_gap_older_than_retention_gets_resync(room, connect, settings):
    from live import services

    settings.STAFFROOM_LIVE_RETENTION = 3
    for n in range(6):
        await sync_to_async(services.send_message)(room["kari"], room["group"].pk, f"r{n}", f"m{n}")
    ola, _, _ = await connect(room["ola"], room["group"], after=0)
    await hello(ola)
    resync = await receive_type(ola, "resync")
    assert resync["seq"] == 6 and resync["history_url"].startswith(f"/api/rooms/{room['group'].pk}/messages")


async def test_edit_and_delete_own_message_inside_the_windows(room, connect, settings):
    kari, ola = await kari_and_ola(room, connect)
    await kari.send_json_to({"type": "message.send", "client_id": "e1", "body": "skrivefeil"})
    ack = await receive_type(kari, "message.ack")
    await kari.send_json_to({"type": "message.edit", "id": ack["id"], "body": "rettet"})
    edited = await receive_type(ola, "message.edited", skip=("presence", "typing", "message.new"))
    assert edited["body"] == "rettet" and edited["seq"] == 2
    # ola may not edit kari's message
    await ola.send_json_to({"type": "message.edit", "id": ack["id"], "body": "hack"})
    err = await receive_type(ola, "error", skip=("presence", "message.edited"))
    assert err["code"] == "not_author"
    await kari.send_json_to({"type": "message.delete", "id": ack["id"]})
    deleted = await receive_type(ola, "message.deleted", skip=("presence", "message.edited"))
    assert deleted["id"] == ack["id"]


async def test_edit_after_the_window_is_refused(room, connect, settings):
    from live import services

    settings.STAFFROOM_CHAT_EDIT_WINDOW = 0
    result = await sync_to_async(services.send_message)(room["kari"], room["group"].pk, "w1", "gammel")
    kari, _, _ = await connect(room["kari"], room["group"])
    await hello(kari)
    await asyncio.sleep(0.05)
    await kari.send_json_to({"type": "message.edit", "id": result.message.pk, "body": "ny"})
    err = await receive_type(kari, "error")
    assert err["code"] == "edit_window_closed"


async def test_presence_and_typing_reach_the_other_member(room, connect):
    kari, _, _ = await connect(room["kari"], room["group"])
    await hello(kari)
    ola, _, _ = await connect(room["ola"], room["group"])
    seen = await hello(ola)
    assert seen["presence"].get(str(room["kari"].pk)) == "online"
    online = await presence_of(kari, room["ola"])
    assert online["state"] == "online"
    await ola.send_json_to({"type": "typing"})
    typing = await receive_type(kari, "typing", skip=("presence",))
    assert typing["user"]["id"] == room["ola"].pk and typing["expires_in"] == 10
    await ola.send_json_to({"type": "presence", "state": "idle"})
    idle = await presence_of(kari, room["ola"])
    assert idle["state"] == "idle"
    await ola.disconnect()
    offline = await presence_of(kari, room["ola"])
    assert offline["state"] == "offline"


async def test_non_member_is_refused_with_4403(room, connect):
    comm, connected, _ = await connect(room["outsider"], room["group"])
    assert connected
    out = await comm.receive_output(timeout=5)
    assert out == {"type": "websocket.close", "code": 4403}


async def test_anonymous_is_refused_with_4401(room, connect):
    comm, connected, _ = await connect(None, room["group"])
    out = await comm.receive_output(timeout=5)
    assert out == {"type": "websocket.close", "code": 4401}


async def test_foreign_origin_is_refused(room, connect):
    comm, connected, code = await connect(room["kari"], room["group"], origin=b"https://evil.example")
    assert not connected


async def test_member_removed_while_connected_is_closed_and_receives_nothing_more(room, connect):
    from community import services as community_services
    from live import services

    ola, _, _ = await connect(room["ola"], room["group"])
    english, _, _ = await connect(room["ola"], room["group"], language="en")
    await hello(ola)
    await hello(english)
    await sync_to_async(community_services.remove_member)(room["kari"], room["group"], room["ola"])
    closed = await receive_type(ola, "closed", skip=("presence",))
    assert "ikke lenger medlem" in closed["reason"]
    closed = await receive_type(english, "closed", skip=("presence",))
    assert closed["reason"] == "You are no longer a member of the group."  # each socket in its language
    assert (await ola.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4403}
    await sync_to_async(services.send_message)(room["kari"], room["group"].pk, "after", "hemmelig")
    assert await ola.receive_nothing(timeout=0.5)  # closed: nothing more at all


async def test_an_event_the_layer_lost_reaches_a_quiet_room_from_the_periodic_check(room, connect):
    from live import services
    from live.consumers import RoomConsumer

    RoomConsumer.heartbeat_seconds = 0.2
    try:
        kari, _, _ = await connect(room["kari"], room["group"])
        await hello(kari)
        # Stored and committed, but never broadcast: as if the layer dropped the event.
        item = services.SendItem(room["ola"], room["group"].pk, "lost-1", "kom fram likevel", None)
        results, _broadcasts = await sync_to_async(services.send_messages_batch)([item])
        event = await receive_type(kari, "message.new", timeout=3, skip=("presence",))
        assert event["client_id"] == "lost-1" and event["seq"] == results[0].message.seq
        assert await kari.receive_nothing(timeout=0.8)  # later checks do not send it again
    finally:
        RoomConsumer.heartbeat_seconds = 15.0


async def test_signing_out_in_another_tab_ends_the_socket(room, connect, settings):
    from django.contrib.sessions.models import Session

    from live.consumers import RoomConsumer

    # The process's periodic check notices; run it every 0.2 s rather than every 15 s.
    RoomConsumer.heartbeat_seconds = 0.2
    try:
        ola, _, _ = await connect(room["ola"], room["group"])
        kari, _, _ = await connect(room["kari"], room["group"])
        await hello(ola)
        await hello(kari)
        # Simulate the other tab's sign-out: Ola's session row goes away.
        def sign_out_ola():
            for session in Session.objects.all():
                if session.get_decoded().get("_auth_user_id") == str(room["ola"].pk):
                    session.delete()

        await sync_to_async(sign_out_ola)()
        closed = await receive_type(ola, "closed", timeout=5, skip=("presence",))
        assert closed["reason"] == "Du er logget ut."
        # Kari, checked in the same round, stays connected.
        await kari.send_json_to({"type": "ping"})
        await receive_type(kari, "pong", skip=("presence",))
    finally:
        RoomConsumer.heartbeat_seconds = 15.0


async def test_rate_limit_answers_an_error_and_other_members_are_unaffected(room, connect, settings):
    settings.STAFFROOM_CHAT_RATE = (3, 10.0)
    kari, ola = await kari_and_ola(room, connect)
    for n in range(4):
        await kari.send_json_to({"type": "message.send", "client_id": f"rl{n}", "body": f"{n}"})
    events = await drain(kari, timeout=1.0)
    kinds = [e["type"] for e in events if e["type"] in ("message.ack", "error")]
    assert kinds.count("message.ack") == 3
    error = next(e for e in events if e["type"] == "error")
    assert error["code"] == "rate_limited" and error["client_id"] == "rl3"
    await ola.send_json_to({"type": "message.send", "client_id": "ola1", "body": "jeg kan fortsatt"})
    assert (await receive_type(ola, "message.ack", skip=("presence", "message.new")))["client_id"] == "ola1"


@pytest.mark.parametrize("frame, code", [
    ("", "empty_frame"),
    ("not json", "invalid_json"),
    ("[1,2]", "invalid_shape"),
    ('{"type": "websocket.disconnect"}', "unknown_type"),
    ('{"type": "stream.close"}', "unknown_type"),
    ('{"type": "message.send", "client_id": "x", "body": ""}', "empty_body"),
    ('{"type": "message.send", "client_id": "x", "body": "a\\u0000b"}', "invalid_text"),
    ('{"type": "message.send", "client_id": "x", "body": "\\ud800"}', "invalid_text"),
    ('{"type": "message.send", "body": "hei"}', "invalid_client_id"),
    ('{"type": "message.edit", "id": "1", "body": "x"}', "invalid_field"),
])
async def test_bad_frames_get_an_error_event_and_the_socket_stays_up(room, connect, frame, code):
    from live.models import Message

    kari, _, _ = await connect(room["kari"], room["group"])
    await hello(kari)
    await kari.send_input({"type": "websocket.receive", "text": frame})
    err = await receive_type(kari, "error")
    assert err["code"] == code and err["message"]
    await kari.send_json_to({"type": "ping"})
    assert (await receive_type(kari, "pong"))["type"] == "pong"
    assert await sync_to_async(Message.objects.count)() == 0


async def test_error_events_speak_the_language_the_member_chose(room, connect):
    nynorsk, _, _ = await connect(room["kari"], room["group"], language="nn")
    english, _, _ = await connect(room["ola"], room["group"], language="en")
    for comm in (nynorsk, english):
        await hello(comm)
        await comm.send_json_to({"type": "message.send", "client_id": "tom", "body": "  "})
    assert (await receive_type(nynorsk, "error"))["message"] == "Meldinga kan ikkje vere tom."
    assert (await receive_type(english, "error"))["message"] == "The message cannot be empty."


async def test_binary_and_oversized_frames_get_errors(room, connect, settings):
    kari, _, _ = await connect(room["kari"], room["group"])
    await hello(kari)
    await kari.send_to(bytes_data=b"\x00\x01")
    assert (await receive_type(kari, "error"))["code"] == "binary_frame"
    await kari.send_json_to({"type": "message.send", "client_id": "big", "body": "x" * 5000})
    assert (await receive_type(kari, "error"))["code"] == "too_long"


async def test_late_joiner_sees_the_current_live_quiz_question(room, connect):
    kari, _, _ = await connect(room["kari"], room["group"])
    await hello(kari)
    await kari.send_json_to({"type": "quiz.start", "title": "Brøkquiz", "seconds": 60, "questions": [
        {"prompt": "Hva er 1/2 + 1/4?", "options": ["2/6", "3/4", "1/8"], "correct": 1},
        {"prompt": "Hva er 0,5 som brøk?", "options": ["1/2", "5/100"], "correct": 0},
    ]})
    question = await receive_type(kari, "quiz.question")
    assert question["index"] == 0 and "correct" not in json.dumps(question)
    ola, _, _ = await connect(room["ola"], room["group"])
    await hello(ola)
    state = await receive_type(ola, "quiz.state")
    assert state["prompt"] == "Hva er 1/2 + 1/4?" and state["deadline"]
    await ola.send_json_to({"type": "quiz.answer", "quiz_id": question["quiz_id"], "index": 0, "choice": 1})
    tally = await receive_type(kari, "quiz.tally", skip=("presence",))
    assert tally["counts"] == [0, 1, 0]
    await kari.send_json_to({"type": "quiz.next", "quiz_id": question["quiz_id"]})
    q2 = await receive_type(ola, "quiz.question", skip=("presence", "quiz.tally"))
    assert q2["index"] == 1
    await ola.send_json_to({"type": "quiz.answer", "quiz_id": question["quiz_id"], "index": 1, "choice": 1})
    tally = await receive_type(kari, "quiz.tally", skip=("presence", "quiz.question", "quiz.tally"))
    while tally["index"] != 1:
        tally = await receive_type(kari, "quiz.tally", skip=("presence", "quiz.question"))
    await kari.send_json_to({"type": "quiz.next", "quiz_id": question["quiz_id"]})
    result = await receive_type(ola, "quiz.result", skip=("presence", "quiz.tally"))
    assert result["scores"] == [{"name": "Ola", "score": 1}]
    # a member who is not the facilitator cannot start one
    await ola.send_json_to({"type": "quiz.start", "questions": [{"prompt": "x?", "options": ["a", "b"],
                                                                 "correct": 0}]})
    assert (await receive_type(ola, "error", skip=("presence", "quiz.result")))["code"] == "not_facilitator"


async def test_idle_connection_still_receives_after_more_than_ten_seconds(room, connect):
    """redis-py 8's 5 s socket timeout would kill an idle consumer (close 1011)."""
    from live import services

    ola, _, _ = await connect(room["ola"], room["group"])
    await hello(ola)
    await asyncio.sleep(11)
    await sync_to_async(services.send_message)(room["kari"], room["group"].pk, "late", "er du der?")
    assert (await receive_type(ola, "message.new", skip=("presence",)))["body"] == "er du der?"


async def test_one_process_follows_a_room_once_however_many_members_are_online(room, connect):
    from channels.layers import get_channel_layer

    from live.events import room_group

    kari, ola = await kari_and_ola(room, connect)
    layer = get_channel_layer()
    async with layer.connection(layer.consistent_hash(room_group(room["group"].pk))) as redis:
        followers = await redis.zrange(layer._group_key(room_group(room["group"].pk)), 0, -1)
    assert len(followers) == 1  # the process's hub, not one channel per socket
    await kari.send_json_to({"type": "message.send", "client_id": "én-gang", "body": "Alle får den"})
    assert (await receive_type(ola, "message.new"))["body"] == "Alle får den"
    assert (await receive_type(kari, "message.new", skip=("presence", "typing", "unread", "message.ack")))[
        "client_id"] == "én-gang"


async def test_a_socket_that_falls_far_behind_is_closed_and_can_resume(room, connect):
    from channels.layers import get_channel_layer

    from live.events import room_group

    ola, _, _ = await connect(room["ola"], room["group"])
    await hello(ola)
    hub = get_channel_layer()._staffroom_hub
    (consumer,) = hub.local[room_group(room["group"].pk)]
    # More events than the socket may hold before it has sent any of them.
    for _ in range(consumer.max_outbound_queue + 1):
        consumer.deliver({"type": "stream.ephemeral", "text": '{"type": "typing"}'})
    closed = await receive_type(ola, "closed", skip=("presence", "typing", "unread"))
    assert "etter" in closed["reason"]
    assert (await ola.receive_output(timeout=5))["code"] == 4408
    again, connected, _ = await connect(room["ola"], room["group"], after=0)
    assert connected and (await hello(again))["type"] == "hello"


async def test_sends_to_two_rooms_stored_together_reach_only_each_rooms_members(room, connect, make_user):
    from community import services as community
    from live import services, writer

    per = room["outsider"]
    other = await sync_to_async(community.create_group)(per, name="Algebragruppa")
    ola, _, _ = await connect(room["ola"], room["group"])
    per_socket, _, _ = await connect(per, other)
    await hello(ola)
    await hello(per_socket)
    # Submitted in one loop turn: one transaction, one layer message for both rooms.
    sent = await asyncio.gather(
        writer.batcher().submit(services.SendItem(room["kari"], room["group"].pk, "a-1", "Til Brøkgruppa")),
        writer.batcher().submit(services.SendItem(per, other.pk, "b-1", "Til Algebragruppa")),
    )
    assert [r.message.seq for r in sent] == [1, 1]
    assert (await receive_type(ola, "message.new"))["body"] == "Til Brøkgruppa"
    assert (await receive_type(per_socket, "message.new", skip=("presence", "typing", "unread")))[
        "body"] == "Til Algebragruppa"
    for socket, foreign in ((ola, "Til Algebragruppa"), (per_socket, "Til Brøkgruppa")):
        later = await drain(socket, 0.5)
        assert [e for e in later if e.get("body") == foreign or e["type"] in ("closed", "websocket.close")] == []


async def test_the_embedded_defaults_in_memory_layer_carries_a_rooms_messages(room, connect, settings):
    # `make run` has no Redis: one process, Channels' in-memory layer.
    from channels.layers import get_channel_layer

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert type(get_channel_layer()).__name__ == "InMemoryChannelLayer"
    kari, ola = await kari_and_ola(room, connect)
    for n in range(3):
        await kari.send_json_to({"type": "message.send", "client_id": f"mem-{n}", "body": f"Melding {n}"})
    got = [await receive_type(ola, "message.new") for _ in range(3)]
    assert [(e["seq"], e["body"]) for e in got] == [(1, "Melding 0"), (2, "Melding 1"), (3, "Melding 2")]
