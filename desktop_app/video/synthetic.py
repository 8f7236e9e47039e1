"""Synthetic frames: a test pattern that carries its own frame number, and a grabber that plays it.

:func:`pattern_frame` draws frame ``index``: a flat background whose colour changes every
``frames_per_colour`` frames (so an "average colour" reading tells which stretch of video it was), a white
square that moves every frame, and the index as a 16-bit black/white code in the top band.
:func:`pattern_index` reads the code back from a frame at any size and after JPEG, so a test can tell
exactly which frames reached the far end. Used by tests, benchmarks and demos without a camera.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from desktop_app.video.capture import EndOfStream, GrabberInfo

__all__ = ["PALETTE", "SyntheticGrabber", "pattern_colour", "pattern_frame", "pattern_index"]

PALETTE: tuple[tuple[int, int, int], ...] = (
    (40, 40, 200),  # BGR: red
    (40, 180, 40),  # green
    (200, 60, 40),  # blue
    (30, 200, 220),  # yellow
    (180, 40, 180),  # magenta
    (200, 200, 40),  # cyan
)
"""Background colours (BGR), one per stretch of ``frames_per_colour`` frames, in this order."""

_BITS = 16
_BAND = 12  # the code band is the top 1/12 of the frame
_CELLS = 32  # the code uses the left half: 16 cells of width W/32


def pattern_colour(index: int, frames_per_colour: int = 30) -> tuple[int, int, int]:
    """The background colour (BGR) of frame ``index``."""
    return PALETTE[(index // frames_per_colour) % len(PALETTE)]


def pattern_frame(
    index: int, width: int = 1280, height: int = 720, *, frames_per_colour: int = 30
) -> npt.NDArray[np.uint8]:
    """Draw frame ``index`` (0 ≤ index < 65536) of the test pattern as a new BGR array."""
    if not 0 <= index < 1 << _BITS:
        raise ValueError(f"pattern index {index} does not fit in {_BITS} bits")
    frame = np.empty((height, width, 3), dtype=np.uint8)
    frame[...] = pattern_colour(index, frames_per_colour)
    band_h = max(1, height // _BAND)
    frame[:band_h] = 128
    for bit in range(_BITS):
        x0, x1 = bit * width // _CELLS, (bit + 1) * width // _CELLS
        frame[:band_h, x0:x1] = 255 if index >> (_BITS - 1 - bit) & 1 else 0
    side = max(4, height // 6)
    span_x, span_y = max(1, width - side), max(1, height - band_h - side)
    x, y = (index * 37) % span_x, band_h + (index * 23) % span_y
    frame[y : y + side, x : x + side] = 255
    return frame


def pattern_index(frame: npt.NDArray[np.uint8]) -> int:
    """Read the frame number drawn by :func:`pattern_frame` from a (possibly resized, JPEG'd) frame."""
    height, width = frame.shape[:2]
    band_h = max(1, height // _BAND)
    grey = frame.mean(axis=2) if frame.ndim == 3 else frame.astype(np.float64)
    value = 0
    for bit in range(_BITS):
        x0, x1 = bit * width // _CELLS, (bit + 1) * width // _CELLS
        mx, my = max(1, (x1 - x0) // 4), max(1, band_h // 4)
        cell = grey[my : band_h - my, x0 + mx : x1 - mx]
        value = value << 1 | int(cell.mean() > 128)
    return value


class SyntheticGrabber:
    """Plays the test pattern at ``fps`` forever (or ``frames`` frames, then ends like a file)."""

    def __init__(
        self,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        *,
        frames: int | None = None,
        frames_per_colour: int = 30,
    ) -> None:
        self._width, self._height, self._fps = width, height, fps
        self._frames = frames
        self._per_colour = frames_per_colour
        self._index = 0

    @property
    def label(self) -> str:
        return f"test pattern {self._width}×{self._height}"

    def open(self) -> GrabberInfo:
        self._index = 0
        return GrabberInfo(width=self._width, height=self._height, pace_fps=self._fps)

    def grab(self) -> npt.NDArray[np.uint8]:
        if self._frames is not None and self._index >= self._frames:
            raise EndOfStream
        frame = pattern_frame(
            self._index % (1 << _BITS), self._width, self._height, frames_per_colour=self._per_colour
        )
        self._index += 1
        return frame

    def rewind(self) -> None:
        self._index = 0

    def close(self) -> None:
        """Nothing to release."""
