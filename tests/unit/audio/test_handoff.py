"""The callback-to-loop hand-off: bounded, drops the oldest, counts drops, wakes the loop."""

from __future__ import annotations

import asyncio
import threading

from desktop_app.audio.handoff import Handoff


async def test_full_queue_drops_the_oldest_and_counts() -> None:
    q: Handoff[int] = Handoff(asyncio.get_running_loop(), maxlen=3)
    for i in range(5):
        q.put(i)
    assert q.drops == 2
    assert q.pop_all() == [2, 3, 4]
    assert q.popleft() is None


async def test_a_put_from_another_thread_wakes_the_waiter_and_calls_on_ready() -> None:
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    q: Handoff[str] = Handoff(loop, maxlen=4, on_ready=woken.set)
    waiter = asyncio.create_task(q.wait())
    thread = threading.Thread(target=q.put, args=("block",))
    thread.start()
    async with asyncio.timeout(5):
        await waiter
        await woken.wait()
    thread.join()
    assert q.popleft() == "block"


async def test_close_releases_a_waiter() -> None:
    q: Handoff[int] = Handoff(asyncio.get_running_loop(), maxlen=2)
    waiter = asyncio.create_task(q.wait())
    await asyncio.sleep(0)  # let the waiter block (one loop turn, not a timing assumption)
    q.close()
    async with asyncio.timeout(5):
        await waiter
    assert q.closed


async def test_put_after_the_loop_closed_does_not_raise() -> None:
    loop = asyncio.new_event_loop()
    q: Handoff[int] = Handoff(loop, maxlen=2)
    loop.close()
    q.put(1)  # from a PortAudio callback at shutdown: must not raise
    assert len(q) == 1
