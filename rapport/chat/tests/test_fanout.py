"""The send path's fan-out: the two-round-trip Redis group send and the coalesced task nudges."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer
from django.conf import settings

from rapport.chat import live
from rapport.chat.layers import ChatChannelLayer

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real Redis)")


def _run(main: Callable[[], Awaitable[Any]]) -> Any:
    """Run `main` on an event loop of its own thread (a browser test may hold this one's)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result(timeout=60)  # type: ignore[arg-type]


def _layer(**options) -> ChatChannelLayer:
    return ChatChannelLayer(
        hosts=[settings.REDIS_URL], prefix=f"test-fanout-{uuid.uuid4().hex[:8]}", **options
    )


@needs_redis
def test_group_send_reaches_every_member_once_and_in_order():
    layer = _layer()

    async def run():
        # Two sockets of this process (one Redis key between them) and a channel with its own.
        local_a, local_b = await layer.new_channel(), await layer.new_channel()
        plain = f"elsewhere.{uuid.uuid4().hex}"
        for channel in (local_a, local_b, plain):
            await layer.group_add("room", channel)
        await layer.group_send("nobody.here", {"type": "chat.event", "n": 0})
        for n in (1, 2, 3):
            await layer.group_send("room", {"type": "chat.event", "n": n})
        await layer.group_discard("room", plain)
        await layer.group_send("room", {"type": "chat.event", "n": 4})
        await layer.send(plain, {"type": "chat.event", "n": "marker"})
        got = {}
        for name, channel, count in (("a", local_a, 4), ("b", local_b, 4), ("plain", plain, 4)):
            got[name] = [(await layer.receive(channel))["n"] for _ in range(count)]
        await layer.flush()
        return got

    got = _run(run)
    assert got == {"a": [1, 2, 3, 4], "b": [1, 2, 3, 4], "plain": [1, 2, 3, "marker"]}


@needs_redis
def test_group_send_drops_for_a_full_channel_as_channels_redis_does():
    layer = _layer(capacity=2)

    async def run():
        channel = f"slow.{uuid.uuid4().hex}"
        await layer.group_add("room", channel)
        for n in (1, 2, 3):
            await layer.group_send("room", {"type": "chat.event", "n": n})
        got = [(await layer.receive(channel))["n"] for _ in range(2)]
        await layer.send(channel, {"type": "chat.event", "n": "marker"})
        got.append((await layer.receive(channel))["n"])
        await layer.flush()
        return got

    assert _run(run) == [1, 2, "marker"]


def test_task_nudges_fold_a_burst_into_one_now_and_one_at_the_end():
    nudges = live.Nudges(window=0.2)

    async def run():
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        assert isinstance(layer, InMemoryChannelLayer)
        channel = await layer.new_channel()
        await layer.group_add(live.STAFF_GROUP, channel)
        for _ in range(5):
            nudges.nudge(live.STAFF_GROUP)
        first = await layer.receive(channel)  # the first goes out at once
        second = await asyncio.wait_for(layer.receive(channel), 10)  # the rest, as one
        await layer.send(channel, {"type": "marker"})
        third = await layer.receive(channel)
        return first, second, third

    first, second, third = _run(run)
    assert first == second == live.TASKS_EVENT
    assert third == {"type": "marker"}  # no third nudge was queued before it
