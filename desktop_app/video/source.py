"""A video source: one grabber, its capture thread and its latest-frame slot, behind one small object.

Build sources with the factories; they do no I/O. The device is opened on the capture thread when the
source starts (the :class:`~desktop_app.video.pump.VisionPump` starts and closes the source it is given)::

    source = open_video_source("0")               # camera 0; or "clip.mp4", or "rtsp://…"
    source = open_screen_source(1)                # monitor 1; or Region(…), "L,T,WxH", "window:0x…:Title"
    source = synthetic_source(1280, 720, fps=30)  # the numbered test pattern
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import ParamSpec

from desktop_app.core.errors import ConfigError
from desktop_app.video.camera import OpenCvGrabber
from desktop_app.video.capture import CaptureWorker, FrameGrabber
from desktop_app.video.screen import ScreenGrabber, WindowGrabber
from desktop_app.video.slot import CapturedFrame, FrameSlot, SourceStatus
from desktop_app.video.spec import (
    Region,
    ScreenSpec,
    VideoSpec,
    parse_screen_spec,
    parse_video_spec,
)
from desktop_app.video.synthetic import SyntheticGrabber
from desktop_app.video.x11_windows import parse_window_spec, window_region

__all__ = [
    "VideoSource",
    "open_screen_source",
    "open_video_source",
    "source_from_flags",
    "synthetic_source",
]

log = logging.getLogger(__name__)

P = ParamSpec("P")


class VideoSource:
    """Frames from one grabber, captured on a thread into a latest-frame-only slot.

    Lifecycle: :meth:`start` once (it starts the thread and returns at once), :meth:`retry` after the
    state became unavailable or ended, :meth:`close` at the end (joins the thread: call it off the loop,
    e.g. with ``asyncio.to_thread``). Reading (:meth:`latest`, :meth:`status`) is safe from any thread.
    """

    def __init__(
        self,
        grabber: FrameGrabber,
        *,
        loop_file: bool = False,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._grabber = grabber
        self._slot = FrameSlot()
        self._worker = CaptureWorker(grabber, self._slot, loop_file=loop_file, now=now)
        self._started = False
        self._closed = False

    @property
    def label(self) -> str:
        return self._grabber.label

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        """Start capturing; ``on_change`` runs on the capture thread after every new frame or state
        change and must only hand off (e.g. :meth:`~desktop_app.video.slot.LoopWaker.wake`)."""
        if self._closed:
            raise RuntimeError("This video source was closed; build a new one.")
        self._slot.set_waker(on_change)
        if not self._started:
            self._started = True
            self._worker.start()

    def latest(self) -> CapturedFrame | None:
        return self._slot.latest()

    def status(self) -> SourceStatus:
        return self._slot.status()

    def retry(self) -> None:
        """Reopen the device/file/stream after it was unavailable (or a file ended)."""
        self._worker.retry()

    def close(self, timeout: float = 5.0) -> None:
        """Stop capturing and release the device. Blocks up to ``timeout`` for the thread."""
        if self._closed:
            return
        self._closed = True
        if not self._worker.stop(timeout):
            log.info("capture thread for %s is still blocked in the driver; left to end", self.label)
        self._slot.set_waker(None)


def open_video_source(
    spec: str | int | VideoSpec,
    *,
    loop_file: bool = False,
    request_size: tuple[int, int] | None = None,
    stream_timeout_s: float = 5.0,
) -> VideoSource:
    """A camera (``"0"``), video file (``"clip.mp4"``) or stream URL (``"rtsp://…"``) as a source.

    Files play at their own frame rate; ``loop_file`` restarts them at the end (else the state becomes
    ENDED). ``request_size`` asks a camera for a capture size. Raises ``ConfigError`` for a bad spec;
    a missing camera or file is reported later as an UNAVAILABLE state, not raised.
    """
    if not isinstance(spec, VideoSpec):
        spec = parse_video_spec(spec)
    grabber = OpenCvGrabber(spec, request_size=request_size, stream_timeout_s=stream_timeout_s)
    return VideoSource(grabber, loop_file=loop_file)


def open_screen_source(
    what: ScreenSpec | Region | int | str | None = None,
    *,
    fps: float = 5.0,
    display: str | None = None,
) -> VideoSource:
    """A screen source: monitor 1 by default, a monitor number (from 1), a :class:`Region`, a
    ``"L,T,WxH"`` string, a full :class:`ScreenSpec`, or a window, ``"window:0x…[:TITLE]"`` (X11; followed
    as it moves, see :class:`~desktop_app.video.screen.WindowGrabber`). Captured at ``fps`` (the preview
    rate; the pace to the model is the pump's). Monitor 0 (the whole desktop) needs
    ``ScreenSpec(0, allow_all_monitors=True)``.
    """
    window = parse_window_spec(what) if isinstance(what, str) else None
    if window is not None:
        ident, title = window
        return VideoSource(
            WindowGrabber(
                title or f"{ident:#x}", lambda: window_region(ident, display), fps=fps, display=display
            )
        )
    if isinstance(what, ScreenSpec):
        spec = what
    elif isinstance(what, Region):
        spec = ScreenSpec(region=what)
    else:
        spec = parse_screen_spec(what)
    return VideoSource(ScreenGrabber(spec, fps=fps, display=display))


def _grabber_source(grabber: Callable[P, FrameGrabber]) -> Callable[P, VideoSource]:
    """A source factory that takes ``grabber``'s own parameters and wraps what it builds."""

    def make(*args: P.args, **kwargs: P.kwargs) -> VideoSource:
        return VideoSource(grabber(*args, **kwargs))

    return make


synthetic_source = _grabber_source(SyntheticGrabber)
"""``synthetic_source(width, height, fps, *, frames, frames_per_colour)``: the numbered test pattern
(:mod:`desktop_app.video.synthetic`) as a source, endless by default (see :class:`SyntheticGrabber`)."""


def source_from_flags(
    video: str | None = None,
    screen: str | None = None,
    *,
    loop_file: bool = False,
    screen_fps: float = 5.0,
) -> VideoSource | None:
    """The source the CLI flags ask for: ``--video INDEX|FILE|URL`` or ``--screen [MONITOR|L,T,WxH]``.

    Pass ``screen=""`` for a bare ``--screen`` (monitor 1) and None when the flag is absent. Returns None
    when neither is given; raises :class:`ConfigError` when both are, or for a bad value (``--screen 0``
    included: the whole desktop is never chosen from a flag by accident).
    """
    if video is not None and screen is not None:
        raise ConfigError("Choose either --video or --screen, not both.")
    if video is not None:
        return open_video_source(video, loop_file=loop_file)
    if screen is not None:
        return open_screen_source(screen, fps=screen_fps)
    return None
