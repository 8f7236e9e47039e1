"""How big a device buffer the speaker asks PortAudio for: the smallest one that does not underflow here.

Pure and sans-I/O: the playback shell feeds it the device's underflow count (PortAudio's
``output_underflow`` flags, counted by :class:`~desktop_app.audio.streams.DeviceStream`) with the time and
whether a reply is playing, and reopens the stream at the latency :meth:`OutputPolicy.observe` returns.

Why adapt at all: the buffer *is* the downlink's latency (what PortAudio is asked for is what the sound
server holds ahead of the speaker), and a small one is safe on a quiet machine but underflows (audible
clicks, and a jump in the echo path under the canceller) when the machine is loaded. So the speaker starts
on a rung that held everywhere it was measured (:attr:`OutputPolicyConfig.start_level`), climbs when this
machine proves it must, and steps down towards the smallest rung after clean stretches.

States (``level`` indexes the ladder)::

    SETTLING(level) ──settle_s after a (re)open──▶ STEADY(level)
      underflows while settling are the stream's start-up burst: not counted

    STEADY(level) ──raise_after underflows within window_s──▶ RAISE(level+1)   (top rung: stays)
    STEADY(level>0) ──relax_after_s without an underflow──▶ LOWER(level-1)

    RAISE / LOWER ──the caller may reopen (idle, or urgent)──▶ SETTLING(new level)

* A raise waits for an idle moment (no reply playing) so that a reply is not cut, unless the underflows
  keep coming (``urgent_after`` within ``window_s``): then it happens at once, mid-reply.
* A lower happens only when idle. Each raise out of a rung the policy had lowered to doubles the clean
  time needed before trying it again (capped at ``max_relax_s``), so a machine that cannot hold a rung
  does not flap between two.

:meth:`observe` returns the latency (seconds) to reopen at, and from then on assumes the caller did; the
caller that could not reopen calls :meth:`reopen_failed` (the policy goes back to the level it left).
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

__all__ = ["OutputPolicy", "OutputPolicyConfig", "PolicyState"]


class PolicyState(enum.Enum):
    SETTLING = "settling"
    STEADY = "steady"
    RAISE = "raise"
    LOWER = "lower"


@dataclass(frozen=True, slots=True)
class OutputPolicyConfig:
    """The rungs (device buffer latencies in seconds, smallest first) and the thresholds.

    The default ladder comes from the underflow grid of :mod:`desktop_app.bench.playback_scenarios`
    on PulseAudio (8 s per cell, measured under load on the shared 2-core machine): with nothing else in
    the process, no buffer from 10 to 30 ms underflowed; with a Python thread holding the GIL half the
    time, 10 ms underflowed 10–22 times a minute, 15 ms 0–6, 20 and 30 ms not at all. A 10-minute soak
    while nine builds shared the machine needed 60 ms. Rungs are 5 ms apart at the bottom because each
    costs the downlink (and ``interrupted`` → silence) exactly its size.

    ``start_level`` is 2 (20 ms), not the 10 ms floor: opened at 10 ms, the end-to-end device test
    (tests/devices/test_full_loop.py) failed 3 times in 10 on a lightly loaded machine, with storms of
    50–650 underflows (the ALSA pulse plugin at 24 kHz, some starting when another client attached to the
    sink's monitor) that broke the reply before the policy could climb; at 20 ms it passed 10 of 10. A
    machine that stays clean for ``relax_after_s`` steps down to 15 and then 10 ms.
    """

    ladder: tuple[float, ...] = (0.010, 0.015, 0.020, 0.030, 0.060)
    start_level: int = 2
    raise_after: int = 2
    urgent_after: int = 6
    window_s: float = 20.0
    settle_s: float = 2.0
    relax_after_s: float = 300.0
    max_relax_s: float = 3600.0

    def __post_init__(self) -> None:
        if not self.ladder or list(self.ladder) != sorted(self.ladder) or self.ladder[0] <= 0:
            raise ValueError("the ladder must be positive latencies, smallest first")
        if not 0 <= self.start_level < len(self.ladder):
            raise ValueError("start_level must index the ladder")
        if not 1 <= self.raise_after <= self.urgent_after:
            raise ValueError("need 1 <= raise_after <= urgent_after")


class OutputPolicy:
    """The speaker buffer's state machine (see the module docstring). Loop thread; not thread-safe."""

    def __init__(self, config: OutputPolicyConfig | None = None) -> None:
        self.config = config or OutputPolicyConfig()
        self.level = self.config.start_level
        self.state = PolicyState.SETTLING
        self.raises = 0
        self.lowers = 0
        self._opened_at: float | None = None
        self._last_count = 0
        self._events: deque[float] = deque()
        self._clean_since: float | None = None
        self._relax = [self.config.relax_after_s] * len(self.config.ladder)
        self._lowered_to: set[int] = set()
        self._previous = self.level
        self._count_at_open = 0
        self.history: deque[tuple[float, float, int]] = deque(maxlen=32)
        """(time, latency, underflow count) at the last 32 (re)opens (older ones dropped), for benchmarks."""

    @property
    def latency(self) -> float:
        """The latency (seconds) the stream should be open at now."""
        return self.config.ladder[self.level]

    @property
    def underflows_since_open(self) -> int:
        """Underflows seen since the stream was last (re)opened, on the rung it runs at now."""
        return self._last_count - self._count_at_open

    def opened(self, now: float, underflows: int) -> None:
        """The stream was (re)opened at :attr:`latency` at ``now``; ``underflows`` is its count so far."""
        self.state = PolicyState.SETTLING
        self._opened_at = now
        self._last_count = self._count_at_open = underflows
        self.history.append((now, self.latency, underflows))
        self._events.clear()
        self._clean_since = now

    def observe(self, now: float, underflows: int, *, idle: bool) -> float | None:
        """Feed the device's underflow count (it only grows) at ``now``; ``idle`` when no reply plays.

        Returns the latency (seconds) to reopen the stream at, or None to keep it. After a non-None
        return, call :meth:`opened` once the new stream runs (or :meth:`reopen_failed`).
        """
        cfg = self.config
        new = max(0, underflows - self._last_count)
        self._last_count = max(self._last_count, underflows)
        if self._opened_at is None:
            self.opened(now, underflows)
            return None
        if self.state is PolicyState.SETTLING:
            if now - self._opened_at < cfg.settle_s:
                return None
            self.state = PolicyState.STEADY
            self._clean_since = self._opened_at + cfg.settle_s
        for _ in range(new):
            self._events.append(now)
        while self._events and now - self._events[0] > cfg.window_s:
            self._events.popleft()
        if new:
            self._clean_since = now
        top = len(cfg.ladder) - 1
        if self.state is PolicyState.STEADY:
            if len(self._events) >= cfg.raise_after and self.level < top:
                self.state = PolicyState.RAISE
            elif (
                self.level > 0
                and self._clean_since is not None
                and now - self._clean_since >= self._relax[self.level - 1]
            ):
                self.state = PolicyState.LOWER
        if self.state is PolicyState.RAISE and (idle or len(self._events) >= cfg.urgent_after):
            return self._move(self.level + 1, raising=True)
        if self.state is PolicyState.LOWER:
            if new:  # it underflowed again before the idle moment came: stay
                self.state = PolicyState.STEADY
            elif idle:
                return self._move(self.level - 1, raising=False)
        return None

    def reopen_failed(self) -> None:
        """The caller could not reopen at the latency :meth:`observe` returned: back to the old level."""
        self.level = self._previous
        self.state = PolicyState.STEADY

    def _move(self, level: int, *, raising: bool) -> float:
        self._previous = self.level
        if raising:
            self.raises += 1
            if self.level in self._lowered_to:  # it failed on a rung we lowered to: be slower next time
                self._relax[self.level] = min(self.config.max_relax_s, self._relax[self.level] * 2)
        else:
            self.lowers += 1
            self._lowered_to.add(level)
        self.level = level
        self.state = PolicyState.SETTLING
        self._events.clear()
        return self.latency
