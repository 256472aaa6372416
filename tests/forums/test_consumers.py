import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from forums import services
from tests.live.conftest import receive_type

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def tforum(transactional_db, make_user):
    from community import services as cs
    from forums.models import Category

    kari, ola = make_user("kari"), make_user("ola")
    public = Category.objects.create(name="Generelt", slug="generelt")
    group = cs.create_group(kari, name="G")
    private = Category.objects.create(name="Privat", slug="privat", group=group)
    return {"kari": kari, "ola": ola, "public": public, "private": private}


async def open_thread(thread_id, after=None, user=None):
    from django.conf import settings

    from staffroom.asgi import application
    from tests.conftest import session_cookie_for

    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        cookie = await sync_to_async(session_cookie_for)(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    path = f"/ws/threads/{thread_id}/" + (f"?after={after}" if after is not None else "")
    comm = WebsocketCommunicator(application, path, headers=headers)
    await comm.connect(timeout=5)
    return comm


async def test_open_thread_receives_posts_edits_deletions_and_likes(tforum):
    thread = await sync_to_async(services.create_thread)(tforum["kari"], tforum["public"], "Live", "Start")
    comm = await open_thread(thread.pk)
    await receive_type(comm, "hello", skip=("readers",))
    post = await sync_to_async(services.reply)(tforum["ola"], thread, "Hei **alle**")
    new = await receive_type(comm, "post.new", skip=("readers",))
    assert new["seq"] == 2 and "<strong>alle</strong>" in new["post"]["html"]
    await sync_to_async(services.edit_post)(tforum["ola"], post, "Hei igjen")
    assert (await receive_type(comm, "post.edited", skip=("readers",)))["post"]["html"] == "<p>Hei igjen</p>"
    await sync_to_async(services.toggle_like)(tforum["kari"], post)
    assert (await receive_type(comm, "post.liked", skip=("readers",)))["post"]["likes"] == 1
    await sync_to_async(services.delete_post)(tforum["ola"], post)
    assert (await receive_type(comm, "post.deleted", skip=("readers",)))["seq"] == 5
    await comm.disconnect()


async def test_reconnect_with_after_catches_up_and_a_big_gap_gets_resync(tforum, settings):
    thread = await sync_to_async(services.create_thread)(tforum["kari"], tforum["public"], "Catch", "Start")
    for n in range(4):
        await sync_to_async(services.reply)(tforum["ola"], thread, f"svar {n}")
    comm = await open_thread(thread.pk, after=2)
    await receive_type(comm, "hello", skip=("readers",))
    got = [await receive_type(comm, "post.new", skip=("readers",)) for _ in range(3)]
    assert [e["seq"] for e in got] == [3, 4, 5]
    await comm.disconnect()
    settings.STAFFROOM_LIVE_RETENTION = 2
    comm = await open_thread(thread.pk, after=0)
    await receive_type(comm, "hello", skip=("readers",))
    assert (await receive_type(comm, "resync", skip=("readers",)))["seq"] == 5
    await comm.disconnect()


async def test_private_thread_socket_is_refused_to_outsiders_and_anonymous(tforum):
    thread = await sync_to_async(services.create_thread)(tforum["kari"], tforum["private"], "Privat", "Start")
    for user in (None, tforum["ola"]):
        comm = await open_thread(thread.pk, user=user)
        assert (await comm.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4403}
    comm = await open_thread(thread.pk, user=tforum["kari"])
    assert (await receive_type(comm, "hello", skip=("readers",)))["thread"] == thread.pk
    await comm.disconnect()


async def test_malformed_frames_get_an_error_and_the_socket_stays_up(tforum):
    thread = await sync_to_async(services.create_thread)(tforum["kari"], tforum["public"], "Frames", "Start")
    comm = await open_thread(thread.pk)
    await receive_type(comm, "hello", skip=("readers",))
    for frame in ("", "{", "[]", '{"type": "post.new"}'):
        await comm.send_input({"type": "websocket.receive", "text": frame})
        assert (await receive_type(comm, "error", skip=("readers",)))["message"]
    await comm.send_json_to({"type": "ping"})
    assert (await receive_type(comm, "pong", skip=("readers",)))["type"] == "pong"
    await comm.disconnect()
