"""First run in a user's words (issue 18, part 6): the demo banner speaks to a person, links to a key and can
be dismissed for good; the pill says "Demo" while the emulator answers; voices carry their character."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.controller_api import KeyCheck
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


def test_enter_in_the_key_field_checks_and_saves_the_key(harness: Harness) -> None:
    w = harness.window
    dialog = w.open_settings()
    harness.qtbot.waitActive(dialog)
    dialog.gemini.api_key.setFocus()
    harness.qtbot.keyClicks(dialog.gemini.api_key, "AIzaSy-typed-and-entered-0000000000000")
    harness.qtbot.keyClick(dialog.gemini.api_key, Qt.Key.Key_Return)
    harness.wait(lambda: harness.controller.last("apply_settings") is not None)
    assert harness.controller.names().count("check_key") == 1, "checked once"
    assert harness.controller.names().count("apply_settings") == 1, "saved once"
    assert harness.controller.last("apply_settings")[0].api_key == "AIzaSy-typed-and-entered-0000000000000"


def test_a_key_gemini_refuses_is_said_in_the_dialog_and_not_saved(harness: Harness) -> None:
    w = harness.window
    refused = (
        "Gemini did not accept this key. The service said: API Key not found. Please pass a valid API key."
    )
    harness.controller.key_check = KeyCheck(checked=True, refused=True, message=refused)
    dialog = w.open_settings()
    dialog.gemini.api_key.setText("AIzaSy-bad-000000000000000000000000")
    dialog.save_button.click()
    harness.wait(lambda: dialog.gemini.key_problem.text().startswith("Gemini did not accept this key"))
    assert dialog.isVisible() and dialog.gemini.form.isRowVisible(dialog.gemini.key_problem)
    assert "aistudio.google.com/apikey" in dialog.gemini.key_problem.text()
    assert dialog.save_button.isEnabled() and harness.controller.last("apply_settings") is None
    assert harness.app._key_store.load().key is None, "a refused key is not stored"
    harness.controller.key_check = KeyCheck(
        checked=False, message="The key could not be checked now: offline."
    )
    dialog.gemini.api_key.setText("AIzaSy-good-but-offline-00000000000")
    assert not dialog.gemini.form.isRowVisible(dialog.gemini.key_problem), "editing clears the complaint"
    dialog.save_button.click()
    harness.wait(lambda: harness.controller.last("apply_settings") is not None)
    harness.wait(lambda: any("not checked" in n.text for n in w.notices.notices()))


def test_preview_is_offered_only_with_a_key(harness: Harness) -> None:
    w = harness.window
    dialog = w.open_settings()  # no key in this run
    preview = dialog.gemini.preview
    assert not preview.isEnabled() and "API key" in preview.toolTip()
    dialog.reject()
    w.settings = dataclasses.replace(w.settings, api_key="AIzaSy-a-key-000000000000000000000")
    dialog = w.open_settings()
    preview = dialog.gemini.preview
    assert preview.isEnabled()
    dialog.gemini.voice.setCurrentIndex(dialog.gemini.voice.findData("Kore"))
    harness.controller.preview_result = "The preview could not play: no connection."
    preview.click()
    harness.wait_call("preview_voice", "Kore")
    harness.wait(lambda: dialog.gemini.preview_note.text() == "The preview could not play: no connection.")
    assert preview.isEnabled() and preview.text() == "Preview"
    dialog.reject()
