"""Input and output levels in dBFS for meters, published as latest-value events about 20 times a second.

:class:`LevelMeter` is pure: feed it blocks, :meth:`LevelMeter.take` the RMS and peak since the last take.
:class:`LevelPublisher` holds one meter per direction and calls ``on_event(AudioLevels(...))`` from the
loop thread at most once per ``interval_s``; a UI keeps only the newest value (it is a level, not a log).
Levels use the convention of :func:`desktop_app.core.audio_format.rms_dbfs`: RMS relative to full scale,
so a full-scale sine reads about -3 dBFS, and silence reads :data:`FLOOR_DBFS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import numpy as np
import numpy.typing as npt

from desktop_app.core.audio_format import pcm16_to_float_into
from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.events import Event
from desktop_app.core.media_events import FLOOR_DBFS, AudioLevels

__all__ = ["LevelMeter", "LevelPublisher", "to_dbfs"]


def to_dbfs(amplitude: float) -> float:
    """An amplitude relative to full scale (1.0) in dBFS, floored at :data:`FLOOR_DBFS`."""
    if amplitude <= 0.0:
        return FLOOR_DBFS
    return max(FLOOR_DBFS, 20.0 * math.log10(amplitude))


class LevelMeter:
    """Accumulates RMS and peak over blocks until :meth:`take`."""

    def __init__(self) -> None:
        self._sumsq = 0.0
        self._count = 0
        self._peak = 0.0
        self._scratch = np.zeros(0, np.float32)  # PCM16 blocks scaled to float, reused block after block

    def add(self, samples: npt.NDArray[np.floating] | npt.NDArray[np.int16]) -> None:
        """Add float samples in [-1, 1) or PCM16 samples. Allocates nothing once it has seen a block of
        this size (it runs for every block in both directions)."""
        n = len(samples)
        if n == 0:
            return
        if samples.dtype == np.int16:
            if len(self._scratch) < n:
                self._scratch = np.zeros(n, np.float32)
            x = self._scratch[:n]
            pcm16_to_float_into(cast("npt.NDArray[np.int16]", samples), x)
        else:
            x = cast("npt.NDArray[np.floating]", samples)
        self._sumsq += float(np.dot(x, x))
        self._count += n
        self._peak = max(self._peak, float(x.max()), -float(x.min()))

    def take(self) -> tuple[float, float]:
        """(rms_dbfs, peak_dbfs) since the last take; the floor when nothing was added."""
        if self._count == 0:
            return FLOOR_DBFS, FLOOR_DBFS
        rms = math.sqrt(self._sumsq / self._count)
        peak = self._peak
        self._sumsq, self._count, self._peak = 0.0, 0, 0.0
        return to_dbfs(rms), to_dbfs(peak)


class LevelPublisher:
    """Rate-limited :class:`AudioLevels` publisher shared by capture and playback (loop thread only)."""

    def __init__(
        self,
        on_event: Callable[[Event], None],
        *,
        interval_s: float = 0.05,
        clock: Clock | None = None,
    ) -> None:
        self._on_event = on_event
        self._interval = interval_s
        self._clock = clock or MonotonicClock()
        self.input = LevelMeter()
        self.output = LevelMeter()
        self._last: float | None = None
        self.latest = AudioLevels()

    def add_input(self, samples: npt.NDArray[np.floating] | npt.NDArray[np.int16]) -> None:
        self.input.add(samples)
        self.maybe_publish()

    def add_output(self, samples: npt.NDArray[np.floating] | npt.NDArray[np.int16]) -> None:
        self.output.add(samples)
        self.maybe_publish()

    def maybe_publish(self) -> AudioLevels | None:
        """Publish if ``interval_s`` has passed since the last event; returns what was published."""
        now = self._clock.now()
        if self._last is not None and now - self._last < self._interval:
            return None
        self._last = now
        in_rms, in_peak = self.input.take()
        out_rms, out_peak = self.output.take()
        self.latest = AudioLevels(in_rms, out_rms, in_peak, out_peak)
        self._on_event(self.latest)
        return self.latest
