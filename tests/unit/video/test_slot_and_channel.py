from __future__ import annotations

import asyncio
import threading

import numpy as np

from desktop_app.core.media_events import VideoState
from desktop_app.video.channel import LatestValue
from desktop_app.video.slot import FrameSlot, LoopWaker


def test_slot_keeps_only_the_newest_frame_and_counts_them() -> None:
    slot = FrameSlot()
    assert slot.latest() is None
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(3)]
    for i, f in enumerate(frames):
        slot.put_frame(f, captured_at=float(i))
    latest = slot.latest()
    assert latest is not None and latest.seq == 3 and latest.captured_at == 2.0
    assert latest.image is frames[2] and not latest.image.flags.writeable


def test_slot_status_attempts_count_opens() -> None:
    slot = FrameSlot()
    slot.put_status(VideoState.STARTING)
    slot.put_status(VideoState.UNAVAILABLE, "gone")
    first = slot.status()
    slot.put_status(VideoState.STARTING)
    slot.put_status(VideoState.UNAVAILABLE, "gone")
    assert first.attempt == 1 and slot.status().attempt == 2
    assert first != slot.status()


async def test_waker_from_another_thread_coalesces() -> None:
    fires = 0

    class CountingWaker(LoopWaker):
        def _fire(self) -> None:
            nonlocal fires
            fires += 1
            super()._fire()

    waker = CountingWaker(asyncio.get_running_loop())

    def hammer() -> None:
        for _ in range(1000):
            waker.wake()

    thread = threading.Thread(target=hammer)
    thread.start()
    thread.join()  # on purpose: the loop is held, as a busy loop would be, while the thread wakes it
    await asyncio.wait_for(waker.wait(None), 5)
    assert fires == 1  # 1000 wake-ups while the loop was busy cost one callback
    waker.wake()
    await asyncio.wait_for(waker.wait(None), 5)
    assert fires == 2  # and the next change after that is not lost


async def test_waker_wait_times_out_and_local_wake() -> None:
    waker = LoopWaker(asyncio.get_running_loop())
    waker.wake_local()
    await asyncio.wait_for(waker.wait(None), 1)


async def test_latest_value_skips_to_the_newest() -> None:
    channel: LatestValue[int] = LatestValue()
    assert channel.value is None and channel.version == 0
    seen: list[int] = []
    got_first = asyncio.Event()

    async def consume() -> None:
        async for v in channel.subscribe():
            seen.append(v)
            got_first.set()

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)  # let the subscriber start waiting (a yield, not a timed sleep)
    channel.publish(1)
    await asyncio.wait_for(got_first.wait(), 1)
    for v in (2, 3, 4):  # published with no await between: the consumer can only see the newest
        channel.publish(v)
    channel.close()
    await asyncio.wait_for(task, 1)
    assert seen == [1, 4]
    assert channel.value == 4 and channel.version == 4


async def test_wait_newer_returns_none_once_closed() -> None:
    channel: LatestValue[str] = LatestValue()
    channel.publish("a")
    assert await channel.wait_newer(0) == (1, "a")
    channel.close()
    assert await channel.wait_newer(1) is None
    channel.publish("b")  # ignored after close
    assert channel.value == "a"
