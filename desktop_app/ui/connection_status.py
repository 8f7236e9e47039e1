"""What the connection indicator says, from session events and the clock. Pure (no Qt, no timers).

Feed :class:`SessionState` and :class:`GoAway` to :meth:`ConnectionStatus.apply`; ask :meth:`label` with the
current monotonic time. After a ``GoAway`` the label counts down to the server's cut ("reconnecting in
12 s"); :meth:`needs_ticks` tells the view whether to keep a one-second timer running.

Models that keep working after their turn (extended thinking) send :class:`InteractionUpdate`: feed it too.
From IN_PROGRESS until IDLE the label says "working in the background" (:attr:`ConnectionStatus.working`);
``waiting_for_input`` says "waiting for you" until the user speaks (:class:`VoiceActivity`) or a new status.

While the built-in emulator answers (:attr:`ConnectionStatus.demo`, set by the window from ``BackendInfo``)
a live session reads "Demo" (in blue), never a green "Live": nothing reaches Gemini.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop_app.core.events import (
    Event,
    GoAway,
    Interaction,
    InteractionUpdate,
    SessionPhase,
    SessionState,
    VoiceActivity,
)

__all__ = ["ConnectionStatus", "StatusLabel"]

_DEMO_TIP = (
    "The offline demo answers: it plays back what it hears, and nothing reaches Gemini. "
    "Add an API key in Settings to talk to Gemini."
)


@dataclass(frozen=True, slots=True)
class StatusLabel:
    """``tone`` is one of ``idle``, ``busy``, ``ok``, ``warn``, ``bad`` (the view picks colours)."""

    text: str
    tone: str
    tooltip: str = ""


class ConnectionStatus:
    def __init__(self) -> None:
        self.phase: SessionPhase | None = None
        self.detail = ""
        self.notice = ""  # SessionState.notice: a sentence for people, shown as the label when set
        self._goaway_deadline: float | None = None
        self._goaway_unknown = False
        self.working = False  # the model works in the background (IN_PROGRESS, not yet IDLE)
        self.waiting_for_input = False  # the model expects the user to go on
        self.demo = False  # the offline emulator answers: "Demo" instead of "Live"

    def apply(self, event: Event, now: float) -> bool:
        """Take an event; True when the label may have changed."""
        if isinstance(event, SessionState):
            self.phase = event.phase
            self.detail = event.detail
            self.notice = event.notice
            if event.phase is not SessionPhase.LIVE:
                self._goaway_deadline = None
                self._goaway_unknown = False
                self.working = self.waiting_for_input = False  # the work ends with the connection
            return True
        if isinstance(event, InteractionUpdate):
            if event.status is not None:
                self.working = event.status is Interaction.IN_PROGRESS
            self.waiting_for_input = event.waiting_for_input
            return True
        if isinstance(event, VoiceActivity) and event.speaking and self.waiting_for_input:
            self.waiting_for_input = False
            return True
        if isinstance(event, GoAway):
            if event.time_left_s is None:
                self._goaway_unknown = True
                self._goaway_deadline = None
            else:
                self._goaway_deadline = now + max(0.0, event.time_left_s)
                self._goaway_unknown = False
            return True
        return False

    def needs_ticks(self) -> bool:
        return self._goaway_deadline is not None

    def seconds_left(self, now: float) -> int | None:
        if self._goaway_deadline is None:
            return None
        return max(0, math.ceil(self._goaway_deadline - now))

    def label(self, now: float) -> StatusLabel:
        phase = self.phase
        if phase is None:
            return StatusLabel("Starting…", "idle")
        if phase is SessionPhase.CONNECTING:
            return StatusLabel("Connecting…", "busy", self.detail)
        if phase is SessionPhase.RECONNECTING:
            return StatusLabel(self.notice or "Reconnecting…", "warn", self.detail)
        if phase is SessionPhase.CLOSED:
            return StatusLabel("Closed", "bad", self.detail or "The session is closed.")
        live, tone = ("Demo", "busy") if self.demo else ("Live", "ok")  # the demo is never a green "Live"
        left = self.seconds_left(now)
        if left is not None:
            return StatusLabel(
                f"{live} · reconnecting in {left} s",
                "warn",
                "The server asked to end this connection; the session resumes on a new one.",
            )
        if self._goaway_unknown:
            return StatusLabel(f"{live} · reconnecting soon", "warn")
        if self.working:
            return StatusLabel(
                f"{live} · working in the background",
                "busy",
                "The model is still thinking or running tools after its reply; more may follow.",
            )
        if self.waiting_for_input:
            return StatusLabel(f"{live} · waiting for you", tone, "The model expects you to go on.")
        if self.demo:
            return StatusLabel("Demo", tone, _DEMO_TIP)
        return StatusLabel("Live", tone, self.detail)
