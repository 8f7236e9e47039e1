"""The bounded send queue: order, capacity, audio purge on interruption, close and drain waits."""

from __future__ import annotations

import asyncio

import pytest

from desktop_app.relay.outbox import SendQueue


async def test_fifo_and_capacity() -> None:
    queue = SendQueue(2)
    assert queue.put("a") and queue.put("b")
    assert not queue.put("c")
    assert [await queue.get(), await queue.get()] == ["a", "b"]
    assert queue.put("c")


async def test_drop_audio_keeps_control_frames_in_order() -> None:
    queue = SendQueue(10)
    for frame, audio in [("a1", True), ("t", False), ("a2", True), ("x", False)]:
        queue.put(frame, audio=audio)
    assert queue.drop_audio() == 2
    queue.put("interrupted")
    queue.close()
    got = [await queue.get() for _ in range(4)]
    assert got == ["t", "x", "interrupted", None]


async def test_get_waits_for_a_frame_and_close_ends_it() -> None:
    queue = SendQueue(4)
    waiting = asyncio.create_task(queue.get())
    await asyncio.sleep(0)  # let it start waiting (ordering only, not timing)
    assert not waiting.done()
    queue.put("hello")
    assert await asyncio.wait_for(waiting, 5) == "hello"
    ending = asyncio.create_task(queue.get())
    queue.close()
    assert await asyncio.wait_for(ending, 5) is None
    assert not queue.put("late")


async def test_wait_below_returns_when_drained() -> None:
    queue = SendQueue(8)
    for i in range(6):
        queue.put(str(i))
    waiter = asyncio.create_task(queue.wait_below(3))
    for _ in range(3):
        await queue.get()
        assert not waiter.done()
    await queue.get()
    await asyncio.wait_for(waiter, 5)
    assert len(queue) == 2


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SendQueue(0)
