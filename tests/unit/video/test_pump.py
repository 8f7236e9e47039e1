"""VisionPump against a recording sender (the pump's send(jpeg) seam) and real capture threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from desktop_app.core.errors import ConnectionLostError
from desktop_app.core.events import ErrorEvent, Event
from desktop_app.core.masks import MaskRect
from desktop_app.video import (
    EncoderConfig,
    FrameEncoder,
    FrameSent,
    MaskStyle,
    PacingConfig,
    PreviewFrame,
    VideoState,
    VideoStatus,
    VisionPump,
    open_video_source,
    synthetic_source,
)
from desktop_app.video.source import VideoSource
from desktop_app.video.synthetic import SyntheticGrabber, pattern_index

TIMEOUT = 10.0


class Recorder:
    """Collects events and sent frames; tests await conditions on them instead of sleeping."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.sent: list[bytes] = []
        self.previews: list[PreviewFrame] = []
        self.fail_next = 0
        self._changed = asyncio.Condition()

    def on_event(self, event: Event) -> None:
        self.events.append(event)
        self._notify()

    def on_preview(self, frame: PreviewFrame) -> None:
        self.previews.append(frame)
        self._notify()

    async def send(self, jpeg: bytes) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionLostError("The connection dropped.")
        self.sent.append(jpeg)

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        asyncio.get_running_loop().create_task(wake())

    async def until(self, predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(predicate)

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]

    def frames_sent(self) -> list[FrameSent]:
        return [e for e in self.events if isinstance(e, FrameSent)]

    def states(self) -> list[VideoState]:
        return [e.state for e in self.events if isinstance(e, VideoStatus)]


def decode(jpeg: bytes) -> npt.NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return cast(npt.NDArray[np.uint8], image)


@pytest.fixture
async def rec() -> AsyncIterator[Recorder]:
    yield Recorder()


def start(pump: VisionPump) -> asyncio.Task[None]:
    return asyncio.create_task(pump.run(), name="vision-pump")


async def test_frames_are_encoded_sent_counted_and_mirrored(rec: Recorder) -> None:
    pump = VisionPump(
        synthetic_source(fps=30),
        rec.send,
        pacing=PacingConfig(fps=2.0),
        on_event=rec.on_event,
    )
    task = start(pump)
    await rec.until(lambda: len(rec.sent) >= 3)
    await pump.stop()
    await asyncio.wait_for(task, TIMEOUT)

    sent = rec.frames_sent()
    assert [e.count for e in sent] == list(range(1, len(rec.sent) + 1))
    assert [e.jpeg for e in sent] == rec.sent  # the mirror shows exactly the bytes sent
    assert pump.mirror.value is sent[-1] and pump.state().frames_sent == len(sent)
    for event in sent:
        assert (event.width, event.height, event.nbytes) == (1024, 576, len(event.jpeg))
        assert (event.source_width, event.source_height) == (1280, 720)
        assert decode(event.jpeg).shape == (576, 1024, 3)
        assert event.sent_at >= event.captured_at > 0
    indices = [pattern_index(decode(j)) for j in rec.sent]
    assert indices == sorted(set(indices)), "each frame is sent once, newest first"
    assert rec.states()[:2] == [VideoState.STARTING, VideoState.LIVE]
    assert rec.states()[-1] is VideoState.STOPPED
    assert not any(t.name.startswith("video-capture") for t in threading.enumerate())


class OpensAtOnce(VideoSource):
    """A source that is already LIVE when start() returns, as a file can be on a busy machine."""

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        changed = threading.Event()

        def wake() -> None:
            changed.set()
            if on_change is not None:
                on_change()

        super().start(wake)
        while self.status().state is not VideoState.LIVE:
            assert changed.wait(TIMEOUT), "the synthetic source never went live"
            changed.clear()


async def test_starting_is_announced_even_when_the_source_is_live_at_once(rec: Recorder) -> None:
    grabber = SyntheticGrabber(1280, 720, 30.0, frames=None, frames_per_colour=30)
    pump = VisionPump(OpensAtOnce(grabber), rec.send, on_event=rec.on_event)
    task = start(pump)
    await rec.until(lambda: len(rec.sent) >= 1)
    await pump.stop()
    await asyncio.wait_for(task, TIMEOUT)
    assert rec.states() == [VideoState.STARTING, VideoState.LIVE, VideoState.STOPPED]


async def test_encoding_runs_on_the_pump_worker_not_the_loop(rec: Recorder) -> None:
    threads: list[str] = []

    class SpyEncoder(FrameEncoder):
        def encode(self, image: npt.NDArray[np.uint8]):  # type: ignore[no-untyped-def]
            threads.append(threading.current_thread().name)
            return super().encode(image)

    pump = VisionPump(synthetic_source(), rec.send, encoder=SpyEncoder(), on_event=rec.on_event)
    task = start(pump)
    await rec.until(lambda: len(rec.sent) >= 1)
    await pump.stop()
    await task
    loop_thread = threading.current_thread().name
    assert threads and all(name.startswith("video-encode") and name != loop_thread for name in threads)


async def test_pause_stops_sending_while_the_preview_goes_on(rec: Recorder) -> None:
    pump = VisionPump(
        synthetic_source(fps=60),
        rec.send,
        pacing=PacingConfig(fps=2.0),
        on_event=rec.on_event,
        on_preview=rec.on_preview,
        paused=True,
    )
    task = start(pump)
    await rec.until(lambda: len(rec.previews) >= 40)  # ≥ 0.65 s of frames at 60 fps: a 2 fps pump would send
    assert rec.sent == [] and pump.state().paused
    assert any(isinstance(e, VideoStatus) and e.paused for e in rec.events)

    pump.resume()
    await rec.until(lambda: len(rec.sent) >= 1)
    assert rec.of(VideoStatus)[-1].paused is False  # type: ignore[attr-defined]

    pump.pause()
    sent_at_pause = len(rec.sent)
    seen = len(rec.previews)
    await rec.until(lambda: len(rec.previews) >= seen + 40)
    assert len(rec.sent) == sent_at_pause
    await pump.stop()
    await task


async def test_preview_runs_at_the_source_rate_and_is_read_only(rec: Recorder) -> None:
    pump = VisionPump(synthetic_source(640, 360, fps=30), rec.send, pacing=PacingConfig(fps=0.2))
    task = start(pump)
    frames: list[PreviewFrame] = []
    async for frame in pump.preview.subscribe():
        frames.append(frame)
        if len(frames) == 10:
            break
    await pump.stop()
    await task
    seqs = [f.seq for f in frames]
    assert seqs == sorted(set(seqs))
    assert all(f.frame.shape == (360, 640, 3) and not f.frame.flags.writeable for f in frames)
    assert len(rec.sent) <= 2  # 10 previews at 30 fps, while the model got 1 frame (at most 2)
    assert pump.preview.closed  # subscriptions end with the pump


@pytest.fixture
def missing_camera() -> int:
    return next(i for i in range(60, 100) if not Path(f"/dev/video{i}").exists())


async def test_missing_camera_gives_a_notice_and_the_pump_waits_for_retry(
    rec: Recorder, missing_camera: int
) -> None:
    index = missing_camera
    pump = VisionPump(open_video_source(str(index)), rec.send, on_event=rec.on_event)
    task = start(pump)
    await rec.until(lambda: len(rec.of(ErrorEvent)) >= 1)
    error = rec.of(ErrorEvent)[0]
    assert isinstance(error, ErrorEvent)
    assert error.code == "video_unavailable" and error.retryable
    assert f"Camera {index}" in error.message and "audio goes on" in error.message
    status = pump.state().status
    assert status.state is VideoState.UNAVAILABLE and status.source == f"camera {index}"
    assert not task.done()  # waits, does not raise or end

    pump.retry()
    await rec.until(lambda: len(rec.of(ErrorEvent)) >= 2)  # the retry was tried, and failed again
    assert not task.done()
    await pump.stop()
    await asyncio.wait_for(task, TIMEOUT)  # ends cleanly, no exception
    assert rec.sent == [] and rec.states()[-1] is VideoState.STOPPED


async def test_run_ends_when_a_file_ends(rec: Recorder) -> None:
    pump = VisionPump(synthetic_source(fps=60, frames=12), rec.send, on_event=rec.on_event)
    await asyncio.wait_for(pump.run(), TIMEOUT)
    assert rec.states()[-1] is VideoState.ENDED
    status = pump.state().status
    assert status.state is VideoState.ENDED and "end" in status.message
    assert len(rec.sent) == 1  # 12 frames at 60 fps last 0.2 s: one frame at 1 fps


async def test_end_with_source_off_waits_and_retry_replays(rec: Recorder) -> None:
    pump = VisionPump(
        synthetic_source(fps=60, frames=6),
        rec.send,
        on_event=rec.on_event,
        on_preview=rec.on_preview,
        end_with_source=False,
    )
    task = start(pump)
    await rec.until(lambda: VideoState.ENDED in rec.states())
    assert not task.done()
    pump.retry()
    await rec.until(lambda: rec.states().count(VideoState.ENDED) == 2)
    assert len(rec.previews) >= 7  # played again
    await pump.stop()
    await task


async def test_a_failed_send_is_dropped_and_the_pump_goes_on(rec: Recorder) -> None:
    rec.fail_next = 1
    pump = VisionPump(synthetic_source(), rec.send, pacing=PacingConfig(fps=2.0), on_event=rec.on_event)
    task = start(pump)
    await rec.until(lambda: len(rec.sent) >= 1)
    await pump.stop()
    await task
    assert pump.state().send_failures == 1
    assert [e.count for e in rec.frames_sent()] == list(range(1, len(rec.sent) + 1))


async def test_speaking_switches_to_the_fast_pace_at_once(rec: Recorder) -> None:
    pacing = PacingConfig(speech_aware=True, speaking_fps=2.0, silent_fps=0.2)
    pump = VisionPump(synthetic_source(), rec.send, pacing=pacing, on_event=rec.on_event)
    task = start(pump)
    await rec.until(lambda: len(rec.sent) == 1)
    # Silent pace would hold the next frame for 5 s; speaking makes the next one due 0.5 s after the first.
    pump.set_user_speaking(True)
    await rec.until(lambda: len(rec.sent) >= 2, timeout=4.0)
    await pump.stop()
    await task


async def test_masks_apply_to_what_is_sent(rec: Recorder) -> None:
    box = MaskRect(0, 0, 0.5, 1)  # the left half, which holds the frame-number code
    pump = VisionPump(
        synthetic_source(),
        rec.send,
        encoder=EncoderConfig(masks=(box,), mask_style=MaskStyle.FILL),
        on_event=rec.on_event,
    )
    task = start(pump)
    await rec.until(lambda: len(rec.sent) >= 1)
    await pump.stop()
    await task
    image = decode(rec.sent[0]).astype(int)
    assert np.abs(image[:, :500] - 128).max() <= 3  # masked: flat grey, code unreadable
    assert image[:, 560:].std() > 10  # the right half still shows the scene


async def test_cancelling_the_task_releases_the_source(rec: Recorder) -> None:
    pump = VisionPump(synthetic_source(), rec.send, on_event=rec.on_event)
    task = start(pump)
    await rec.until(lambda: len(rec.sent) >= 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert rec.states()[-1] is VideoState.STOPPED
    assert not any(t.name.startswith("video-capture") for t in threading.enumerate())
    await pump.stop()  # after the end: returns at once


def test_the_source_decodes_for_the_preview_or_twice_the_models_pace_whichever_is_more() -> None:
    asked: list[float | None] = []

    class RateSpy(VideoSource):
        def set_max_fps(self, fps: float | None) -> None:
            asked.append(fps)

    rec = Recorder()
    source = RateSpy(SyntheticGrabber())
    pump = VisionPump(source, rec.send, pacing=PacingConfig(fps=1.0))
    assert asked[-1] == 15.0, "the window's preview while focused"
    pump.set_preview_fps(5.0)
    assert asked[-1] == 5.0
    pump.set_preview_fps(0.0)
    assert asked[-1] == 2.0, "nobody looks: two frames kept per frame sent"
    pump.set_pacing(PacingConfig(speech_aware=True, speaking_fps=2.0, silent_fps=0.5))
    assert asked[-1] == 4.0, "the fastest pace counts"
