"""The stall watchdog as a sans-I/O core: when an open turn has gone quiet for too long, probe.

A turn is *open* from the moment a reply is owed to the user until the server closes it: the user's turn
ended (a typed text, an ``audioStreamEnd`` after speech, an ``activityEnd``, or the server's own
end-of-speech signal), or a tool response went out. It closes at ``TurnComplete`` (or an ``Interrupted``:
the user speaks again) and while the server waits for *our* tool response (a ``ToolCall``: the silence is
ours, not the server's).

While a turn is open, every server message restarts the timer. When ``stall_after_s`` pass without one,
:meth:`StallWatchdog.due` says so and the shell must probe the connection (a WebSocket ping, answered by the
server's transport even while the model thinks) with a ``probe_timeout_s`` bound, then report the outcome:
:meth:`StallWatchdog.probe_answered` (the link is alive, the model is just slow: wait another
``stall_after_s``) or :meth:`StallWatchdog.probe_failed` (the link is dead: reconnect now).

A link that answers every probe while the turn stays silent for ``max_quiet_s`` (the service lost the turn:
a reply that never starts) is *stuck*: :meth:`StallWatchdog.stuck` says so after an answered probe, and the
shell reconnects then too (the replay ring asks again).

So a connection that stops carrying data without closing (half-open: no FIN, no RST) is detected within
``stall_after_s + probe_timeout_s`` of the last server message of an open turn (4.5 s with the defaults);
outside a turn the WebSocket keepalive of :mod:`desktop_app.live.genai_session` finds it (5 s + 5 s).

No clock, sleep or socket here: the caller passes ``now`` (monotonic seconds) to every call, on the loop
thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.core.events import Event, Interrupted, ToolCall, TurnComplete

__all__ = ["StallStats", "StallWatchdog"]


@dataclass(slots=True)
class StallStats:
    """Counters of one session's watchdog."""

    probes: int = 0  # probes started (a quiet open turn)
    probes_alive: int = 0  # probes the server answered (the model was only slow)
    stalls: int = 0  # probes that failed: the connection was dead and is replaced
    stuck: int = 0  # turns silent for max_quiet_s on a live link, asked again on a new connection
    detect_ms: list[float] = field(default_factory=list)  # last server message → stall declared, ms


class StallWatchdog:
    """Tracks whether a turn is open and how long the server has been quiet (loop thread only).

    Args:
        stall_after_s: quiet time within an open turn before a probe (> 0).
        probe_timeout_s: how long the shell waits for a probe's answer (> 0).
        max_quiet_s: quiet time within an open turn, on a live link, after which the turn counts as lost.
    """

    _MAX_SAMPLES = 1000

    def __init__(self, stall_after_s: float, probe_timeout_s: float, max_quiet_s: float = 15.0) -> None:
        if stall_after_s <= 0 or probe_timeout_s <= 0 or max_quiet_s <= 0:
            raise ValueError("stall_after_s, probe_timeout_s and max_quiet_s must be > 0")
        self.stall_after_s = stall_after_s
        self.probe_timeout_s = probe_timeout_s
        self.max_quiet_s = max_quiet_s
        self._silent_from = 0.0  # like _quiet_since, but an answered probe does not move it
        self.stats = StallStats()
        self._open = False
        self._quiet_since = 0.0  # the last server message, or the turn's start, whichever is later
        self._heard_at: float | None = None  # the last server message, for the detection time
        self._probing = False

    @property
    def turn_open(self) -> bool:
        return self._open

    def turn_opened(self, now: float) -> None:
        """A reply is owed: the user's turn ended, or a tool response went out."""
        if not self._open:
            self._open = True
            self._quiet_since = self._silent_from = now

    def heard(self, now: float, event: Event) -> None:
        """Any server message (call it for every one): the connection carries data."""
        self._quiet_since = self._silent_from = now
        self._heard_at = now
        if isinstance(event, TurnComplete | Interrupted | ToolCall):
            self._open = False

    def connected(self, now: float) -> None:
        """A new connection is live: no turn is open on it until the replay or the user opens one."""
        self._open = False
        self._probing = False
        self._quiet_since = self._silent_from = now
        self._heard_at = now

    def due(self, now: float) -> bool:
        """True when the shell must probe now (an open turn, quiet for ``stall_after_s``, no probe under
        way). The caller must then call :meth:`probe_started` and report the outcome."""
        return self._open and not self._probing and now - self._quiet_since >= self.stall_after_s

    def next_check_in(self, now: float) -> float | None:
        """Seconds until :meth:`due` may become true with no new input (None: only after input)."""
        if not self._open or self._probing:
            return None
        return max(0.0, self._quiet_since + self.stall_after_s - now)

    def probe_started(self) -> None:
        self._probing = True
        self.stats.probes += 1

    def probe_answered(self, now: float) -> None:
        """The connection is alive (the model is only slow): wait another ``stall_after_s``."""
        self._probing = False
        self.stats.probes_alive += 1
        self._quiet_since = now

    def stuck(self, now: float) -> bool:
        """After an answered probe: True when the open turn has been silent for ``max_quiet_s`` although
        the link is alive; the caller must reconnect (counted in ``stats.stuck``)."""
        if self._open and now - self._silent_from >= self.max_quiet_s:
            self.stats.stuck += 1
            return True
        return False

    def probe_failed(self, now: float) -> float:
        """The connection is dead. Returns the detection time in ms (last server message → now)."""
        self._probing = False
        self.stats.stalls += 1
        detect_ms = (now - (self._heard_at if self._heard_at is not None else now)) * 1000
        samples = self.stats.detect_ms
        if len(samples) >= self._MAX_SAMPLES:
            del samples[: self._MAX_SAMPLES // 2]
        samples.append(detect_ms)
        return detect_ms
