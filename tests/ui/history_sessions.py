"""Past sessions for the history panel's tests, written by the real HistoryWriter with a fake clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from desktop_app.core.clock import FakeClock
from desktop_app.core.events import (
    ErrorEvent,
    Interrupted,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
    UsageUpdate,
)
from desktop_app.history import HistoryWriter

Exchange = tuple[str, str]


def write_session(
    directory: Path,
    started: datetime,
    exchanges: Sequence[Exchange],
    *,
    interrupt_last: bool = False,
    reconnect_after: int | None = None,
    error: str = "",
    finished: bool = True,
) -> Path:
    """One conversation of ``exchanges`` (user words, model words), a few seconds apart. Returns its file.
    ``finished=False`` leaves it as a crash mid-reply would: no end of the last turn, no session_end."""
    clock = FakeClock()
    writer = HistoryWriter(directory, backend="emulator", model="gemini-live-2.5-flash", clock=clock,
                           wall=lambda: started)  # fmt: skip
    path = writer.open()
    writer(SessionState(SessionPhase.CONNECTING, "emulator"))
    writer(SessionState(SessionPhase.LIVE, "emulator"))
    for number, (user, model) in enumerate(exchanges, 1):
        clock.advance(2.5)
        for word in user.split(" "):
            writer(Transcript(Role.USER, word + " "))
            clock.advance(0.3)
        writer(Transcript(Role.USER, "", final=True))
        clock.advance(0.6)
        for word in model.split(" "):
            writer(Transcript(Role.MODEL, word + " "))
            clock.advance(0.25)
        if interrupt_last and number == len(exchanges):
            writer(Interrupted())
        if not finished and number == len(exchanges):
            break  # the program died mid-reply
        writer(TurnComplete())
        writer(UsageUpdate(total_tokens=120 * number))
        if reconnect_after == number:
            clock.advance(1.0)
            writer(SessionState(SessionPhase.RECONNECTING, "ConnectionLostError (1006)"))
            clock.advance(0.8)
            writer(SessionState(SessionPhase.LIVE, "emulator"))
    if error:
        clock.advance(1.0)
        writer(ErrorEvent(error, code="test"))
    clock.advance(2.0)
    writer.close()
    if not finished:  # as if the program had died: everything but the closing session_end record
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        assert '"session_end"' in lines[-1]
        path.write_text("".join(lines[:-1]), encoding="utf-8")
    return path


LISBON = [
    (
        "What's the weather like in Lisbon this weekend?",
        "I can't look that up offline, but Lisbon in spring is mild, around twenty degrees.",
    ),
    ("And should I pack an umbrella?", "A light one wouldn't hurt; showers pass quickly there."),
]
SHOPPING = [
    ("Read me the shopping list again.", "Eggs, flour, two lemons, and coffee beans."),
    ("Add oat milk.", "Added oat milk. That makes five items."),
    ("Thanks, that's all.", "You're welcome. Enjoy your baking!"),
]
JITTER = [
    (
        "Explain what a jitter buffer does in one sentence.",
        "It holds incoming audio briefly so uneven arrival still plays back smoothly, and",
    )
]
STORY = [("Tell me a short story about a lighthouse.", "Once, on a rocky island, a keeper named Ada")]


def a_week_of_history(directory: Path, now: datetime) -> dict[str, Path]:
    """Four conversations over the last days (one reconnected, one interrupted, one cut short by a crash)."""
    return {
        "today": write_session(directory, now - timedelta(minutes=20), LISBON, reconnect_after=1),
        "yesterday": write_session(directory, now - timedelta(days=1, hours=2), SHOPPING),
        "monday": write_session(directory, now - timedelta(days=3, hours=5), JITTER, interrupt_last=True),
        "crashed": write_session(directory, now - timedelta(days=5), STORY, finished=False),
    }
