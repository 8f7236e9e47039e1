"""The capture thread: opens a :class:`FrameGrabber`, reads it into a :class:`FrameSlot`, reports its state.

A grabber is the seam to the device (OpenCV camera or file, ``mss`` screen, synthetic frames). The worker owns
the thread and the policy around it:

- Frames go into the latest-frame-only slot; nothing is queued, a slow reader just sees fewer frames.
- A grabber that reports a pace (files, screens, synthetic) is read at that pace, like a webcam: a file
  plays in real time, not as fast as it decodes. If the thread falls behind by more than one frame it
  re-synchronises rather than bursting to catch up.
- End of a file: rewind and go on when looping, otherwise the state becomes ``ENDED``.
- A failure to open, or a device lost mid-stream, makes the state ``UNAVAILABLE`` with the grabber's
  sentence; the thread then waits for :meth:`CaptureWorker.retry` (or stop) and opens again.

The grabber is opened, read and closed on the capture thread only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from desktop_app.core.errors import MediaError
from desktop_app.core.media_events import VideoState
from desktop_app.runtime.thread_names import name_os_thread
from desktop_app.video.slot import FrameSlot

__all__ = ["CaptureWorker", "EndOfStream", "FrameGrabber", "GrabberInfo", "SkippingGrabber"]

log = logging.getLogger(__name__)


class EndOfStream(Exception):
    """Raised by :meth:`FrameGrabber.grab` at the end of a finite source (a file)."""


@dataclass(frozen=True, slots=True)
class GrabberInfo:
    """What an opened grabber delivers.

    ``pace_fps``: the worker reads at this rate (files at their own frame rate, screens at the chosen
    capture rate); None when :meth:`FrameGrabber.grab` itself waits for the next frame (live cameras,
    streams).
    """

    width: int
    height: int
    pace_fps: float | None = None


class FrameGrabber(Protocol):
    """A source of BGR frames, used from the capture thread only. Constructors do no I/O."""

    @property
    def label(self) -> str:
        """A short name for messages (``camera 0``, ``file clip.mp4``, ``screen 1``)."""
        ...

    def open(self) -> GrabberInfo:
        """Open the device; raise :class:`MediaError` with a sentence for people when it cannot."""
        ...

    def grab(self) -> npt.NDArray[np.uint8]:
        """Return the next frame as a new H×W×3 BGR array the caller may keep.

        Raise :class:`EndOfStream` at the end of a file and :class:`MediaError` when the device is lost.
        """
        ...

    def rewind(self) -> None:
        """Go back to the first frame (files); raise :class:`MediaError` if impossible."""
        ...

    def close(self) -> None:
        """Release the device. Safe to call twice, and after a failed open."""
        ...


@runtime_checkable
class SkippingGrabber(FrameGrabber, Protocol):
    """A grabber that can pass over a frame without decoding it (OpenCV's ``grab()`` without ``retrieve()``),
    so a source read at a lower rate than it delivers still runs in real time, at a fraction of the cost."""

    def skip(self) -> None:
        """Advance past the next frame without decoding it; raise as :meth:`FrameGrabber.grab` does."""
        ...


_KEEP_SLACK_S = 0.005  # a frame this early for its turn is kept (source frame times jitter)


class CaptureWorker:
    """Runs one grabber on its own daemon thread into ``slot``.

    Call :meth:`start` once, :meth:`retry` to reopen after ``UNAVAILABLE``/``ENDED``, :meth:`stop` to end
    (it joins the thread, so call it off the loop thread or accept a short block).
    """

    def __init__(
        self,
        grabber: FrameGrabber,
        slot: FrameSlot,
        *,
        loop_file: bool = False,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._grabber = grabber
        self._slot = slot
        self._loop_file = loop_file
        self._now = now
        self._stop = threading.Event()
        self._retry = threading.Event()
        self._thread: threading.Thread | None = None
        self._min_interval = 0.0  # seconds between kept frames (set_max_fps)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("A capture worker can be started only once.")
        self._thread = threading.Thread(
            target=self._run, name=f"video-capture [{self._grabber.label}]", daemon=True
        )
        self._thread.start()

    def retry(self) -> None:
        """Reopen the source if it is unavailable or ended; no effect while it is live."""
        self._retry.set()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the thread and release the device; returns False if the thread did not end in time
        (a grab blocked in the driver); it then ends on its own, as a daemon."""
        self._stop.set()
        self._retry.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # --- capture thread ------------------------------------------------------------------------

    def _run(self) -> None:
        name_os_thread("video-capture")
        while not self._stop.is_set():
            self._slot.put_status(VideoState.STARTING)
            try:
                state, message = self._open_and_read()
            except Exception as exc:  # a bug in a grabber must not kill the thread silently
                log.exception("video capture from %s failed", self._grabber.label)
                state, message = VideoState.UNAVAILABLE, f"{self._grabber.label} failed: {exc}."
            finally:
                self._grabber.close()
            if self._stop.is_set():
                break
            self._retry.clear()  # before the state is shown: a retry() asked while live does not count
            self._slot.put_status(state, message)
            self._retry.wait()
        self._slot.put_status(VideoState.STOPPED)

    def set_max_fps(self, fps: float | None) -> None:
        """Keep at most ``fps`` frames a second (None or 0: every frame). Any thread; from the next frame on.

        Frames in between are skipped without being decoded where the grabber can (:class:`SkippingGrabber`:
        a camera or file still advances in real time), or not captured at all where the worker paces the
        grabber itself (a screen)."""
        self._min_interval = 1.0 / fps if fps else 0.0

    def _open_and_read(self) -> tuple[VideoState, str]:
        grabber = self._grabber
        try:
            info = grabber.open()
        except MediaError as exc:
            log.info("video source unavailable: %s", exc)
            return VideoState.UNAVAILABLE, str(exc)
        interval = 1.0 / info.pace_fps if info.pace_fps else 0.0
        skip = grabber.skip if isinstance(grabber, SkippingGrabber) else None
        live = False
        next_at = next_keep = self._now()
        while not self._stop.is_set():
            now = self._now()
            keep = not live or now >= next_keep - _KEEP_SLACK_S or (skip is None and not interval)
            try:
                if keep:
                    image: npt.NDArray[np.uint8] | None = grabber.grab()
                elif skip is not None:
                    skip()
                    image = None
                else:
                    image = None  # a paced grabber not due: the frame is simply not captured
            except EndOfStream:
                if not self._loop_file:
                    return VideoState.ENDED, f"{grabber.label} played to its end."
                try:
                    grabber.rewind()
                    image = grabber.grab()
                except (MediaError, EndOfStream) as exc:
                    return VideoState.UNAVAILABLE, f"{grabber.label} could not loop: {exc}"
            except MediaError as exc:
                log.info("video source lost: %s", exc)
                return VideoState.UNAVAILABLE, str(exc)
            if image is not None:
                self._slot.put_frame(image, self._now())
                next_keep = max(next_keep + self._min_interval, now)
            if not live:
                live = True
                self._slot.put_status(VideoState.LIVE)
            if interval:
                next_at += interval
                delay = next_at - self._now()
                if delay > 0:
                    self._stop.wait(delay)
                elif delay < -interval:
                    next_at = self._now()  # fell behind (slow decode or a stall): resync, no burst
        return VideoState.STOPPED, ""
