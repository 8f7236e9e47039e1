"""The hand-off from a capture thread to the loop: a latest-frame-only slot and a coalescing wake-up.

The capture thread calls :meth:`FrameSlot.put_frame` / :meth:`FrameSlot.put_status`: each replaces what was
there (drop policy: older frames are overwritten, never queued) and then calls the slot's waker. The loop
side reads :meth:`FrameSlot.latest` and :meth:`FrameSlot.status` whenever it likes.

:class:`LoopWaker` turns "something changed" calls from any thread into one asyncio wake-up: while a
wake-up is already scheduled, further calls are free (no pile of callbacks on a busy loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from desktop_app.core.media_events import VideoState

__all__ = ["CapturedFrame", "FrameSlot", "LoopWaker", "SourceStatus"]


@dataclass(frozen=True, slots=True, eq=False)
class CapturedFrame:
    """One captured frame. ``image`` is read-only BGR ``uint8``; ``seq`` counts frames from 1."""

    image: npt.NDArray[np.uint8]
    seq: int
    captured_at: float

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """The source's state and its sentence for people. ``attempt`` counts opens (1 for the first), so a
    retry that fails the same way is still a new status."""

    state: VideoState
    message: str = ""
    attempt: int = 0


class FrameSlot:
    """The newest frame and status of one source. Writers: one capture thread. Readers: any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: CapturedFrame | None = None
        self._status = SourceStatus(VideoState.STARTING)
        self._attempt = 0
        self._seq = 0
        self._waker: Callable[[], None] | None = None

    def set_waker(self, waker: Callable[[], None] | None) -> None:
        """Install the callback run (on the writer's thread) after every change; it must be cheap."""
        self._waker = waker

    def put_frame(self, image: npt.NDArray[np.uint8], captured_at: float) -> None:
        """Publish a new frame, replacing the previous one. ``image`` is made read-only and kept as is."""
        image.flags.writeable = False
        with self._lock:
            self._seq += 1
            self._frame = CapturedFrame(image, self._seq, captured_at)
        self._wake()

    def put_status(self, state: VideoState, message: str = "") -> None:
        """Publish a state; each ``STARTING`` begins a new open attempt."""
        with self._lock:
            if state is VideoState.STARTING:
                self._attempt += 1
            self._status = SourceStatus(state, message, self._attempt)
        self._wake()

    def latest(self) -> CapturedFrame | None:
        with self._lock:
            return self._frame

    def status(self) -> SourceStatus:
        with self._lock:
            return self._status

    def _wake(self) -> None:
        waker = self._waker
        if waker is not None:
            waker()


class LoopWaker:
    """A wake-up flag for one asyncio loop, settable from any thread.

    Construct and :meth:`wait` on the loop thread; :meth:`wake` from anywhere. :meth:`wait` returns after a
    wake-up or the timeout and clears the flag, so state read right after it is at least as new as the
    change that woke it.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()
        self._pending = False

    def wake(self) -> None:
        """Ask for a wake-up; callable from any thread, never blocks, coalesces repeated calls."""
        if self._pending:
            return
        self._pending = True
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            self._loop.call_soon_threadsafe(self._fire)

    def wake_local(self) -> None:
        """Wake from the loop thread itself."""
        self._event.set()

    async def wait(self, timeout: float | None) -> None:
        """Wait (loop thread) until woken or ``timeout`` seconds pass; ``None`` waits for a wake-up."""
        if not self._event.is_set():
            if timeout is None:
                await self._event.wait()
            elif timeout > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._event.wait()
        self._event.clear()

    def _fire(self) -> None:
        self._pending = False
        self._event.set()
