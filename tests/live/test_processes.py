"""Real sockets against real daphne processes sharing one Redis."""

import asyncio

import pytest
from django.conf import settings

from tests.conftest import session_cookie_for
from tests.harness.services import Redis
from tests.live.client import RoomClient

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def cookie(user) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={session_cookie_for(user)}"


def client_for(server, group, user) -> RoomClient:
    return RoomClient(server.url.replace("http", "ws"), group.pk, cookie(user), server.url)


@pytest.fixture
def spare_redis():
    redis = Redis()
    redis.start()
    yield redis
    redis.cleanup()


def test_members_on_two_daphne_processes_chat_through_one_redis(room, daphne_factory, spare_redis):
    a = daphne_factory(REDIS_URL=spare_redis.url)
    b = daphne_factory(REDIS_URL=spare_redis.url)
    kari = client_for(a, room["group"], room["kari"])
    ola = client_for(b, room["group"], room["ola"])

    async def scenario():
        await kari.connect()
        await ola.connect()
        await kari.say("Hei fra prosess A")
        await ola.wait_for(lambda: len(ola.transcript) == 1)
        await ola.say("Hei tilbake fra prosess B")
        await kari.wait_for(lambda: len(kari.transcript) == 2)
        await kari.close()
        await ola.close()

    asyncio.run(scenario())
    assert [m["body"] for m in ola.transcript] == ["Hei fra prosess A", "Hei tilbake fra prosess B"]
    assert [m["seq"] for m in kari.transcript] == [1, 2]


def test_redis_restart_mid_conversation_loses_no_acknowledged_message(room, daphne_factory, spare_redis):
    from live.models import Message

    a = daphne_factory(REDIS_URL=spare_redis.url)
    b = daphne_factory(REDIS_URL=spare_redis.url)
    kari = client_for(a, room["group"], room["kari"])
    ola = client_for(b, room["group"], room["ola"])

    async def scenario():
        await kari.connect()
        await ola.connect()
        for n in range(5):
            await kari.say(f"før {n}")
            await ola.say(f"ola før {n}")
        await kari.wait_for(lambda: len(kari.acked) == 5)
        spare_redis.stop()
        for n in range(5):
            await kari.say(f"under {n}")
            await ola.say(f"ola under {n}")
        await kari.wait_for(lambda: len(kari.acked) == 10, timeout=20)
        await ola.wait_for(lambda: len(ola.acked) == 10, timeout=20)
        spare_redis.start()
        for n in range(3):
            await kari.say(f"etter {n}")
        await kari.wait_for(lambda: len(kari.acked) == 13, timeout=20)
        await kari.wait_for(lambda: len(kari.transcript) == 23, timeout=30)
        await ola.wait_for(lambda: len(ola.transcript) == 23, timeout=30)
        await kari.close()
        await ola.close()

    asyncio.run(scenario())
    stored = list(Message.objects.order_by("seq").values_list("id", "seq"))
    assert len(stored) == 23
    for client in (kari, ola):
        shown = [(m["id"], m["seq"]) for m in client.transcript]
        assert shown == stored, "each acknowledged message once, in server order"
    assert set(kari.acked.values()) <= {i for i, _ in stored}
    assert any(e["type"] == "layer.down" for e in kari.events + ola.events)


def test_a_third_teacher_who_is_not_a_member_is_refused_over_a_real_socket(room, daphne):
    outsider = client_for(daphne, room["group"], room["outsider"])

    async def scenario():
        import websockets

        ws = await websockets.connect(outsider.url, additional_headers=outsider.headers)
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code
        return None

    assert asyncio.run(scenario()) == 4403
