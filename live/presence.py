"""Presence is ephemeral: kept in the shared cache (Redis in production), never in
the database. Each socket registers its channel; a member is offline when none remain.
Read-modify-write races can only misreport a state until the next change."""

from django.core.cache import cache

TTL = 2 * 60 * 60


def _key(group_id: int) -> str:
    return f"presence:{group_id}"


async def _load(group_id: int) -> dict:
    try:
        return await cache.aget(_key(group_id)) or {}
    except Exception:  # noqa: BLE001 - presence is best effort
        return {}


async def _store(group_id: int, data: dict) -> None:
    try:
        await cache.aset(_key(group_id), data, TTL)
    except Exception:  # noqa: BLE001
        pass


def _state(channels: dict) -> str:
    if not channels:
        return "offline"
    return "online" if "online" in channels.values() else "idle"


async def set_state(group_id: int, user_id: int, channel: str, state: str) -> str:
    data = await _load(group_id)
    data.setdefault(str(user_id), {})[channel] = state
    await _store(group_id, data)
    return _state(data[str(user_id)])


async def drop(group_id: int, user_id: int, channel: str) -> str:
    data = await _load(group_id)
    channels = data.get(str(user_id), {})
    channels.pop(channel, None)
    if not channels:
        data.pop(str(user_id), None)
    await _store(group_id, data)
    return _state(channels)


async def snapshot(group_id: int) -> dict[str, str]:
    return {uid: _state(chs) for uid, chs in (await _load(group_id)).items()}
