"""The user's video settings reach the running pump: privacy masks at once, speech-aware pacing.

Every check reads the JPEG the session received, which is also what the "what Gemini sees" mirror shows.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from desktop_app.config import Settings
from desktop_app.core.clock import FakeClock
from desktop_app.core.events import Event
from desktop_app.core.masks import MaskRect
from desktop_app.core.media_events import FrameSent, VideoState, VideoStatus
from desktop_app.video.capture import GrabberInfo
from desktop_app.video.encode import EncodedFrame, FrameEncoder
from desktop_app.video.from_settings import encoder_from, pacing_from
from desktop_app.video.pacing import FramePacer, PacingConfig
from desktop_app.video.pump import VisionPump
from desktop_app.video.source import VideoSource

TIMEOUT = 10.0
W, H = 1280, 720
MASK = MaskRect(0.5, 0.25, 0.25, 0.5)  # x 640–960, y 180–540 in the 1280×720 frame


def detailed_frame() -> npt.NDArray[np.uint8]:
    """High-contrast random 8-px tiles everywhere: any detail left inside a mask is measurable."""
    rng = np.random.default_rng(7)
    tiles = rng.integers(0, 2, (H // 8, W // 8, 3), dtype=np.uint8) * 255
    return np.ascontiguousarray(tiles.repeat(8, axis=0).repeat(8, axis=1))


class StillCamera:
    """A grabber that shows one detailed still at 30 frames a second, labelled like the first camera."""

    def __init__(self) -> None:
        self.frame = detailed_frame()
        self.opened = 0

    @property
    def label(self) -> str:
        return "camera 0"

    def open(self) -> GrabberInfo:
        self.opened += 1
        return GrabberInfo(W, H, pace_fps=30.0)

    def grab(self) -> npt.NDArray[np.uint8]:
        return self.frame.copy()

    def rewind(self) -> None:
        """A still has nowhere to rewind to."""

    def close(self) -> None:
        """Nothing to release."""


class Session:
    """Records what was sent and the pump's events; tests await conditions instead of sleeping."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.events: list[Event] = []
        self._changed = asyncio.Condition()

    async def send(self, jpeg: bytes) -> None:
        self.sent.append(jpeg)
        await self._notify()

    def on_event(self, event: Event) -> None:
        self.events.append(event)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(TIMEOUT), self._changed:
            await self._changed.wait_for(predicate)


def decode(jpeg: bytes) -> npt.NDArray[np.float64]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return np.asarray(image, np.float64)


def box_of(mask: MaskRect, width: int, height: int) -> tuple[slice, slice]:
    left, top, w, h = mask.pixel_box(width, height)
    return slice(top, top + h), slice(left, left + w)


def outside(mask: MaskRect, shape: tuple[int, ...], margin: int = 18) -> npt.NDArray[np.bool_]:
    """Pixels beyond the JPEG block (16 px) and resampling reach of the mask."""
    rows, cols = box_of(mask, shape[1], shape[0])
    keep = np.ones(shape[:2], bool)
    keep[
        max(0, rows.start - margin) : rows.stop + margin, max(0, cols.start - margin) : cols.stop + margin
    ] = False
    return keep


def assert_masked(jpeg: bytes, plain: bytes, mask: MaskRect) -> None:
    """``jpeg`` has the mask's region stripped of detail, and the rest identical to ``plain``."""
    masked_img, plain_img = decode(jpeg), decode(plain)
    rows, cols = box_of(mask, masked_img.shape[1], masked_img.shape[0])
    assert masked_img[rows, cols].var() < 0.2 * plain_img[rows, cols].var()
    keep = outside(mask, masked_img.shape)
    assert np.array_equal(masked_img[keep], plain_img[keep])


def settings(**changes: object) -> Settings:
    return Settings(video_fps=2.0, **changes)  # type: ignore[arg-type]


def start(pump: VisionPump) -> asyncio.Task[None]:
    return asyncio.create_task(pump.run(), name="vision-pump")


async def test_the_jpeg_sent_and_mirrored_has_the_stored_masks_of_its_source() -> None:
    session, camera = Session(), StillCamera()
    stored = settings(video_masks=("camera 0: 0.5 0.25 0.25 0.5", "camera 1: 0 0 1 1"))
    plain = FrameEncoder(encoder_from(Settings(), "camera 0")).encode(camera.frame).jpeg
    pump = VisionPump(
        VideoSource(camera),
        session.send,
        pacing=pacing_from(stored),
        encoder=encoder_from(stored, "camera 0"),
        on_event=session.on_event,
    )
    task = start(pump)
    await session.until(lambda: len(session.sent) >= 1 and pump.mirror.value is not None)
    await pump.stop()
    await task
    # the window's mirror shows FrameSent.jpeg: exactly the bytes the session received
    assert [e.jpeg for e in session.events if isinstance(e, FrameSent)] == session.sent
    assert pump.mirror.value is not None and pump.mirror.value.jpeg == session.sent[-1]
    assert_masked(session.sent[0], plain, MASK)  # camera 1's whole-frame mask is not applied


async def test_new_masks_apply_to_the_next_frame_without_restarting_the_source() -> None:
    session, camera = Session(), StillCamera()
    pump = VisionPump(
        VideoSource(camera), session.send, pacing=PacingConfig(fps=2.0), on_event=session.on_event
    )
    assert pump.state().source_label == "camera 0"
    task = start(pump)
    await session.until(lambda: len(session.sent) >= 1)
    plain = session.sent[0]
    pump.apply_settings(settings(video_masks=("camera 0: 0.5 0.25 0.25 0.5",)))
    await session.until(lambda: len(session.sent) >= 2)
    assert_masked(session.sent[1], plain, MASK)
    pump.set_masks([])
    await session.until(lambda: len(session.sent) >= 3)
    assert decode(session.sent[2]).var() == pytest.approx(decode(plain).var(), rel=0.02)
    await pump.stop()
    await task
    assert camera.opened == 1
    states = [e.state for e in session.events if isinstance(e, VideoStatus)]
    assert states == [VideoState.STARTING, VideoState.LIVE, VideoState.STOPPED]
    assert [e.count for e in session.events if isinstance(e, FrameSent)] == [1, 2, 3]


class GatedEncoder(FrameEncoder):
    """Holds the first encode until released, so a test can change the masks while a frame is in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def encode(self, image: npt.NDArray[np.uint8]) -> EncodedFrame:
        self.entered.set()
        self.release.wait(TIMEOUT)
        return super().encode(image)


async def test_a_frame_encoded_before_a_new_mask_is_not_sent() -> None:
    session, camera = Session(), StillCamera()
    gated = GatedEncoder()
    plain = FrameEncoder().encode(camera.frame).jpeg
    pump = VisionPump(VideoSource(camera), session.send, pacing=PacingConfig(fps=2.0), encoder=gated)
    task = start(pump)
    assert await asyncio.to_thread(gated.entered.wait, TIMEOUT)
    pump.set_masks([MASK])
    gated.release.set()
    await session.until(lambda: len(session.sent) >= 1)
    await pump.stop()
    await task
    assert_masked(session.sent[0], plain, MASK)  # the unmasked frame in flight was dropped


def frames_taken(pacing: PacingConfig, speaking: Callable[[float], bool], seconds: float) -> list[float]:
    """When a pacer with ``pacing`` lets frames go over ``seconds``, checked every 50 ms."""
    clock = FakeClock(0.0)
    pacer = FramePacer(pacing, clock)
    taken = []
    for step in range(round(seconds / 0.05)):
        clock.advance(step * 0.05 - clock.now())  # exact times, no drift from adding 0.05 repeatedly
        pacer.set_user_speaking(speaking(clock.now()))
        if pacer.due_in() <= 1e-9:
            pacer.mark_sent()
            taken.append(round(clock.now(), 2))
    return taken


def test_speech_aware_setting_sends_frames_while_the_user_speaks_and_few_otherwise() -> None:
    def talks_from_4_to_6(t: float) -> bool:
        return 4.0 <= t < 6.0

    steady = frames_taken(pacing_from(settings()), talks_from_4_to_6, 10.0)
    aware = frames_taken(pacing_from(settings(video_speech_aware=True)), talks_from_4_to_6, 10.0)
    assert len(steady) == 20  # 2 frames a second, talking or not
    # silent: one every 5 s; speaking: a frame at once, then 2 a second; silent again: the next is 5 s on
    assert aware == [0.0, 4.0, 4.5, 5.0, 5.5]


async def test_speech_aware_pump_follows_the_speaking_state() -> None:
    session, camera = Session(), StillCamera()
    pump = VisionPump(VideoSource(camera), session.send, on_event=session.on_event)
    pump.apply_settings(settings(video_speech_aware=True))
    pacing = pump.state().pacing
    assert pacing.rate(user_speaking=False) == 0.2 and pacing.rate(user_speaking=True) == 2.0
    task = start(pump)
    await session.until(lambda: len(session.sent) == 1)
    # silent, the next frame would wait 5 s; speaking makes it due 0.5 s after the first
    pump.set_user_speaking(True)
    await session.until(lambda: len(session.sent) >= 3)
    await pump.stop()
    await task
