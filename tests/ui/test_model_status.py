"""What the window shows of a model's work: "working in the background" from IN_PROGRESS until IDLE and
"waiting for you", "hearing you" while the server hears speech, thought summaries collapsed in the transcript
(opened by click or keyboard), and the token counts, context gauge and estimated cost following
UsageUpdate."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings
from desktop_app.core.events import (
    BackendInfo,
    Interaction,
    InteractionUpdate,
    ModalityTokens,
    ModelThought,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
    UsageUpdate,
    VoiceActivity,
)
from desktop_app.live.models import model_spec
from desktop_app.ui.connection_status import ConnectionStatus
from desktop_app.ui.transcript_model import EntryKind, TranscriptModel
from desktop_app.ui.usage_status import UsageStatus
from desktop_app.ui.widgets.transcript_view import TranscriptView
from tests.ui.conftest import Harness

EXTENDED = "gemini-3.8-live-extended-thinking"


# --- the pure view models ------------------------------------------------------------------------


def test_background_work_shows_from_in_progress_until_idle() -> None:
    status = ConnectionStatus()
    status.apply(SessionState(SessionPhase.LIVE), 0.0)
    assert status.label(0.0).text == "Live"
    status.apply(InteractionUpdate(status=Interaction.IN_PROGRESS), 0.0)
    assert status.working and status.label(0.0).text == "Live · working in the background"
    assert status.label(0.0).tone == "busy"
    status.apply(InteractionUpdate(waiting_for_input=True), 0.0)  # no status: the work goes on
    assert status.label(0.0).text == "Live · working in the background"
    status.apply(InteractionUpdate(status=Interaction.IDLE, waiting_for_input=True), 0.0)
    assert not status.working and status.label(0.0).text == "Live · waiting for you"
    status.apply(VoiceActivity(speaking=True), 0.0)
    assert status.label(0.0).text == "Live"
    status.apply(InteractionUpdate(status=Interaction.IN_PROGRESS), 0.0)
    status.apply(SessionState(SessionPhase.RECONNECTING), 0.0)  # the work ends with the connection
    status.apply(SessionState(SessionPhase.LIVE), 0.0)
    assert not status.working and status.label(0.0).text == "Live"


def test_thoughts_join_into_one_entry_closed_by_the_answer() -> None:
    model = TranscriptModel()
    model.apply(Transcript(Role.USER, "Why?", final=True))
    model.apply(ModelThought("Weighing "))
    model.apply(ModelThought("the options."))
    model.apply(Transcript(Role.MODEL, "Because."))
    thought, answer = model.entries[1:]
    assert (thought.kind, thought.text, thought.final) == (EntryKind.THOUGHT, "Weighing the options.", True)
    assert answer.kind is EntryKind.MODEL and thought.turn == answer.turn == 1


def test_a_thought_after_the_turn_belongs_to_that_turn_and_closes_at_idle() -> None:
    model = TranscriptModel()
    model.apply(Transcript(Role.MODEL, "Let me check.", final=True))
    model.apply(TurnComplete())
    model.apply(InteractionUpdate(status=Interaction.IN_PROGRESS))
    model.apply(ModelThought("Still checking."))
    background = model.entries[-1]
    assert background.kind is EntryKind.THOUGHT and background.turn == 1 and not background.final
    changes = model.apply(InteractionUpdate(status=Interaction.IDLE))
    assert [c.entry for c in changes] == [background] and background.final
    model.apply(Transcript(Role.USER, "Next", final=True))
    assert model.entries[-1].turn == 2  # the background thought opened no empty turn


def test_a_thought_opening_a_turn_belongs_to_that_turn() -> None:
    model = TranscriptModel()  # no background work: a thought before the user's words opens turn 2
    model.apply(Transcript(Role.MODEL, "Hello.", final=True))
    model.apply(TurnComplete())
    model.apply(ModelThought("They might ask about the weather."))
    model.apply(Transcript(Role.USER, "Weather?", final=True))
    assert [(e.kind, e.turn) for e in model.entries[1:]] == [(EntryKind.THOUGHT, 2), (EntryKind.USER, 2)]


def test_usage_follows_the_models_rules_with_thoughts_and_tools_apart() -> None:
    usage = UsageStatus("gemini-3.8-live")
    assert usage.tokens_text == "Tokens —" and usage.cost_text == "≈ $0.0000 (estimate)"
    usage.apply(UsageUpdate(prompt_tokens=1000, response_tokens=200, total_tokens=1260, thoughts_tokens=40,
                            tool_use_prompt_tokens=20))  # fmt: skip
    usage.apply(UsageUpdate(prompt_tokens=500, response_tokens=100, total_tokens=600))
    assert usage.tokens_text == "Tokens 600 (in 500 · out 100) · session 1,860"  # per-turn reports add up
    assert "thoughts 40 · tool use 20" in usage.tokens_tooltip
    trigger = model_spec("gemini-3.8-live").compression_trigger_tokens
    assert usage.gauge_fraction == pytest.approx(1860 / trigger)
    assert "compression trigger" in usage.gauge_tooltip
    assert "estimate" in usage.cost_text and "not a bill" in usage.cost_tooltip
    before = usage.cost_text
    usage.set_prices(100.0, 100.0)
    assert usage.cost_text != before and "input text 100" in usage.cost_tooltip
    assert "prices from settings" in usage.cost_tooltip
    usage.set_model(EXTENDED)
    assert usage.tokens_text == "Tokens —" and usage.gauge_fraction == 0.0  # a new model: a new count


# --- the transcript view: a disclosure ---------------------------------------------------------------


def _view(qtbot: QtBot) -> TranscriptView:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_thought_renders_collapsed_and_opens_by_click_and_keyboard(qtbot: QtBot) -> None:
    view, model = _view(qtbot), TranscriptModel()
    view.apply(model.apply(ModelThought("First I weigh the options, then I pick one.")))
    view.apply(model.apply(Transcript(Role.MODEL, "Option two.", final=True)))
    [row] = view.thoughts()
    number = view.rows().index(row)
    assert not row.expanded and "weigh" not in row.text and "Thoughts (9 words)" in row.text
    collapsed_height = view.visualRect(view.model().index(number, 0)).height()
    QTest.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(view.model().index(number, 0)).center(),
    )
    assert row.expanded and row.text == "First I weigh the options, then I pick one."
    QApplication.processEvents()
    assert view.visualRect(view.model().index(number, 0)).height() >= collapsed_height
    assert view.focusPolicy() & Qt.FocusPolicy.TabFocus  # reachable without a mouse
    view.setFocus()
    view.setCurrentIndex(view.model().index(number, 0))
    QTest.keyClick(view, Qt.Key.Key_Return)
    assert not row.expanded
    QTest.keyClick(view, Qt.Key.Key_Space)
    assert row.expanded
    view.setCurrentIndex(view.model().index(number + 1, 0))  # the answer is no disclosure
    assert not view.toggle(number + 1)


# --- the window ---------------------------------------------------------------------------------------


@pytest.fixture
def settings() -> Settings:
    return Settings(backend="emulator", video_source=None, model=EXTENDED, include_thoughts=True)


def test_the_window_shows_background_work_and_hearing_you(harness: Harness) -> None:
    w = harness.window
    harness.emit(SessionState(SessionPhase.LIVE, "emulator"))
    harness.wait(lambda: w.pill.plain_text == "Live")
    harness.emit(TurnComplete(), InteractionUpdate(status=Interaction.IN_PROGRESS))
    harness.wait(lambda: w.pill.plain_text == "Live · working in the background")
    assert w.snapshot()["working_in_background"] is True
    harness.emit(InteractionUpdate(status=Interaction.IDLE))
    harness.wait(lambda: w.pill.plain_text == "Live")
    assert w.snapshot()["working_in_background"] is False
    harness.emit(VoiceActivity(speaking=True))
    harness.wait(lambda: w.status.speaking.text() == "● hearing you")
    assert w.snapshot()["hearing_you"] is True
    harness.emit(VoiceActivity(speaking=False))
    harness.wait(lambda: w.status.speaking.text() == "")
    harness.emit(VoiceActivity(speaking=True), SessionState(SessionPhase.RECONNECTING, "drop"))
    harness.wait(lambda: w.pill.plain_text == "Reconnecting…")
    assert w.status.speaking.text() == ""  # nobody is heard over a lost connection


def test_thoughts_show_collapsed_in_the_window(harness: Harness) -> None:
    w = harness.window
    harness.emit(ModelThought("Thinking it over."), Transcript(Role.MODEL, "Done.", final=True))
    harness.wait(lambda: len(w.transcript_view.bubbles()) == 2)
    [thought] = w.transcript_view.thoughts()
    assert not thought.expanded and "Thinking it over." not in thought.text
    assert [e["kind"] for e in w.snapshot()["transcript"]] == ["thought", "model"]


def test_the_gauge_and_cost_follow_usage_updates(harness: Harness) -> None:
    s = harness.window.status
    harness.emit(BackendInfo("emulator", EXTENDED, notice="offline"))
    harness.emit(SessionState(SessionPhase.CONNECTING, "emulator"))
    assert s.gauge.value() == 0
    harness.emit(
        UsageUpdate(
            prompt_tokens=20_000,
            response_tokens=1_000,
            total_tokens=21_500,
            thoughts_tokens=500,
            prompt_details=(ModalityTokens("AUDIO", 20_000),),
            response_details=(ModalityTokens("AUDIO", 1_000),),
        )
    )
    harness.wait(lambda: s.gauge.value() > 0)
    trigger = model_spec(EXTENDED).compression_trigger_tokens
    assert s.gauge.value() == round(21_500 / trigger * 1000)
    assert s.gauge.format() == f"Context {21_500 / trigger:.0%}"
    assert "thoughts 500" in s.tokens.text()
    first = s.cost.text()
    assert first.startswith("≈ $") and first.endswith("(estimate)") and first != "≈ $0.0000 (estimate)"
    assert "not a bill" in s.cost.toolTip() and "US$ per million tokens" in s.cost.toolTip()
    harness.emit(UsageUpdate(prompt_tokens=10_000, response_tokens=0, total_tokens=10_000))
    harness.wait(lambda: s.cost.text() != first)
    assert harness.window.snapshot()["session_tokens"] == 31_500
    harness.emit(SessionState(SessionPhase.CONNECTING, "emulator"))  # a new session counts from zero
    harness.wait(lambda: s.gauge.value() == 0)
    assert s.tokens.text() == "Tokens —"
