"""Everything a resilient session decides without I/O: what a send and an event mean, what to pass on,
and the counters.

:class:`ResilientCore` joins the reconnect policy (:class:`~desktop_app.live.reconnect.ReconnectCore`),
the replay ring (:class:`~desktop_app.live.resilient_buffer.OutgoingBuffer`) and the statistics. The async
shell (:mod:`desktop_app.live.resilient_session`) only moves bytes and waits; it tells this core what
happened, with the time, and does what it answers. No sleeping, dialling, clock or socket here.

The caller must call, on the loop thread:

- :meth:`ResilientCore.sending` before a command goes out and :meth:`ResilientCore.sent` right after
  (with no await in between, so a replay never misses it);
- :meth:`ResilientCore.received` for every event from the server; it returns the event to pass on, or None
  for one the caller must not see (``goAway``, which is handled here; a reconnect's repeated
  ``SetupComplete``);
- :meth:`ResilientCore.replayed` for every entry sent again after a reconnect;
- :meth:`ResilientCore.live_again` once a reconnect is done, :meth:`ResilientCore.attempt_failed`,
  :meth:`ResilientCore.send_stalled` and :meth:`ResilientCore.opened` as they happen.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from desktop_app.core.audio_format import rms_dbfs
from desktop_app.core.commands import (
    ActivityEnd,
    ActivityStart,
    AudioStreamEnd,
    Command,
    ToolResponse,
    UserAudio,
    UserText,
    ends_user_turn,
)
from desktop_app.core.events import (
    FRESH_NOTICE,
    GoAway,
    LiveEvent,
    SessionPhase,
    SessionState,
    SetupComplete,
    VoiceActivity,
)
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import Reconnect, ReconnectCore, ReconnectPolicy, ReconnectReason
from desktop_app.live.resilient_buffer import BufferStats, Entry, OutgoingBuffer
from desktop_app.live.resilient_watchdog import StallStats, StallWatchdog

__all__ = ["ResilienceStats", "ResilientCore"]

log = logging.getLogger(__name__)

_MAX_GAP_SAMPLES = 1000


@dataclass(slots=True)
class ResilienceStats:
    """Counters of one resilient session (loop thread only; read them any time)."""

    connections: int = 0  # successful connections, the first included
    reconnects: int = 0  # successful reconnects
    go_away_reconnects: int = 0
    failure_reconnects: int = 0
    fresh_sessions: int = 0  # reconnects that could not resume and started a fresh, seeded session
    failed_attempts: int = 0  # connection attempts that failed
    stalled_sends: int = 0  # sends that took longer than send_timeout_s (a silent network loss)
    go_aways: int = 0
    gave_up: bool = False
    gaps_ms: list[float] = field(default_factory=list)  # newest last, at most 1000
    go_away_gaps_ms: list[float] = field(default_factory=list)
    failure_gaps_ms: list[float] = field(default_factory=list)
    buffer: BufferStats = field(default_factory=BufferStats)
    stall: StallStats = field(default_factory=StallStats)

    def record_gap(self, reason: ReconnectReason, gap_ms: float) -> None:
        for samples in (
            self.gaps_ms,
            self.go_away_gaps_ms if reason is ReconnectReason.GO_AWAY else self.failure_gaps_ms,
        ):
            if len(samples) >= _MAX_GAP_SAMPLES:
                del samples[: _MAX_GAP_SAMPLES // 2]
            samples.append(gap_ms)


class ResilientCore:
    """The policy, the replay ring and the counters of one resilient session (loop thread only)."""

    def __init__(
        self, policy: ReconnectPolicy, options: SessionOptions, rng: random.Random | None = None
    ) -> None:
        self.policy = policy
        self.reconnect = ReconnectCore(policy, options, rng)
        self.buffer = OutgoingBuffer(policy)
        self.watchdog = StallWatchdog(policy.stall_after_s, policy.probe_timeout_s, policy.max_quiet_s)
        self.stats = ResilienceStats(buffer=self.buffer.stats, stall=self.watchdog.stats)
        self._first_setup = True

    # --- sending ---------------------------------------------------------------------------------

    def sending(self, now: float, command: Command) -> bool:
        """``command`` is about to go out (or be kept for after the gap). Returns whether it is loud audio,
        to be passed to :meth:`sent`."""
        core, watchdog = self.reconnect, self.watchdog
        match command:
            case UserAudio(pcm):
                loud = rms_dbfs(pcm) > self.policy.speech_level_dbfs
                core.audio_sent(now, loud)
                return loud
            case UserText(text):
                core.user_text(text)
                core.user_turn_sent(now)
                watchdog.turn_opened(now)
            case AudioStreamEnd():
                if self.buffer.has_speech:
                    core.user_turn_sent(now)
                    watchdog.turn_opened(now)
            case ActivityStart() | ActivityEnd():
                core.user_activity(now, start=isinstance(command, ActivityStart))
                if isinstance(command, ActivityEnd):
                    watchdog.turn_opened(now)
            case ToolResponse():
                watchdog.turn_opened(now)
        return False

    def sent(self, command: Command, *, went_out: bool, loud: bool) -> None:
        """``command`` went out on the live connection (``went_out``) or could not (kept for the replay)."""
        self.buffer.record(command, sent=went_out, loud=loud)

    def replayed(self, now: float, entry: Entry) -> None:
        """``entry`` (from the buffer's ``take``) went out on the new connection."""
        self.buffer.mark_sent(entry)
        if ends_user_turn(entry.command):
            self.reconnect.user_turn_sent(now)
            self.watchdog.turn_opened(now)

    # --- receiving -------------------------------------------------------------------------------

    def received(self, now: float, event: LiveEvent, *, late: bool = False) -> LiveEvent | None:
        """One server event: the event to pass on, or None. ``late``: it arrived from a connection that
        has already failed (still part of the conversation, but its goAway and setup mean nothing)."""
        if self.reconnect.observe(now, event):
            self.buffer.acknowledge()
        if not late:
            self.watchdog.heard(now, event)
            if isinstance(event, VoiceActivity) and not event.speaking:
                self.watchdog.turn_opened(now)  # the server's end of speech: a reply is owed
        if isinstance(event, GoAway):
            if not late:
                self.stats.go_aways += 1
                log.info("live session: goAway (time left %s s)", event.time_left_s)
            return None
        if isinstance(event, SetupComplete):
            if late or not self._first_setup:
                return None
            self._first_setup = False
        return event

    # --- connections -----------------------------------------------------------------------------

    def opened(self, now: float) -> None:
        """A connection was opened (before any replay): no turn is open on it yet."""
        self.stats.connections += 1
        self.watchdog.connected(now)

    def attempt_failed(self) -> None:
        """A connection attempt (or the replay on it) failed."""
        self.stats.failed_attempts += 1

    def send_stalled(self) -> None:
        """A send took longer than ``send_timeout_s``."""
        self.stats.stalled_sends += 1

    def gave_up(self) -> None:
        self.stats.gave_up = True

    def live_again(self, now: float, gap_ms: float, first: Reconnect, last: Reconnect) -> SessionState:
        """A reconnect is done (``first`` decided it, ``last`` succeeded). Returns the LIVE state to show:
        its detail says how and how long; a fresh session carries :data:`FRESH_NOTICE` for people."""
        self.reconnect.connected(now)
        self.stats.reconnects += 1
        if first.reason is ReconnectReason.GO_AWAY:
            self.stats.go_away_reconnects += 1
        else:
            self.stats.failure_reconnects += 1
        if not last.resumed:
            self.stats.fresh_sessions += 1
        self.stats.record_gap(first.reason, gap_ms)
        if last.resumed:
            return SessionState(SessionPhase.LIVE, f"resumed the session after {gap_ms:.0f} ms")
        how = f"started a fresh session with {last.seeded_entries} recent transcript entries"
        notice = FRESH_NOTICE if last.seeded_entries else "Started a new session"
        return SessionState(SessionPhase.LIVE, f"{how} after {gap_ms:.0f} ms", notice)
