"""The reconnect policy as a sans-I/O core: it is told what happened and answers what to do next.

:class:`ReconnectCore` never sleeps, dials or reads a clock; the async shell
(:mod:`desktop_app.live.resilient_session`) feeds it the server's events, what was sent, failures and the
time, and carries out the :class:`Reconnect` or :class:`GiveUp` decisions it returns.

What it decides (DESIGN.md §5 and §3.7, research/protocol.md §2.8–§2.10):

- **Handles.** The newest resumable handle is kept (``ResumptionUpdate`` with ``resumable`` and a handle);
  a handle that the server refused (:class:`SessionNotFoundError`) is forgotten.
- **goAway.** The server will cut the connection after ``timeLeft``. The core waits for a *quiet moment*
  (no model turn under way, no reply awaited, the user not speaking, and a handle issued after the last turn
  boundary, so resuming loses nothing) and reconnects then; if none comes before ``timeLeft -
  go_away_margin_s``, it reconnects at that deadline anyway.
- **Failures.** Retryable closes (1011, 1006, network errors) are retried: the first at once, later ones
  after an exponential backoff with jitter, up to ``max_failures`` failures in a row; a connection that
  stayed up ``stable_after_s`` resets the count. Fatal ones (1007, 1008 model/policy, a bad key) give up at
  once: they never loop.
- **Fresh sessions.** With no handle (yet), or after a refused handle, the next connection is a fresh
  session whose system instruction carries the recent transcript (:mod:`.resilient_context`).
- **Acknowledged input.** :meth:`ReconnectCore.observe` says when the server has answered or saved what
  it heard (a turn ended, or a handle arrived between turns), so the shell may forget the input it keeps
  for replay (:meth:`OutgoingBuffer.acknowledge` keeps an utterance still in progress).
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, replace

from desktop_app.core.errors import LiveError, SessionNotFoundError
from desktop_app.core.events import (
    Event,
    GenerationComplete,
    GoAway,
    Interrupted,
    ModelAudio,
    ModelText,
    ResumptionUpdate,
    Role,
    ToolCall,
    Transcript,
    TurnComplete,
    VoiceActivity,
)
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect_policy import ReconnectPolicy
from desktop_app.live.resilient_context import RecentTranscript

__all__ = [
    "GiveUp",
    "Reconnect",
    "ReconnectCore",
    "ReconnectGaveUpError",
    "ReconnectPolicy",
    "ReconnectReason",
]


class ReconnectReason(enum.StrEnum):
    GO_AWAY = "go_away"
    FAILURE = "failure"
    HANDLE_REFUSED = "handle_refused"


@dataclass(frozen=True, slots=True)
class Reconnect:
    """Close the current connection (if any), wait ``delay_s``, then connect with ``options``.

    ``resumed`` is True when ``options`` carries a resumption handle; otherwise it is a fresh session
    seeded with ``seeded_entries`` entries of recent transcript.
    """

    options: SessionOptions
    delay_s: float
    reason: ReconnectReason
    detail: str
    attempt: int
    resumed: bool
    seeded_entries: int = 0


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop: raise ``error`` from the session's event stream."""

    error: LiveError


class ReconnectGaveUpError(LiveError):
    """Retryable failures kept coming and the cap was reached. Not retryable itself: the caller must not
    loop on it. ``attempts`` failures happened in a row; ``last`` is the final one."""

    kind = "reconnect_gave_up"
    retryable = False

    def __init__(self, attempts: int, last: LiveError) -> None:
        super().__init__(
            f"The connection to the Live API failed {attempts} times in a row; giving up. Last error: {last}",
            code=last.code,
            reason=last.reason,
        )
        self.attempts = attempts
        self.last = last


class ReconnectCore:
    """The reconnect state of one resilient session (loop thread only; no I/O, no clock).

    Args:
        policy: the knobs.
        options: what the caller opened the session with (the base for every reconnect).
        rng: randomness for the backoff jitter (tests pass a seeded one).
    """

    def __init__(
        self, policy: ReconnectPolicy, options: SessionOptions, rng: random.Random | None = None
    ) -> None:
        self.policy = policy
        self.base_options = options
        self.transcript = RecentTranscript(policy.context_max_entries, policy.context_max_chars)
        self._rng = rng or random.Random()
        self.handle: str | None = options.resume_handle
        self.failures = 0
        self._connected_at: float | None = None
        self._go_away_deadline: float | None = None
        # quiet-moment tracking
        self._model_busy = False
        self._awaiting_reply_since: float | None = None
        self._server_says_speaking = False
        self._manual_speaking = False
        self._last_loud_at: float | None = None
        self._events_seen = 0
        self._last_boundary_seq = 0
        self._handle_seq = 0 if options.resume_handle is None else -1

    # --- facts -----------------------------------------------------------------------------------

    @property
    def go_away_pending(self) -> bool:
        return self._go_away_deadline is not None

    def user_silent(self, now: float) -> bool:
        """No loud microphone block for ``quiet_hold_s`` and the server does not hear speech."""
        if self._server_says_speaking or self._manual_speaking:
            return False
        return self._last_loud_at is None or now - self._last_loud_at >= self.policy.quiet_hold_s

    def awaiting_reply(self, now: float) -> bool:
        since = self._awaiting_reply_since
        return since is not None and now - since < self.policy.reply_wait_s

    def quiet(self, now: float) -> bool:
        """A moment where reconnecting loses nothing: between turns, nothing awaited, nobody speaking,
        and the newest handle was issued after the last turn boundary."""
        return (
            not self._model_busy
            and not self.awaiting_reply(now)
            and self.user_silent(now)
            and self.handle is not None
            and self._handle_seq > self._last_boundary_seq
        )

    # --- inputs ----------------------------------------------------------------------------------

    def connected(self, now: float) -> None:
        """A connection is open (the first one, or a reconnect). Turn state starts clean."""
        self._connected_at = now
        self._go_away_deadline = None
        self._model_busy = False
        self._server_says_speaking = False

    def observe(self, now: float, event: Event) -> bool:
        """Take one server event. True at an acknowledgement point: a turn ended, or a handle arrived while
        no turn was under way, so the server has answered or saved what it heard until now (the shell may
        then forget the input it keeps for replay, except an utterance still in progress)."""
        self._events_seen += 1
        self.transcript.observe(event)
        if isinstance(event, ResumptionUpdate):
            if event.resumable and event.handle:
                self.handle = event.handle
                self._handle_seq = self._events_seen
                return not self._model_busy and not self.awaiting_reply(now)
            return False
        if isinstance(event, TurnComplete):
            self._model_busy = False
            self._awaiting_reply_since = None
            self._last_boundary_seq = self._events_seen
            return True
        if isinstance(event, ModelAudio | ModelText | GenerationComplete | ToolCall | Interrupted):
            self._model_busy = True
            self._awaiting_reply_since = None
        elif isinstance(event, Transcript):
            if event.role is Role.MODEL:
                self._model_busy = True
                self._awaiting_reply_since = None
            elif not self._model_busy:
                self._awaiting_reply_since = now
        elif isinstance(event, VoiceActivity):
            self._server_says_speaking = event.speaking
            if not event.speaking and not self._model_busy:
                self._awaiting_reply_since = now
        elif isinstance(event, GoAway):
            left = event.time_left_s if event.time_left_s is not None else self.policy.default_time_left_s
            self._go_away_deadline = now + max(0.0, left - self.policy.go_away_margin_s)
        return False

    def audio_sent(self, now: float, loud: bool) -> None:
        """A microphone block went out (or was buffered); ``loud`` = above ``speech_level_dbfs``."""
        if loud:
            self._last_loud_at = now

    def user_activity(self, now: float, *, start: bool) -> None:
        """An explicit activity start/end was sent (sessions with server VAD disabled)."""
        self._manual_speaking = start
        if not start:
            self.user_turn_sent(now)

    def user_turn_sent(self, now: float) -> None:
        """A typed turn (or an explicit end of the user's audio) went out: a reply is awaited."""
        if not self._model_busy:
            self._awaiting_reply_since = now

    def user_text(self, text: str) -> None:
        """Remember a typed turn for the context of a fresh session."""
        self.transcript.add_user_text(text)

    # --- decisions -------------------------------------------------------------------------------

    def poll(self, now: float) -> Reconnect | None:
        """After a ``goAway``: a :class:`Reconnect` once a quiet moment or the deadline has come."""
        deadline = self._go_away_deadline
        if deadline is None:
            return None
        at_deadline = now >= deadline
        if not (self.quiet(now) or at_deadline):
            return None
        self._reset_if_stable(now)  # a planned reconnect after a good run starts a clean count
        quiet = self.quiet(now)
        remaining = max(0.0, deadline - now) + self.policy.go_away_margin_s
        when = "at a quiet moment" if quiet else "before the deadline"
        detail = f"the server will close the connection in {remaining:.1f} s (goAway); reconnecting {when}"
        self._go_away_deadline = None
        return self._reconnect(ReconnectReason.GO_AWAY, detail, delay_s=0.0, attempt=1)

    def next_poll_in(self, now: float, tick_s: float = 0.1) -> float | None:
        """Seconds until :meth:`poll` may change its answer with no new input (None: only on input)."""
        if self._go_away_deadline is None:
            return None
        return max(0.0, min(tick_s, self._go_away_deadline - now))

    def failed(self, now: float, error: LiveError) -> Reconnect | GiveUp:
        """The connection failed, or an attempt to open one did. Retry, start fresh, or give up."""
        self._reset_if_stable(now)
        self._connected_at = None
        self._go_away_deadline = None
        if isinstance(error, SessionNotFoundError):
            if self.handle is None:
                return GiveUp(error)  # refused without a handle: nothing left to try
            self.handle = None
            detail = "the previous session could not be resumed; starting a fresh one with the recent context"
            return self._reconnect(ReconnectReason.HANDLE_REFUSED, detail, delay_s=0.0, attempt=1)
        if not error.retryable:
            return GiveUp(error)
        self.failures += 1
        if self.failures > self.policy.max_failures:
            return GiveUp(ReconnectGaveUpError(self.failures - 1, error))
        delay = self.policy.backoff_s(self.failures, self._rng)
        code = f" ({error.code})" if error.code is not None else ""
        detail = (
            f"{type(error).__name__}{code}: {error.reason or error}; reconnecting, attempt "
            f"{self.failures} of {self.policy.max_failures}" + (f" in {delay:.1f} s" if delay > 0 else "")
        )
        return self._reconnect(ReconnectReason.FAILURE, detail, delay_s=delay, attempt=self.failures)

    def first_connect_failed(self, now: float, error: LiveError) -> Reconnect | GiveUp:
        """The very first connection failed: retried only with ``retry_first_connect``."""
        if not self.policy.retry_first_connect:
            return GiveUp(error)
        return self.failed(now, error)

    # --- helpers ---------------------------------------------------------------------------------

    def _reset_if_stable(self, now: float) -> None:
        """The current connection has been up ``stable_after_s``: earlier failures no longer count."""
        if self._connected_at is not None and now - self._connected_at >= self.policy.stable_after_s:
            self.failures = 0

    def _reconnect(self, reason: ReconnectReason, detail: str, *, delay_s: float, attempt: int) -> Reconnect:
        if self.handle is not None:
            options = self.base_options.resuming(self.handle)
            return Reconnect(options, delay_s, reason, detail, attempt, resumed=True)
        seeded = self.transcript.seed_instruction(self.base_options.system_instruction)
        options = _fresh(self.base_options, seeded.instruction)
        return Reconnect(
            options, delay_s, reason, detail, attempt, resumed=False, seeded_entries=seeded.entries
        )


def _fresh(options: SessionOptions, instruction: str | None) -> SessionOptions:
    return replace(options, resume_handle=None, system_instruction=instruction)
