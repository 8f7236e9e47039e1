"""First run in a user's words (issue 18, part 6): the demo banner speaks to a person, links to a key and can
be dismissed for good; the pill says "Demo" while the emulator answers; voices carry their character."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.app_events import BackendInfo
from desktop_app.core.events import GoAway, SessionPhase, SessionState
from desktop_app.ui.connection_status import ConnectionStatus
from desktop_app.ui.window_memory import WindowMemory
from tests.ui.conftest import Harness


def test_the_demo_banner_speaks_to_a_person_and_stays_dismissed(harness: Harness, tmp_path: Path) -> None:
    w = harness.window
    harness.emit(BackendInfo("emulator", "m", notice="Offline demo: set GEMINI_API_KEY"))
    harness.wait(lambda: w.banner.isVisible())
    text = w.banner.text
    assert (
        "aistudio.google.com/apikey" in text and "https://aistudio.google.com/apikey" in w.banner._text.text()
    )
    for developer_word in ("GEMINI_API_KEY", "loopback", "emulator", "environment"):
        assert developer_word not in text, developer_word
    w.banner.close_button.click()
    assert not w.banner.isVisible()
    assert WindowMemory(tmp_path / "window.ini").demo_banner_dismissed, "remembered for the next run"
    harness.emit(BackendInfo("emulator", "m", notice="Offline demo"))  # e.g. after a settings change
    harness.emit(SessionState(SessionPhase.LIVE, "emulator"))
    harness.wait(lambda: w.pill.plain_text == "Demo")
    assert not w.banner.isVisible()


def test_a_dismissed_banner_stays_away_on_the_next_run(tmp_path: Path) -> None:
    memory = WindowMemory(tmp_path / "window.ini")
    assert not memory.demo_banner_dismissed
    memory.dismiss_demo_banner()
    assert WindowMemory(tmp_path / "window.ini").demo_banner_dismissed


def test_the_pill_says_demo_not_a_green_live_while_the_emulator_answers() -> None:
    status = ConnectionStatus()
    status.apply(SessionState(SessionPhase.LIVE, "emulator"), 0.0)
    assert (status.label(0.0).text, status.label(0.0).tone) == ("Live", "ok")
    status.demo = True
    label = status.label(0.0)
    assert (label.text, label.tone) == ("Demo", "busy") and "nothing reaches Gemini" in label.tooltip
    status.apply(GoAway(time_left_s=10.0), 0.0)
    assert status.label(0.0).text == "Demo · reconnecting in 10 s"


def test_the_window_pill_follows_the_backend(harness: Harness) -> None:
    w = harness.window
    harness.emit(BackendInfo("emulator", "m", notice="demo"), SessionState(SessionPhase.LIVE, "emulator"))
    harness.wait(lambda: w.pill.plain_text == "Demo")
    harness.emit(BackendInfo("gemini", "m"), SessionState(SessionPhase.LIVE, "gemini"))
    harness.wait(lambda: w.pill.plain_text == "Live")
    assert not w.banner.isVisible()


def test_voices_are_listed_with_their_documented_character(harness: Harness) -> None:
    dialog = harness.window.open_settings()
    voice = dialog.gemini.voice
    assert voice.itemText(voice.findData("Charon")) == "Charon — Informative"
    assert voice.itemText(voice.findData("Puck")) == "Puck — Upbeat (default)"
    assert voice.itemText(voice.findData("Kore")) == "Kore — Firm"
    dialog.reject()
