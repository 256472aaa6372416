import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from tests.conftest import session_cookie_for


@pytest.fixture
def room(transactional_db, make_user):
    from community import services

    kari = make_user("kari")
    ola = make_user("ola")
    per = make_user("per")
    group = services.create_group(kari, name="Brøkgruppa")
    services.add_member(group, ola)
    return {"group": group, "kari": kari, "ola": ola, "outsider": per}


@pytest.fixture
async def connect():
    """Opens a room socket for a user through the full ASGI stack (origin, session, auth).

    Async, so the sockets are closed on the test's own event loop: a consumer left
    running on a closed loop could strand a database thread and block the flush."""
    from staffroom.asgi import application

    opened = []

    async def open_(user, group, after=None, origin=b"http://localhost", path=None, language=None):
        headers = [(b"origin", origin)] if origin else []
        cookies = [f"{settings.LANGUAGE_COOKIE_NAME}={language}"] if language else []
        if user is not None:
            cookie = await sync_to_async(session_cookie_for)(user)
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={cookie}")
        if cookies:
            headers.append((b"cookie", "; ".join(cookies).encode()))
        url = path or f"/ws/rooms/{group.pk}/" + (f"?after={after}" if after is not None else "")
        comm = WebsocketCommunicator(application, url, headers=headers)
        connected, code = await comm.connect(timeout=5)
        opened.append(comm)
        return comm, connected, code

    yield open_
    for comm in opened:
        await close_communicator(comm)
    await close_layer()


async def close_layer() -> None:
    """Ends this loop's layer connections, so no blocking pop outlives the test.

    A channels-redis receive that lost its cancellation (see staffroom.fanout.layer_receive)
    would otherwise keep the loop's shutdown waiting on a Redis read for ever."""
    import asyncio

    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    close_pools = getattr(layer, "close_pools", None)
    if close_pools is not None:
        try:
            await asyncio.wait_for(close_pools(), 10)
        except TimeoutError:
            pass


async def close_communicator(comm) -> None:
    """Disconnects and waits for the consumer to finish (it may already have closed)."""
    import asyncio

    if comm.future is None or comm.future.done():
        return
    try:
        await comm.disconnect(timeout=5)
    except (TimeoutError, AssertionError, RuntimeError, asyncio.CancelledError):
        if comm.future is not None and not comm.future.done():
            comm.future.cancel()
            await asyncio.gather(comm.future, return_exceptions=True)


async def receive_type(comm, wanted: str, timeout: float = 5, skip=("presence", "typing", "unread"),
                       seen: list | None = None):
    """The next event of a type, skipping ephemeral noise (kept in `seen` if given)."""
    while True:
        event = await comm.receive_json_from(timeout=timeout)
        if seen is not None and event["type"] != wanted:
            seen.append(event)
        if event["type"] == wanted:
            return event
        if event["type"] not in skip and wanted != "*":
            raise AssertionError(f"expected {wanted}, got {event}")


async def drain(comm, timeout: float = 0.4) -> list[dict]:
    """Everything that arrives within `timeout`."""

    events = []
    while True:
        try:
            events.append(await comm.receive_json_from(timeout=timeout))
        except TimeoutError:
            return events
