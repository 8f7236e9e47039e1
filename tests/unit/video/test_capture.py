"""The capture thread's policy, with scripted grabbers behind the FrameGrabber seam."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt
import pytest

from desktop_app.core.errors import MediaError
from desktop_app.core.media_events import VideoState
from desktop_app.video.capture import CaptureWorker, EndOfStream, GrabberInfo
from desktop_app.video.slot import FrameSlot

Frame = npt.NDArray[np.uint8]


def frame(value: int) -> Frame:
    return np.full((4, 6, 3), value, np.uint8)


class ScriptedGrabber:
    """open() fails while ``open_errors`` has items; grab() returns what the test puts in ``feed``
    (a frame, or an exception instance to raise)."""

    label = "scripted"

    def __init__(self, open_errors: list[MediaError] | None = None, pace_fps: float | None = None) -> None:
        self.open_errors = list(open_errors or [])
        self.pace_fps = pace_fps
        self.feed: queue.Queue[Frame | BaseException] = queue.Queue()
        self.opens = self.closes = self.rewinds = 0

    def open(self) -> GrabberInfo:
        self.opens += 1
        if self.open_errors:
            raise self.open_errors.pop(0)
        return GrabberInfo(6, 4, self.pace_fps)

    def grab(self) -> Frame:
        item = self.feed.get(timeout=10)
        if isinstance(item, BaseException):
            raise item
        return item

    def unblock(self) -> None:
        """Let a grab() blocked on an empty feed return (test teardown)."""
        self.feed.put(frame(0))

    def rewind(self) -> None:
        self.rewinds += 1

    def close(self) -> None:
        self.closes += 1


class Watch:
    """Waits, without sleeping, for a condition on the slot (woken by the slot's waker)."""

    def __init__(self, slot: FrameSlot) -> None:
        self.slot = slot
        self.cond = threading.Condition()
        slot.set_waker(self._changed)

    def _changed(self) -> None:
        with self.cond:
            self.cond.notify_all()

    def until(self, predicate: Callable[[FrameSlot], bool], timeout: float = 10.0) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: predicate(self.slot), timeout), self.slot.status()

    def state(self, state: VideoState) -> None:
        self.until(lambda s: s.status().state is state)


@pytest.fixture
def slot() -> FrameSlot:
    return FrameSlot()


@pytest.fixture
def watch(slot: FrameSlot) -> Watch:
    return Watch(slot)


@pytest.fixture
def workers() -> Iterator[list[CaptureWorker]]:
    started: list[CaptureWorker] = []
    yield started
    for w in started:
        w._stop.set()  # ask first, then unblock the fake's grab, then join
        grabber = w._grabber
        assert isinstance(grabber, ScriptedGrabber)
        grabber.unblock()
        assert w.stop(5)


def test_frames_flow_and_stop_releases_the_device(
    slot: FrameSlot, watch: Watch, workers: list[CaptureWorker]
) -> None:
    grabber = ScriptedGrabber()
    worker = CaptureWorker(grabber, slot)
    workers.append(worker)
    worker.start()
    grabber.feed.put(frame(1))
    watch.state(VideoState.LIVE)
    grabber.feed.put(frame(2))
    watch.until(lambda s: (f := s.latest()) is not None and f.seq == 2)
    latest = slot.latest()
    assert latest is not None and int(latest.image[0, 0, 0]) == 2
    grabber.feed.put(frame(3))  # lets the blocked grab return so stop() can join
    assert worker.stop()
    assert slot.status().state is VideoState.STOPPED
    assert grabber.closes >= 1 and not worker.running


def test_missing_device_is_unavailable_until_retry(
    slot: FrameSlot, watch: Watch, workers: list[CaptureWorker]
) -> None:
    grabber = ScriptedGrabber(open_errors=[MediaError("Camera 9 is not connected.")] * 2)
    worker = CaptureWorker(grabber, slot)
    workers.append(worker)
    worker.start()
    watch.state(VideoState.UNAVAILABLE)
    assert slot.status().message == "Camera 9 is not connected."
    assert slot.status().attempt == 1 and grabber.opens == 1
    worker.retry()
    watch.until(lambda s: s.status().attempt == 2 and s.status().state is VideoState.UNAVAILABLE)
    assert grabber.opens == 2
    worker.retry()
    grabber.feed.put(frame(7))
    watch.state(VideoState.LIVE)
    assert grabber.opens == 3
    grabber.feed.put(frame(8))


def test_lost_device_mid_stream(slot: FrameSlot, watch: Watch, workers: list[CaptureWorker]) -> None:
    grabber = ScriptedGrabber()
    worker = CaptureWorker(grabber, slot)
    workers.append(worker)
    worker.start()
    grabber.feed.put(frame(1))
    watch.state(VideoState.LIVE)
    grabber.feed.put(MediaError("Camera 0 stopped sending pictures (was it unplugged?)."))
    watch.state(VideoState.UNAVAILABLE)
    assert "unplugged" in slot.status().message
    assert grabber.closes == 1
    # The last frame stays readable (the preview can keep showing it), but no new one arrives.
    latest = slot.latest()
    assert latest is not None and latest.seq == 1


def test_retry_asked_while_live_does_not_reopen_later(
    slot: FrameSlot, watch: Watch, workers: list[CaptureWorker]
) -> None:
    grabber = ScriptedGrabber()
    worker = CaptureWorker(grabber, slot)
    workers.append(worker)
    worker.start()
    grabber.feed.put(frame(1))
    watch.state(VideoState.LIVE)
    worker.retry()  # meaningless while live
    grabber.feed.put(MediaError("lost"))
    watch.state(VideoState.UNAVAILABLE)
    worker.stop()
    assert grabber.opens == 1


def test_end_of_file_ends_or_loops(slot: FrameSlot, watch: Watch, workers: list[CaptureWorker]) -> None:
    grabber = ScriptedGrabber()
    worker = CaptureWorker(grabber, slot)
    workers.append(worker)
    worker.start()
    grabber.feed.put(frame(1))
    grabber.feed.put(EndOfStream())
    watch.state(VideoState.ENDED)
    assert "end" in slot.status().message

    looping_slot = FrameSlot()
    looping_watch = Watch(looping_slot)
    looper = ScriptedGrabber()
    looping = CaptureWorker(looper, looping_slot, loop_file=True)
    workers.append(looping)
    looping.start()
    for item in (frame(1), EndOfStream(), frame(1), frame(2)):
        looper.feed.put(item)
    looping_watch.until(lambda s: (f := s.latest()) is not None and f.seq == 3)
    assert looper.rewinds == 1 and looping_slot.status().state is VideoState.LIVE
    looper.feed.put(frame(3))


def test_paced_grabber_is_read_at_its_rate(workers: list[CaptureWorker]) -> None:
    """A file-like grabber at 50 fps is read at 50 fps, even when its frames are ready sooner."""
    slot = FrameSlot()
    stamps: list[float] = []
    done = threading.Event()

    def record() -> None:  # runs on the capture thread right after each put_frame / put_status
        latest = slot.latest()
        if latest is not None and latest.seq > len(stamps):
            stamps.append(latest.captured_at)
            if len(stamps) == 10:
                done.set()

    slot.set_waker(record)
    grabber = ScriptedGrabber(pace_fps=50.0)
    for i in range(11):
        grabber.feed.put(frame(i))
    worker = CaptureWorker(grabber, slot)
    workers.append(worker)
    worker.start()
    assert done.wait(10)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert sum(gaps) >= 9 * 0.02 - 0.002, gaps


@pytest.mark.allow_warnings("desktop_app.video", "video capture from scripted failed")
def test_a_grabber_bug_becomes_unavailable_with_a_logged_exception(
    slot: FrameSlot, watch: Watch, workers: list[CaptureWorker], caplog: pytest.LogCaptureFixture
) -> None:
    grabber = ScriptedGrabber()
    worker = CaptureWorker(grabber, slot)
    workers.append(worker)
    worker.start()
    grabber.feed.put(ZeroDivisionError("bug"))
    watch.state(VideoState.UNAVAILABLE)
    assert "failed" in slot.status().message
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert errors and "scripted" in errors[0].getMessage()


class SkippingScriptedGrabber(ScriptedGrabber):
    """A scripted 30 fps device that can pass over a frame: each frame read or skipped moves ``clock`` on
    by 1/30 s; skipped frames are counted, never decoded."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped = 0
        self.clock = 0.0

    def grab(self) -> Frame:
        self.clock += 1 / 30
        return super().grab()

    def skip(self) -> None:
        self.clock += 1 / 30
        item = self.feed.get(timeout=10)
        if isinstance(item, BaseException):
            raise item
        self.skipped += 1


def test_a_capped_rate_keeps_every_other_frame_and_skips_the_rest_undecoded(
    workers: list[CaptureWorker],
) -> None:
    """A 30 fps camera capped at 15 fps: every second frame is kept, the others skipped."""
    slot = FrameSlot()
    kept: list[int] = []
    done = threading.Event()

    def record() -> None:
        latest = slot.latest()
        if latest is not None and latest.seq > len(kept):
            kept.append(int(latest.image[0, 0, 0]))
            if len(kept) == 5:
                done.set()

    slot.set_waker(record)
    grabber = SkippingScriptedGrabber()
    worker = CaptureWorker(grabber, slot, now=lambda: grabber.clock)
    worker.set_max_fps(15.0)
    workers.append(worker)
    for i in range(9):  # then the worker waits in the feed for a tenth
        grabber.feed.put(frame(i))
    worker.start()
    assert done.wait(10)
    assert kept == [0, 2, 4, 6, 8]
    assert grabber.skipped == 4
