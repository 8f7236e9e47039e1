"""Where sound starts and stops in a recording, and when each recorded sample happened. Pure; no I/O.

* :func:`bursts` finds the stretches of sound in mono float PCM: a burst starts at the first sample whose
  magnitude reaches ``threshold_dbfs`` and ends after the last such sample; dips shorter than ``min_gap_s``
  (a waveform's zero crossings, a syllable's pause) stay inside one burst. Resolution: one sample.
* :class:`ArrivalClock` dates the samples of a recording on ``time.monotonic``: a reader notes, after each
  read, the monotonic time and how many frames it holds so far. A read can only be late (a thread that woke
  up late), never early, so the earliest date consistent with the reads around a sample (their lower
  envelope) is the best one. What it dates is *arrival at the recorder*: the sound server's own transfer to
  the recorder (one fragment) comes on top, and the caller must say so.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["ArrivalClock", "Burst", "burst_at", "bursts", "merged", "next_burst"]


@dataclass(frozen=True, slots=True)
class Burst:
    """A stretch of sound: ``start_s`` is its first loud sample, ``end_s`` just after its last one
    (seconds from the recording's first sample)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def bursts(
    samples: npt.NDArray[np.floating],
    rate: int,
    *,
    threshold_dbfs: float = -50.0,
    min_gap_s: float = 0.03,
    min_len_s: float = 0.002,
) -> list[Burst]:
    """The bursts of sound in ``samples`` (mono, full scale 1.0), in order.

    Pass a ``min_gap_s`` longer than the longest silence *inside* one sound (half a period of its lowest
    tone at least) and shorter than the shortest silence *between* two sounds. Bursts shorter than
    ``min_len_s`` (a click) are left out.
    """
    x = np.asarray(samples, dtype=np.float64)
    loud = np.flatnonzero(np.abs(x) >= 10.0 ** (threshold_dbfs / 20.0))
    if loud.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(loud) > max(1, int(min_gap_s * rate)))
    starts = np.concatenate(([loud[0]], loud[breaks + 1]))
    ends = np.concatenate((loud[breaks], [loud[-1]])) + 1
    return [
        Burst(float(s) / rate, float(e) / rate)
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
        if (e - s) / rate >= min_len_s
    ]


def merged(found: list[Burst], max_gap_s: float) -> tuple[list[Burst], int]:
    """``found`` with every gap shorter than ``max_gap_s`` closed, and how many gaps were closed (in a
    stream that should be continuous, those are dropouts the listener hears)."""
    out: list[Burst] = []
    closed = 0
    for burst in found:
        if out and burst.start_s - out[-1].end_s < max_gap_s:
            out[-1] = Burst(out[-1].start_s, burst.end_s)
            closed += 1
        else:
            out.append(burst)
    return out, closed


def burst_at(found: list[Burst], t: float) -> Burst | None:
    """The burst that is sounding at ``t`` (``start_s <= t < end_s``), or None."""
    index = bisect.bisect_right([b.start_s for b in found], t) - 1
    if index >= 0 and t < found[index].end_s:
        return found[index]
    return None


def next_burst(found: list[Burst], t: float) -> Burst | None:
    """The first burst that starts at or after ``t``, or None."""
    index = bisect.bisect_left([b.start_s for b in found], t)
    return found[index] if index < len(found) else None


class ArrivalClock:
    """Dates recorded samples on ``time.monotonic`` from (read time, frames so far) notes.

    Call :meth:`note` after every read, in order; then :meth:`time_of` gives the arrival time of a frame,
    from the lower envelope of the notes within ``window_s`` of it (so a slow drift between the sound
    server's clock and ``time.monotonic`` is followed, and a late read is ignored).
    """

    def __init__(self, rate: int, window_s: float = 2.0) -> None:
        self.rate = rate
        self._window = window_s * rate
        self._frames: list[int] = []
        self._offsets: list[float] = []  # read time - frames / rate: when frame 0 would have arrived

    def note(self, read_at: float, frames: int) -> None:
        """After a read: ``frames`` recorded in all, the newest of them arrived by ``read_at``."""
        if frames <= 0 or (self._frames and frames <= self._frames[-1]):
            return
        self._frames.append(frames)
        self._offsets.append(read_at - frames / self.rate)

    def time_of(self, frame: float) -> float:
        """The arrival time of frame ``frame`` (fractional allowed); ValueError before any note."""
        if not self._frames:
            raise ValueError("no reads noted yet")
        lo = bisect.bisect_left(self._frames, frame - self._window)
        hi = bisect.bisect_right(self._frames, frame + self._window)
        window = self._offsets[lo:hi] or [self._offsets[min(lo, len(self._offsets) - 1)]]
        return min(window) + frame / self.rate

    def time_at(self, seconds_into_recording: float) -> float:
        """:meth:`time_of` for a position given in seconds from the first recorded sample."""
        return self.time_of(seconds_into_recording * self.rate)
