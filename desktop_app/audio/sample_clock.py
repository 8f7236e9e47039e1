"""Dating the samples of a continuous stream from noisy per-block timestamps. Pure.

Audio devices deliver a continuous stream, so sample ``i`` is ``(i - i0) / rate`` seconds after the anchor
sample ``i0``; the per-callback timestamps only tell us the anchor. They jitter (thread wake-ups) and, on
some sound servers, drift for a while after a stream starts (the PulseAudio ALSA plugin here reports a
740 ms capture backlog shrinking faster than real time). So: ``confirm`` observations in a row that disagree
with the current dating by more than ``tolerance_s`` re-anchor the clock (counted in
:attr:`SampleClock.resets`), a lone outlier is ignored, and smaller disagreements move the anchor by
``smoothing`` of the error.
"""

from __future__ import annotations

__all__ = ["SampleClock"]


class SampleClock:
    """Maps absolute sample indices of one stream to times on one monotonic clock."""

    def __init__(
        self, rate: float, *, tolerance_s: float = 0.008, smoothing: float = 0.05, confirm: int = 3
    ) -> None:
        self.rate = rate
        self._confirm = confirm
        self._outliers = 0
        self._tol = tolerance_s
        self._smoothing = smoothing
        self._i0 = 0.0
        self._t0: float | None = None
        self.resets = 0

    def observe(self, index: float, time: float) -> None:
        """Sample ``index`` was reported at ``time``."""
        if self._t0 is None:
            self._i0, self._t0 = index, time
            return
        err = time - (self._t0 + (index - self._i0) / self.rate)
        if abs(err) <= self._tol:
            self._outliers = 0
            self._t0 += self._smoothing * err
            return
        self._outliers += 1
        if self._outliers >= self._confirm:  # a real jump, not one late wake-up
            self._i0, self._t0 = index, time
            self._outliers = 0
            self.resets += 1

    def time_of(self, index: float) -> float | None:
        """The time of sample ``index``, or None before the first observation."""
        if self._t0 is None:
            return None
        return self._t0 + (index - self._i0) / self.rate

    def index_at(self, time: float) -> float | None:
        """The (fractional) sample index at ``time``, or None before the first observation."""
        if self._t0 is None:
            return None
        return self._i0 + (time - self._t0) * self.rate
