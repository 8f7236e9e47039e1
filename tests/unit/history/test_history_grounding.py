"""Google Search grounding in history: the sources of a reply are kept with its turn and in the Markdown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from desktop_app.core.clock import FakeClock
from desktop_app.core.events import Grounding, GroundingSource, Role, Transcript, TurnComplete
from desktop_app.history.export import to_markdown
from desktop_app.history.reader import load_session
from desktop_app.history.writer import HistoryWriter

A = GroundingSource("Weather [Paris]", "https://example.org/a")
B = GroundingSource("", "https://example.org/b")


def _recorded(tmp_path: Path) -> Path:
    clock = FakeClock()
    writer = HistoryWriter(tmp_path, backend="gemini", model="m", clock=clock, wall=lambda: datetime.now(UTC))
    path = writer.open()
    writer(Transcript(Role.USER, "search the weather", final=True))
    clock.advance(1.0)
    writer(Transcript(Role.MODEL, "Sunny today."))
    writer(Grounding(("weather Paris",), (A,)))
    writer(Grounding(("weather Paris",), (A, B)))  # a second piece repeats one source
    writer(TurnComplete())
    clock.advance(1.0)
    writer(Transcript(Role.USER, "thanks", final=True))
    writer(Transcript(Role.MODEL, "You're welcome."))
    writer(TurnComplete())
    writer.close()
    return path


def test_sources_are_kept_with_the_turn_they_grounded(tmp_path: Path) -> None:
    log = load_session(_recorded(tmp_path))
    first, second = log.turns
    assert first.search_queries == ["weather Paris"]
    assert first.sources == [("Weather [Paris]", "https://example.org/a"), ("", "https://example.org/b")]
    assert second.sources == [] and second.search_queries == []


def test_the_markdown_lists_the_sources_under_the_reply(tmp_path: Path) -> None:
    text = to_markdown(load_session(_recorded(tmp_path)))
    line = next(line for line in text.splitlines() if line.startswith("Sources:"))
    assert line == (
        "Sources: [Weather \\[Paris\\]](<https://example.org/a>), "
        "[https://example.org/b](<https://example.org/b>) (searched: weather Paris)"
    )
    assert text.index("Sunny today.") < text.index("Sources:") < text.index("thanks")
