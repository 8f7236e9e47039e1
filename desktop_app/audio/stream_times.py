"""PortAudio callback timestamps on ``time.monotonic``.

PortAudio dates every callback on the stream's own clock: ``currentTime`` (now), ``inputBufferAdcTime``
(when the first input sample left the ADC) and ``outputBufferDacTime`` (when the first output sample will
reach the DAC). Only the differences are used, added to ``time.monotonic()`` taken in the callback, so
the result does not depend on which clock the host API uses. Host APIs that report zeros (some ALSA
plugins) give a delay of 0; anything outside [0, :data:`MAX_DEVICE_DELAY_S`] is clamped.
"""

from __future__ import annotations

from collections import deque
from typing import Any

__all__ = ["MAX_DEVICE_DELAY_S", "StreamTimeMapper", "adc_delay"]

MAX_DEVICE_DELAY_S = 1.0


def _clamp(delay: float) -> float:
    if delay != delay or delay < 0.0:  # NaN or negative
        return 0.0
    return min(delay, MAX_DEVICE_DELAY_S)


def adc_delay(time_info: Any) -> float:
    """Seconds between the first input sample leaving the ADC and this callback."""
    now, adc = float(time_info.currentTime), float(time_info.inputBufferAdcTime)
    return _clamp(now - adc) if now > 0.0 and adc > 0.0 else 0.0


class StreamTimeMapper:
    """Maps a stream's PortAudio times (``inputBufferAdcTime``/``outputBufferDacTime``) onto
    ``time.monotonic``. Pure; loop thread.

    PortAudio reads ``currentTime`` before the callback waits for the GIL; ``time.monotonic()`` taken
    in Python is later by that wait (measured here: single callbacks late by more than 8 ms while the loop
    thread was busy). So the offset between the clocks is the *smallest* ``monotonic - currentTime`` seen
    over the last ``window`` callbacks, which no late wake-up can inflate and which follows slow drift.
    A host API that reports no times (zeros) maps to the callback's own monotonic time.
    """

    def __init__(self, window: int = 64) -> None:
        self._recent: deque[float] = deque(maxlen=window)
        self._offset: float | None = None

    def observe(self, now_monotonic: float, stream_now: float) -> None:
        if stream_now <= 0.0:
            return
        self._recent.append(now_monotonic - stream_now)  # the oldest falls out of the window
        self._offset = min(self._recent)

    def to_monotonic(self, stream_time: float, now_monotonic: float, stream_now: float) -> float:
        """``stream_time`` (a PortAudio time of this callback) on the monotonic clock.

        Falls back to ``now_monotonic`` ± the reported delay when the host API gives no times, and clamps
        the delay to [0, :data:`MAX_DEVICE_DELAY_S`].
        """
        if stream_now <= 0.0 or stream_time <= 0.0 or self._offset is None:
            return now_monotonic
        delay = stream_time - stream_now
        if abs(delay) > MAX_DEVICE_DELAY_S:
            delay = MAX_DEVICE_DELAY_S if delay > 0 else -MAX_DEVICE_DELAY_S
        return stream_now + delay + self._offset
