"""Local barge-in, wired: the detector (:mod:`.local_vad`) hears each echo-cancelled microphone block, the
policy (:mod:`.ducking`) decides, and the speaker's :class:`~desktop_app.audio.ducking.DuckGain` lowers the
model's voice within the next device block, without waiting for the server's ``interrupted``.

The audio service owns one :class:`LocalBargeIn` and, on the loop thread:

* :meth:`LocalBargeIn.attach` it to each newly opened speaker and canceller (the speaker gets the gain as
  its ``ducker``; the canceller's per-block levels feed the echo guard);
* :meth:`LocalBargeIn.feed` it EVERY microphone block, in order, with whether the gate is open (the
  canceller's levels are matched to blocks by order, so a skipped block would misalign them; a muted
  microphone never ducks);
* :meth:`LocalBargeIn.on_session_event` every session event (``Interrupted`` confirms a duck);
* :meth:`LocalBargeIn.detach` when the devices close.

When the speaker underflows or the canceller re-aligns its reference, the echo path has moved and AEC3
leaks echo while it re-converges: for ``settle_s`` after either, only the double-talk check against the
reference may start a duck (:attr:`~desktop_app.audio.local_vad.BlockObservation.aec_settled`).

Disabled (``enabled=False``, the ``local_barge_in`` setting off), it attaches nothing and never ducks.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import numpy as np

from desktop_app.audio.ducking import DuckConfig, DuckGain, DuckPolicy
from desktop_app.audio.local_vad import LocalVad, VadConfig, VadStep, observe
from desktop_app.core.events import Event, Interrupted

__all__ = ["LevelSource", "LocalBargeIn"]


class LevelSource(Protocol):
    """What the echo canceller exposes: per processed block, (raw mic mean square, reference mean square
    or None), oldest first."""

    @property
    def block_levels(self) -> deque[tuple[float, float | None]]: ...


class LocalBargeIn:
    """See the module docstring. Loop thread only (the gain it attaches is read by the speaker's thread)."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        vad: VadConfig | None = None,
        duck: DuckConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        settle_s: float = 1.0,
    ) -> None:
        self.enabled = enabled
        self._vad_config = vad or VadConfig()
        self.duck_config = duck or DuckConfig()
        self._clock = clock
        self.vad = LocalVad(self._vad_config)
        self.policy = DuckPolicy(self.duck_config)
        self.gain: DuckGain | None = None
        self._levels: LevelSource | None = None
        self._sink: object = None
        self._settle_s = settle_s
        self._path_moves = 0
        self._settled_at = -float("inf")
        self.last_step: VadStep | None = None
        self.last_duck_at: float | None = None
        """When the last duck was decided (the clock's seconds; a benchmark compares it with the sinks)."""

    def attach(self, sink: object, levels: LevelSource | None) -> None:
        """Give ``sink`` (if it takes a ``ducker``: the real speaker) a fresh gain stage, and read the
        echo guard's levels from ``levels`` (None: no canceller)."""
        self.detach()
        self.vad = LocalVad(self._vad_config)
        if not self.enabled:
            return
        self._levels = levels
        self._sink = sink
        self._path_moves = self._moves()
        rate = getattr(sink, "rate", None)
        if hasattr(sink, "ducker") and isinstance(rate, int) and rate > 0:
            self.gain = DuckGain(rate, self.duck_config)
            sink.ducker = self.gain

    @property
    def gain_settled(self) -> bool:
        """The speaker's gain has reached its target (no ramp in progress)."""
        return self.gain is None or self.gain.gain == self.gain.target

    def detach(self) -> None:
        """The devices closed: full gain, nothing attached."""
        self.policy.reset()
        if self.gain is not None:
            self.gain.target = 1.0
        self.gain = None
        self._levels = None
        self._sink = None

    def feed(self, pcm: bytes, *, listening: bool) -> None:
        """One echo-cancelled 16 kHz PCM16 block, in order (every block: see the module docstring)."""
        raw_ms: float | None = None
        far_ms: float | None = None
        levels = self._levels
        if levels is not None and levels.block_levels:
            raw_ms, far_ms = levels.block_levels.popleft()
        gain = self.gain
        if gain is None:
            return
        now = self._clock()
        if not listening:
            self.vad.reset()
            gain.target = self.policy.tick(now)
            return
        moves = self._moves()
        if moves != self._path_moves:
            self._path_moves, self._settled_at = moves, now + self._settle_s
        settled = now >= self._settled_at
        step = self.vad.update(observe(np.frombuffer(pcm, "<i2"), raw_ms, far_ms, aec_settled=settled))
        self.last_step = step
        playing = now - gain.sounding_at <= self.duck_config.playing_hold_s
        before = self.policy.ducks
        gain.target = self.policy.on_block(onset=step.onset, model_playing=playing, now=now)
        if self.policy.ducks != before:
            self.last_duck_at = now

    def _moves(self) -> int:
        """Speaker underflows plus reference re-alignments so far (each moves the echo path)."""
        timeline = getattr(self._levels, "timeline", None)
        resyncs = getattr(timeline, "resyncs", 0)
        underflows = getattr(self._sink, "output_underflows", 0)
        return (resyncs if isinstance(resyncs, int) else 0) + (
            underflows if isinstance(underflows, int) else 0
        )

    def on_session_event(self, event: Event) -> None:
        """``Interrupted``: the server confirmed; the gain returns to 1 while the speaker fades out."""
        if isinstance(event, Interrupted):
            target = self.policy.on_interrupted()
            if self.gain is not None:
                self.gain.target = target
