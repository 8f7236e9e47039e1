"""The speaker's signal on a time axis, so the echo canceller gets the reference that matches each mic block.

Pure and sans-I/O: the loop thread :meth:`RenderTimeline.push` es what the output callback wrote, dated with
the time its first sample reaches the DAC, and :meth:`RenderTimeline.read` s, for each captured block dated
with the time its first sample left the ADC, the samples that were playing then (shifted by the caller's
lead). Times are seconds on one monotonic clock; samples are mono float32 at ``rate``.

Alignment policy (what the WebRTC canceller needs: the reference must come *before* its echo, by anything
from 0 to about 400 ms; measured with AEC3: a reference 10 ms late costs 20 dB of cancellation, 0–450 ms
early costs nothing):

* The played stream is continuous, so samples are dated by their index through a
  :class:`~desktop_app.audio.sample_clock.SampleClock` (re-anchored beyond ``tolerance_s``, smoothed below).
* Reads advance a cursor by exactly the block length, so the reference is continuous; the cursor jumps only
  when the dated target moves more than ``tolerance_s`` away from it (counted in :attr:`resyncs`).
* A target that has not been played yet (timestamps that under-report latency) is never waited for: the
  cursor is put one ``guard_s`` behind the newest sample instead, which only makes the reference earlier.
* When nothing has been played for ``stale_s`` before the target, the reference is silence.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from desktop_app.audio.sample_clock import SampleClock

__all__ = ["RenderTimeline"]

FloatArray = npt.NDArray[np.float32]


class RenderTimeline:
    """A dated ring buffer of the rendered (played) signal. Not thread-safe: loop thread only."""

    def __init__(
        self,
        rate: int = 16_000,
        *,
        history_s: float = 2.0,
        tolerance_s: float = 0.008,
        smoothing: float = 0.05,
        guard_s: float = 0.010,
        stale_s: float = 0.25,
    ) -> None:
        self.rate = rate
        self._cap = int(history_s * rate)
        self._ring = np.zeros(self._cap, dtype=np.float32)
        self._w = 0  # absolute index of the next sample to write
        self.clock = SampleClock(rate, tolerance_s=tolerance_s, smoothing=smoothing)
        self._tol_frames = max(1, round(tolerance_s * rate))
        self._guard = max(0, round(guard_s * rate))
        self._stale = stale_s
        self._cursor: int | None = None
        self.resyncs = 0
        self.late_reads = 0

    @property
    def written(self) -> int:
        return self._w

    def time_of(self, index: int) -> float | None:
        """The DAC time of the sample with absolute ``index``, or None before the first push."""
        return self.clock.time_of(index)

    def push(self, samples: npt.NDArray[np.floating], start_time: float) -> None:
        """Append played samples whose first one reaches the DAC at ``start_time``."""
        n = len(samples)
        if n == 0:
            return
        self.clock.observe(self._w, start_time)
        x = np.asarray(samples, dtype=np.float32)
        if n >= self._cap:
            x = x[-self._cap :]
            self._w += n - self._cap
            n = self._cap
        start = self._w % self._cap
        first = min(n, self._cap - start)
        self._ring[start : start + first] = x[:first]
        self._ring[: n - first] = x[first:]
        self._w += n

    def read(self, start_time: float, n: int) -> FloatArray:
        """The ``n`` reference samples for a block whose first sample is dated ``start_time``."""
        out = np.zeros(max(0, n), dtype=np.float32)
        self.read_into(start_time, out)
        return out

    def read_into(self, start_time: float, out: FloatArray) -> None:
        """:meth:`read` of ``len(out)`` samples into ``out`` (no allocation: the hot path's form)."""
        n = len(out)
        newest_time = self.clock.time_of(self._w)
        target_index = self.clock.index_at(start_time)
        if newest_time is None or target_index is None or n <= 0:
            out.fill(0.0)
            return
        if start_time - newest_time > self._stale:
            self._cursor = None  # nothing is playing (or the output stalled): silence
            out.fill(0.0)
            return
        target = round(target_index)
        if self._cursor is None:
            self._cursor = target
        elif abs(target - self._cursor) > self._tol_frames and target + n <= self._w:
            self._cursor = target
            self.resyncs += 1
        if self._cursor + n > self._w:
            self._cursor = self._w - n - self._guard
            self.late_reads += 1
        self._slice_into(self._cursor, out)
        self._cursor += n

    def _slice_into(self, begin: int, out: FloatArray) -> None:
        """Samples ``begin …`` into ``out``: zeros where the ring holds nothing (not yet or no longer)."""
        n = len(out)
        lo = max(begin, self._w - self._cap, 0)
        hi = min(begin + n, self._w)
        if hi <= lo:
            out.fill(0.0)
            return
        out[: lo - begin].fill(0.0)
        out[hi - begin :].fill(0.0)
        start = lo % self._cap
        first = min(hi - lo, self._cap - start)  # up to the ring's end, then from its start
        out[lo - begin : lo - begin + first] = self._ring[start : start + first]
        out[lo - begin + first : hi - begin] = self._ring[: hi - lo - first]
