"""Local barge-in's ducking: when to lower the model's voice (:class:`DuckPolicy`, pure) and how
(:class:`DuckGain`, the ramped multiply the speaker applies to each block it hands the device).

The policy, one transition per input, no clock of its own (the caller passes ``now``)::

    IDLE ──(speech onset while the model's voice plays)──▶ DUCKED   (target gain: depth_db, −20 dB)
    DUCKED ──(server's ``interrupted``)──▶ IDLE, counted ``confirmed``  (the speaker flushes and fades as
                                                                          always; the gain returns to 1)
    DUCKED ──(``confirm_window_s`` passes without it)──▶ IDLE, counted ``restored`` (a cough, a door: the
                                                                          voice ramps back up)
    DUCKED ──(a new onset)──▶ DUCKED, window restarted (the user spoke again; the server may answer that)

Playout never stops while ducked: the voice goes on under the user at −20 dB, so when a duck is not
confirmed nothing has been dropped or skipped. Continuing speech does not re-duck after a restore; only a
new onset does, so a steady noise that fooled the detector costs one window, not the whole reply.

Why 800 ms: the server confirms a barge-in once its own detector has committed the start of speech
(``prefixPaddingMs`` and its decision) and the message has crossed the network, which takes "hundreds of
milliseconds" with a real model (issue 16); the emulator, whose detector commits 20 ms into speech, is
quicker. 800 ms leaves room for a slow confirmation, so a real barge-in is not restored a moment before
its ``interrupted`` flushes it (a wobble), and keeps a false duck (a cough, a door) to under a second of
quieter speech. ``confirm_window_s`` is the knob.
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["DuckConfig", "DuckGain", "DuckPolicy", "DuckState"]


@dataclass(frozen=True, slots=True)
class DuckConfig:
    """``depth_db``: the ducked level; ``down_ms``/``up_ms``: linear ramps from full gain to the ducked
    level and back (5 ms down, like the interrupt's 4 ms fade: at most one device block, the gain moving
    under 0.4 % a sample at 48 kHz, so no click; the slower way back sounds like a voice
    returning, not a switch); ``confirm_window_s``: see the module
    docstring; ``sounding_dbfs``/``playing_hold_s``: the model's voice counts as playing while a block
    louder than this was handed to the device within the hold (the gaps between words do not count as
    silence)."""

    depth_db: float = -20.0
    down_ms: float = 5.0
    up_ms: float = 250.0
    confirm_window_s: float = 0.8
    sounding_dbfs: float = -50.0
    playing_hold_s: float = 0.3

    @property
    def depth_gain(self) -> float:
        return float(10.0 ** (self.depth_db / 20.0))


class DuckState(enum.Enum):
    IDLE = "idle"
    DUCKED = "ducked"


class DuckPolicy:
    """The state machine of the module docstring. Call on one thread; every method returns the target
    gain to hand to :attr:`DuckGain.target`."""

    def __init__(self, config: DuckConfig | None = None) -> None:
        self.config = config or DuckConfig()
        self.state = DuckState.IDLE
        self.ducked_at = -math.inf
        self.ducks = 0
        """Ducks started (a new onset while ducked restarts the window and is not counted again)."""
        self.confirmed = 0
        """Ducks the server confirmed with ``interrupted``."""
        self.restored = 0
        """Ducks the window ended without confirmation: false ducks, or the server chose not to stop."""

    @property
    def target(self) -> float:
        return self.config.depth_gain if self.state is DuckState.DUCKED else 1.0

    def on_block(self, *, onset: bool, model_playing: bool, now: float) -> float:
        """A microphone block was judged: ``onset`` from the detector, ``model_playing`` from the speaker."""
        self.tick(now)
        if onset and model_playing:
            if self.state is DuckState.IDLE:
                self.ducks += 1
            self.state = DuckState.DUCKED
            self.ducked_at = now
        return self.target

    def tick(self, now: float) -> float:
        """End an unconfirmed duck whose window has passed."""
        if self.state is DuckState.DUCKED and now - self.ducked_at >= self.config.confirm_window_s:
            self.state = DuckState.IDLE
            self.restored += 1
        return self.target

    def on_interrupted(self) -> float:
        """The server confirmed the barge-in (the speaker flushes and fades on its own)."""
        if self.state is DuckState.DUCKED:
            self.confirmed += 1
        self.state = DuckState.IDLE
        return self.target

    def reset(self) -> float:
        """Back to full gain at once, counting nothing (the devices closed)."""
        self.state = DuckState.IDLE
        return self.target


class DuckGain:
    """The ramped gain on the speaker's blocks. :attr:`target` is written by the loop thread (one float
    store, atomic); :meth:`apply` runs on the PortAudio output thread, in place, allocating nothing once the
    largest block has been seen. Each sample moves the gain at most one ramp step toward the target, so a
    change lands within ``down_ms``/``up_ms`` whatever the block size.
    """

    def __init__(self, rate: int, config: DuckConfig | None = None) -> None:
        c = config or DuckConfig()
        span = 1.0 - c.depth_gain
        self.rate = rate
        self.target = 1.0
        self.gain = 1.0
        self.sounding_at = -math.inf
        """``time.monotonic()`` of the last block that carried the model's voice (before this gain)."""
        self.sounding_frames = 0
        """Frames of the blocks that carried it: what was handed to the device, ducked or not."""
        self._down = span / max(1.0, rate * c.down_ms / 1000.0)
        self._up = span / max(1.0, rate * c.up_ms / 1000.0)
        self._sounding_ms = 10.0 ** (c.sounding_dbfs / 10.0)
        self._steps = np.arange(1, 1025, dtype=np.float32)
        self._work = np.empty(1024, dtype=np.float32)

    def apply(self, buf: npt.NDArray[np.float32]) -> None:
        """Multiply ``buf`` (mono float, about to be handed to the device) by the ramped gain."""
        n = len(buf)
        if n == 0:
            return
        if float(np.dot(buf, buf)) > self._sounding_ms * n:
            self.sounding_at = time.monotonic()
            self.sounding_frames += n
        target, gain = self.target, self.gain
        if gain == target:
            if gain != 1.0:
                buf *= np.float32(gain)
            return
        if n > len(self._steps):  # a larger block than any before: grow once
            self._steps = np.arange(1, n + 1, dtype=np.float32)
            self._work = np.empty(n, dtype=np.float32)
        work = self._work[:n]
        if target < gain:
            np.multiply(self._steps[:n], np.float32(self._down), out=work)
            np.subtract(np.float32(gain), work, out=work)
            np.maximum(work, np.float32(target), out=work)
        else:
            np.multiply(self._steps[:n], np.float32(self._up), out=work)
            np.add(np.float32(gain), work, out=work)
            np.minimum(work, np.float32(target), out=work)
        buf *= work
        self.gain = float(work[-1])
        if abs(self.gain - target) < 1e-6:
            self.gain = target
