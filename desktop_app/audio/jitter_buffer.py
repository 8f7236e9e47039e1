"""The speaker's jitter buffer: a pure, sans-I/O queue of float samples between the loop and the device.

The loop thread :meth:`JitterBuffer.write` s the model's audio (already at the device rate); the output
callback :meth:`JitterBuffer.read_into` s exactly one device block at a time and always gets a full block
back (zeros where there is nothing to play). The buffer itself takes no lock: the playback shell holds one
short lock around every call (:mod:`desktop_app.audio.playback`).

States::

    IDLE ──write──▶ BUFFERING ──prefill reached, or waited one prefill──▶ PLAYING
      ▲                                                                    │ ran dry
      └──────── dry for longer than ``gap_ms`` (end of turn, no count) ◀── STARVED
                                       data within ``gap_ms`` (an underrun: counted, prefill grows)

* Prefill: a turn starts playing once ``prefill_ms`` of audio is buffered, or once it has waited that long
  (a turn shorter than the prefill must still play).
* Underrun: the buffer ran dry mid-turn and more audio came within ``gap_ms``. It is counted, its zeros
  are counted, and the prefill grows by ``prefill_step_ms`` up to ``max_prefill_ms``. After
  ``decay_after_s`` of played audio without an underrun the prefill shrinks one step back toward its base.
* Overflow (drop policy): the buffer holds at most ``capacity_s`` of audio; a write that does not fit
  keeps what fits and drops the rest (the newest samples), counted in ``overflow_frames``.
* Interrupt: :meth:`interrupt` keeps only the next ``fade`` frames, ramps them linearly to zero, drops
  everything else; the output is silent when those frames have been read (one block at most).
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["BufferState", "JitterBuffer", "JitterConfig", "ReadResult"]

FloatArray = npt.NDArray[np.float32]


class BufferState(enum.Enum):
    IDLE = "idle"
    BUFFERING = "buffering"
    PLAYING = "playing"
    STARVED = "starved"


@dataclass(frozen=True, slots=True)
class JitterConfig:
    """Jitter-buffer tuning, in milliseconds of audio (converted at the device ``rate``)."""

    rate: int
    prefill_ms: float = 40.0
    max_prefill_ms: float = 200.0
    prefill_step_ms: float = 20.0
    gap_ms: float = 1000.0
    fade_ms: float = 4.0
    capacity_s: float = 120.0
    decay_after_s: float = 60.0

    def frames(self, ms: float) -> int:
        return max(0, round(self.rate * ms / 1000.0))


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What happened during one :meth:`JitterBuffer.read_into` call.

    Offsets are frame offsets inside the block just read, or -1 when the thing did not happen.
    """

    audio_frames: int  # frames of real audio (including a fade) in the block
    turn_started_at: int  # where the first sample of a new turn went out
    silent_at: int  # where the output went silent after an interrupt (end of the fade)
    drained: bool  # the buffer ran out of audio during this block (end of turn or underrun)


_NOTHING = ReadResult(0, -1, -1, False)


class JitterBuffer:
    """A prefilling, adaptive, interruptible sample queue. Not thread-safe: the caller locks."""

    def __init__(self, config: JitterConfig) -> None:
        self.config = config
        self._chunks: deque[FloatArray] = deque()
        self._head = 0  # read offset into _chunks[0]
        self._queued = 0
        self._fade: FloatArray | None = None
        self._fade_pos = 0
        self._silence_pending = False  # report silent_at=0 on the next read (interrupt with no fade)
        self._state = BufferState.IDLE
        self._waited = 0  # frames read while BUFFERING (for the prefill timeout)
        self._starved = 0  # frames of zeros written while STARVED
        self._turn_pending_start = False
        self._since_underrun = 0  # frames played since the last underrun (for the prefill decay)
        self.base_prefill_frames = config.frames(config.prefill_ms)
        self.prefill_frames = self.base_prefill_frames
        self._max_prefill = max(self.base_prefill_frames, config.frames(config.max_prefill_ms))
        self._step = max(1, config.frames(config.prefill_step_ms))
        self._gap = config.frames(config.gap_ms)
        self._capacity = config.frames(config.capacity_s * 1000.0)
        self._decay_after = config.frames(config.decay_after_s * 1000.0)
        # counters (read them from any thread; they only grow)
        self.underruns = 0
        self.underrun_frames = 0
        self.overflow_frames = 0
        self.turns = 0

    # --- queries ------------------------------------------------------------------------------

    @property
    def state(self) -> BufferState:
        return self._state

    @property
    def queued_frames(self) -> int:
        """Frames of audio waiting to be played (the fade tail included)."""
        fade = 0 if self._fade is None else len(self._fade) - self._fade_pos
        return self._queued + fade

    @property
    def is_empty(self) -> bool:
        return self.queued_frames == 0

    # --- producer side (loop thread) ------------------------------------------------------------

    def write(self, samples: FloatArray) -> int:
        """Queue mono float samples at the device rate. Returns how many were kept (rest overflowed)."""
        n = len(samples)
        if n == 0:
            return 0
        room = max(0, self._capacity - self._queued)
        if n > room:
            self.overflow_frames += n - room
            samples = samples[:room]
            n = room
            if n == 0:
                return 0
        self._chunks.append(np.asarray(samples, dtype=np.float32))
        self._queued += n
        if self._state is BufferState.IDLE:
            self._begin_buffering(new_turn=True)
        elif self._state is BufferState.STARVED:
            # More audio within the gap: the turn had a hole in it.
            self.underruns += 1
            self.underrun_frames += self._starved
            self.prefill_frames = min(self._max_prefill, self.prefill_frames + self._step)
            self._since_underrun = 0
            self._begin_buffering(new_turn=False)
        return n

    def interrupt(self) -> None:
        """Drop everything queued; whatever was audible fades out over ``fade_ms``.

        A fade already in progress keeps going (it never restarts at full level).
        """
        fade_frames = self.config.frames(self.config.fade_ms)
        if self._fade is None and self._state is BufferState.PLAYING and fade_frames > 0:
            tail = self._take(fade_frames)
            if len(tail) > 0:
                ramp = np.linspace(1.0, 0.0, num=len(tail) + 1, dtype=np.float32)[1:]
                self._fade = tail * ramp
                self._fade_pos = 0
        self._chunks.clear()
        self._head = 0
        self._queued = 0
        self._silence_pending = self._fade is None
        self._state = BufferState.IDLE
        self._turn_pending_start = False
        self._waited = 0
        self._starved = 0

    # --- consumer side (audio callback) -----------------------------------------------------------

    def read_into(self, out: FloatArray) -> ReadResult:
        """Fill ``out`` completely: queued audio where there is some, zeros elsewhere."""
        n = len(out)
        pos = 0
        silent_at = -1
        turn_started_at = -1
        drained = False
        if self._fade is not None:
            k = min(n, len(self._fade) - self._fade_pos)
            out[:k] = self._fade[self._fade_pos : self._fade_pos + k]
            self._fade_pos += k
            pos = k
            if self._fade_pos >= len(self._fade):
                self._fade = None
                self._fade_pos = 0
                silent_at = pos
        elif self._silence_pending:
            silent_at = 0
        self._silence_pending = False
        fade_frames = pos

        if self._state is BufferState.BUFFERING:
            if self._queued >= self.prefill_frames or self._waited >= self.prefill_frames:
                self._state = BufferState.PLAYING
            else:
                self._waited += n - pos
        if self._state is BufferState.PLAYING and pos < n:
            got = self._copy_out(out[pos:])
            if got > 0 and self._turn_pending_start:
                self._turn_pending_start = False
                turn_started_at = pos
            pos += got
            self._since_underrun += got
            if self._decay_after and self._since_underrun >= self._decay_after:
                self._since_underrun = 0
                self.prefill_frames = max(self.base_prefill_frames, self.prefill_frames - self._step)
            if self._queued == 0:
                self._state = BufferState.STARVED
                self._starved = 0
                drained = True
        if pos < n:
            out[pos:] = 0.0
            if self._state is BufferState.STARVED:
                self._starved += n - pos
                if self._starved >= self._gap:
                    self._state = BufferState.IDLE  # a finished turn, not an underrun
        audio = pos
        if audio == 0 and fade_frames == 0 and silent_at < 0 and not drained:
            return _NOTHING
        return ReadResult(audio, turn_started_at, silent_at, drained)

    # --- internals --------------------------------------------------------------------------------

    def _begin_buffering(self, *, new_turn: bool) -> None:
        self._state = BufferState.BUFFERING
        self._waited = 0
        if new_turn:
            self.turns += 1
            self._turn_pending_start = True

    def _copy_out(self, out: FloatArray) -> int:
        pos = 0
        want = len(out)
        while pos < want and self._chunks:
            chunk = self._chunks[0]
            k = min(want - pos, len(chunk) - self._head)
            out[pos : pos + k] = chunk[self._head : self._head + k]
            pos += k
            self._head += k
            if self._head >= len(chunk):
                self._chunks.popleft()
                self._head = 0
        self._queued -= pos
        return pos

    def _take(self, frames: int) -> FloatArray:
        out = np.zeros(min(frames, self._queued), dtype=np.float32)
        self._copy_out(out)
        return out
