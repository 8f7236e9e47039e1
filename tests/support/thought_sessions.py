"""A past session of the extended-thinking model, written by the real HistoryWriter with a fake clock: thought
summaries before the answer, background work (IN_PROGRESS, a thought, IDLE) after ``turn_complete``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from desktop_app.core.clock import FakeClock
from desktop_app.core.events import (
    Interaction,
    InteractionUpdate,
    ModelThought,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
    UsageUpdate,
)
from desktop_app.history.writer import HistoryWriter


def extended_thinking_session(directory: Path) -> Path:
    clock = FakeClock()
    writer = HistoryWriter(directory, backend="emulator", model="gemini-3.8-live-extended-thinking",
                           clock=clock, wall=lambda: datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # fmt: skip
    path = writer.open()
    writer(SessionState(SessionPhase.LIVE, "emulator"))
    clock.advance(1.0)
    writer(Transcript(Role.USER, "Plan my week.", final=True))
    clock.advance(0.5)
    writer(ModelThought("Listing the days first."))
    writer(ModelThought("Then <the> meetings & calls."))
    clock.advance(0.5)
    writer(Transcript(Role.MODEL, "Working on it.", final=True))
    writer(TurnComplete())
    writer(InteractionUpdate(status=Interaction.IN_PROGRESS))
    writer(UsageUpdate(total_tokens=120, thoughts_tokens=20))
    clock.advance(2.0)
    writer(ModelThought("Still sorting Tuesday."))
    writer(InteractionUpdate(status=Interaction.IDLE))
    clock.advance(1.0)
    writer(Transcript(Role.USER, "Thanks.", final=True))
    writer(Transcript(Role.MODEL, "You are welcome.", final=True))
    writer(TurnComplete())
    writer.close()
    return path
