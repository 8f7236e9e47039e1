"""The window against a recording controller on a real loop thread: events render, controls send commands."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.config import Settings
from desktop_app.core.app_events import BackendInfo, InputState, RelayStatus, TurnLatency
from desktop_app.core.events import (
    ErrorEvent,
    GoAway,
    Interrupted,
    ModelAudio,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
    UsageUpdate,
    VoiceActivity,
)
from desktop_app.core.media_events import AudioLevels, FrameSent, PreviewFrame, VideoState, VideoStatus
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.secrets import KeyStore
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.ui.shortcut_keys import keys_of
from desktop_app.ui.theme import COLORS
from desktop_app.ui.widgets.transcript_view import bubble_look
from desktop_app.ui.window_app import WindowApp
from desktop_app.ui.window_memory import WindowMemory
from desktop_app.ui.window_ports import WindowPorts
from tests.ui.conftest import Harness
from tests.ui.desktop_urls import opened_urls
from tests.ui.fake_controller import RecordingController

OFFLINE = (
    "Offline demo: no GEMINI_API_KEY is set, so the built-in Live API emulator answers. "
    "Set GEMINI_API_KEY to talk to Gemini."
)


# --- building and starting ---------------------------------------------------------------------------


def test_the_window_builds_shows_and_starts_the_controller_on_the_loop_thread(harness: Harness) -> None:
    w = harness.window
    assert w.isVisible()
    assert w.windowTitle() == "Gemini Live"
    assert not w.windowIcon().isNull(), "the app icon from assets/icons is missing"
    assert w.shown_at is not None
    assert harness.controller.threads == {"test-loop"}, "commands must run on the loop thread"
    assert w.pill.plain_text == "Starting…"


def test_the_layout_fits_from_1024x700_to_full_hd(harness: Harness) -> None:
    w = harness.window
    minimum = w.minimumSizeHint()
    assert minimum.width() <= 1024 and minimum.height() <= 700, f"minimum size hint {minimum}"
    for width, height in ((1024, 700), (1920, 1080)):
        w.resize(width, height)
        harness.wait(lambda width=width, height=height: (w.width(), w.height()) == (width, height))
        QApplication.processEvents()
        buttons = w.controls.buttons()
        for b in buttons:
            if b.isVisible():
                assert b.width() >= b.minimumSizeHint().width(), f"{b.accessibleName()} is squeezed"
        assert w.video.height() >= 150 and w.transcript_view.height() >= 150
        assert w.composer.isVisible() and w.composer.width() > 200


# --- state -------------------------------------------------------------------------------------------


def test_connection_state_goes_connecting_live_closed(harness: Harness) -> None:
    w = harness.window
    harness.emit(SessionState(SessionPhase.CONNECTING, "emulator"))
    harness.wait(lambda: w.pill.plain_text == "Connecting…")
    harness.emit(SessionState(SessionPhase.LIVE, "emulator"))
    harness.wait(lambda: w.pill.plain_text == "Live")
    harness.emit(SessionState(SessionPhase.CLOSED, "The API key was refused."))
    harness.wait(lambda: w.pill.plain_text == "Closed")
    assert w.pill.toolTip() == "The API key was refused."
    assert ("system", "Session closed: The API key was refused.") in w.transcript_view.visible_texts()


def test_goaway_shows_a_countdown_then_reconnecting_then_live(harness: Harness) -> None:
    w = harness.window
    harness.emit(SessionState(SessionPhase.LIVE, "emulator"), GoAway(time_left_s=30.0))
    harness.wait(lambda: "reconnecting in" in w.pill.plain_text)
    assert re.fullmatch(r"Live · reconnecting in (29|30) s", w.pill.plain_text)
    assert w._tick.isActive(), "the countdown needs its one-second timer"
    harness.emit(SessionState(SessionPhase.RECONNECTING, "goAway"))
    harness.wait(lambda: w.pill.plain_text == "Reconnecting…")
    assert not w._tick.isActive()
    harness.emit(SessionState(SessionPhase.LIVE, "emulator"))
    harness.wait(lambda: w.pill.plain_text == "Live")
    texts = [text for kind, text in w.transcript_view.visible_texts() if kind == "system"]
    assert texts == ["Connection interrupted. Reconnecting…", "Reconnected. The conversation continues."]


def test_offline_banner_and_backend_label(harness: Harness) -> None:
    w = harness.window
    harness.emit(BackendInfo("emulator", "gemini-x", notice=OFFLINE))
    harness.wait(lambda: w.banner.isVisible())
    assert "aistudio.google.com/apikey" in w.banner.text, "the banner says where a key comes from"
    assert "GEMINI_API_KEY" not in w.banner.text and "loopback" not in w.banner.text
    assert w.backend_label.text() == "Offline emulator · gemini-x"
    w.banner.button.click()
    dialog = w.dialog
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    harness.qtbot.waitActive(dialog)
    assert dialog.tabs.currentIndex() == 0
    harness.wait(lambda: dialog.gemini.api_key.hasFocus())
    dialog.reject()
    harness.emit(BackendInfo("gemini", "gemini-x"))
    harness.wait(lambda: not w.banner.isVisible())
    assert w.backend_label.text() == "Gemini · gemini-x"


def test_latency_usage_and_voice_activity_show_in_the_status_bar(harness: Harness) -> None:
    s = harness.window.status
    harness.emit(
        TurnLatency(412.4),
        UsageUpdate(prompt_tokens=100, response_tokens=20, total_tokens=120),
        UsageUpdate(prompt_tokens=50, response_tokens=10, total_tokens=60),
        VoiceActivity(speaking=True),
    )
    harness.wait(lambda: s.speaking.text() != "")
    assert s.latency.text() == "Latency 412 ms"
    assert s.tokens.text() == "Tokens 60 (in 50 · out 10) · session 180"
    harness.emit(VoiceActivity(speaking=False))
    harness.wait(lambda: s.speaking.text() == "")


# --- conversation ------------------------------------------------------------------------------------


def test_transcript_streams_partials_into_final_turns(harness: Harness) -> None:
    w = harness.window
    harness.emit(
        Transcript(Role.USER, "What is "),
        Transcript(Role.USER, "this?", final=True),
        Transcript(Role.MODEL, "It looks"),
    )
    harness.wait(lambda: len(w.transcript_view.bubbles()) == 2)
    user, model = w.transcript_view.bubbles()
    assert user.text == "What is this?" and not bubble_look(user).dashed
    assert model.text == "It looks" and bubble_look(model).dashed, "a streaming reply looks open"
    harness.emit(TurnLatency(350.0), Transcript(Role.MODEL, " like a cup."), TurnComplete())
    harness.wait(lambda: not bubble_look(model).dashed)
    assert model.text == "It looks like a cup."
    assert "350 ms" in model.meta
    harness.emit(Transcript(Role.USER, "And now?", final=True))
    harness.wait(lambda: len(w.transcript_view.bubbles()) == 3)
    assert w.transcript_view.divider_texts() == ["Turn 1", "Turn 2"]


def test_an_interruption_is_visible_on_the_reply(harness: Harness) -> None:
    w = harness.window
    harness.emit(Transcript(Role.MODEL, "Let me tell you a long"), Interrupted(), TurnComplete())
    harness.wait(
        lambda: bool(w.transcript_view.bubbles()) and "interrupted" in w.transcript_view.bubbles()[0].meta
    )
    bubble = w.transcript_view.bubbles()[0]
    assert bubble_look(bubble).border == COLORS["warn"]
    assert bubble.text == "Let me tell you a long"


def test_typing_a_turn_shows_it_at_once_and_sends_it(harness: Harness) -> None:
    w = harness.window
    QTest.keyClicks(w.composer, "Describe the room")
    QTest.keyClick(w.composer, Qt.Key.Key_Return)
    assert w.composer.text() == ""
    assert w.transcript_view.visible_texts() == [("user", "Describe the room")]
    harness.wait_call("send_text", "Describe the room")
    w.send_button.click()  # an empty composer sends nothing
    QApplication.processEvents()
    assert harness.controller.names().count("send_text") == 1


def test_model_audio_never_crosses_the_bridge(harness: Harness) -> None:
    w = harness.window
    harness.emit(ModelAudio(b"\x00" * 960), TurnLatency(1.0))
    harness.wait(lambda: w.last_latency_ms == 1.0)
    assert "ModelAudio" not in w.events_seen


# --- media -------------------------------------------------------------------------------------------


def test_levels_render_and_only_the_newest_counts(harness: Harness) -> None:
    w = harness.window
    values = [AudioLevels(-60.0 + i * 0.1, -50.0, -40.0, -45.0) for i in range(300)]
    harness.emit(*values)
    harness.wait(lambda: w.last_levels is values[-1])
    assert w.mic_meter.rms_db == pytest.approx(values[-1].input_dbfs)
    assert w.speaker_meter.rms_db == -50.0
    assert w.events_seen["AudioLevels"] + harness.app.bridge.coalesced_dropped == len(values)


def _jpeg(width: int, height: int) -> bytes:
    frame = np.full((height, width, 3), (40, 120, 200), np.uint8)
    ok, data = cv2.imencode(".jpg", frame)
    assert ok
    return bytes(data)


def test_the_mirror_shows_the_last_frame_sent_with_count_and_size(harness: Harness) -> None:
    w = harness.window
    jpeg = _jpeg(640, 360)
    harness.emit(InputState(camera="0"), FrameSent(jpeg, 640, 360, len(jpeg), count=3))
    harness.wait(lambda: w.mirror.last is not None)
    assert w.mirror.caption == f"3 frames sent · Last: 640×360 · {len(jpeg) / 1024:.1f} KB"
    assert w.mirror._thumb.pixmap() is not None and not w.mirror._thumb.pixmap().isNull()
    assert w.status.frames.text() == "3 frames sent"


def test_preview_frames_show_only_while_vision_is_on(harness: Harness) -> None:
    w = harness.window
    frame = np.zeros((360, 640, 3), np.uint8)
    frame.setflags(write=False)
    harness.emit(PreviewFrame(frame, 640, 360, seq=1, captured_at=0.0), TurnLatency(2.0))
    harness.wait(lambda: w.last_latency_ms == 2.0)
    assert not w.video.has_frame, "a stray frame after vision went off must not show"
    harness.emit(InputState(camera="0"), PreviewFrame(frame, 640, 360, seq=2, captured_at=0.0))
    harness.wait(lambda: w.video.has_frame)
    assert w.vision_title.text() == "CAMERA"
    harness.emit(InputState(camera=None))
    harness.wait(lambda: not w.video.has_frame)


def test_an_unavailable_camera_offers_a_retry(harness: Harness) -> None:
    w = harness.window
    harness.emit(
        InputState(camera="0"),
        VideoStatus(VideoState.UNAVAILABLE, "camera 0", "Camera 0 is not connected."),
    )
    harness.wait(lambda: w.video._retry.isVisible())
    w.video._retry.click()
    harness.wait_call("retry_camera")
    harness.emit(VideoStatus(VideoState.LIVE, "camera 0", paused=True))
    harness.wait(lambda: not w.video._retry.isVisible())
    assert w.status.frames.text() == "Vision paused"


# --- errors ------------------------------------------------------------------------------------------


def test_errors_become_readable_notices_and_repeats_are_counted(harness: Harness) -> None:
    w = harness.window
    harness.emit(
        ErrorEvent("The camera is busy.", code="video"),
        ErrorEvent("The camera is busy.", code="video"),
        ErrorEvent("Connection lost; retrying.", code="live", retryable=True),
    )
    harness.wait(lambda: len(w.notices.notices()) == 2)
    first, second = w.notices.notices()
    assert first.text == "The camera is busy.  (×2)" and first.tone == "error"
    assert second.tone == "warning"
    first.close_button.click()
    harness.wait(lambda: len(w.notices.notices()) == 1)


@pytest.mark.allow_warnings("desktop_app.ui", "Muting the microphone raised")
def test_a_failing_command_is_a_notice_not_a_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    w = harness.window
    harness.controller.fail_next = "set_mic_muted"
    w.controls.mic.click()
    harness.wait(lambda: bool(w.notices.notices()))
    text = w.notices.notices()[0].text
    assert text == "Muting the microphone failed: set_mic_muted broke."
    assert "Traceback" not in text
    errors = [r for r in caplog.get_records("call") if r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors] == ["Muting the microphone raised"]


# --- controls ----------------------------------------------------------------------------------------


def share_in_picker(harness: Harness) -> None:
    """The share picker is open: wait for its choices, then press Share (the preselected screen)."""
    harness.wait(lambda: harness.window.screen_picker is not None)
    picker = harness.window.screen_picker
    harness.wait(lambda: picker.share_button.isEnabled())
    assert harness.controller.last("set_screen") is None or picker.isVisible()
    picker.share_button.click()


def test_each_control_sends_its_command(harness: Harness) -> None:
    w = harness.window
    c = w.controls
    c.mic.click()
    harness.wait_call("set_mic_muted", True)
    harness.wait(lambda: c.mic.text() == "Muted")
    c.camera.click()
    harness.wait_call("set_camera", "0")
    harness.wait(lambda: c.pause.isEnabled())
    c.pause.click()
    harness.wait_call("set_vision_paused", True)
    c.share.click()  # opens the picker: nothing is shared before its Share button
    share_in_picker(harness)
    harness.wait_call("set_screen", "1")
    harness.wait(lambda: c.share.isChecked() and not c.camera.isChecked())
    c.headphones.click()
    harness.wait_call("set_headphones", True)
    c.volume.setValue(150)
    harness.wait_call("set_volume", 1.5)
    c.ptt.click()
    harness.wait_call("set_push_to_talk", True)
    harness.wait(lambda: c.talk.isVisible())
    QTest.mousePress(c.talk, Qt.MouseButton.LeftButton)
    harness.wait_call("talk", True)
    QTest.mouseRelease(c.talk, Qt.MouseButton.LeftButton)
    harness.wait_call("talk", False)


def test_the_screen_menu_lists_monitors_and_shares_the_chosen_one(harness: Harness) -> None:
    c = harness.window.controls
    c.monitors_wanted.emit()
    harness.wait(lambda: len(c.monitors) == 2)
    labels = [a.text() for a in c.share.menu().actions()]
    assert labels == ["Screen 1 (1280×720)", "Screen 2 (1920×1080)"]
    c.share.menu().actions()[1].trigger()  # the picker opens with screen 2 chosen
    share_in_picker(harness)
    harness.wait_call("set_screen", "2")
    harness.wait(lambda: harness.window.vision_title.text() == "SCREEN")


def test_each_control_has_a_keyboard_shortcut(harness: Harness) -> None:
    w = harness.window
    w.activateWindow()
    harness.qtbot.waitActive(w)
    w.controls.mic.setFocus()
    expected = [
        ("mute", "set_mic_muted", (True,)),
        ("camera", "set_camera", ("0",)),
        ("pause_vision", "set_vision_paused", (True,)),
        ("headphones", "set_headphones", (True,)),
        ("push_to_talk", "set_push_to_talk", (True,)),
        ("volume_up", "set_volume", (1.1,)),
        ("talk_toggle", "set_listening", (True,)),  # Start talking
    ]
    for action, name, args in expected:
        QTest.keySequence(w, QKeySequence(keys_of(action)[0]))
        harness.wait_call(name, *args)
    QTest.keySequence(w, QKeySequence("Ctrl+D"))  # Google Meet's mute key mutes here too
    harness.wait_call("set_mic_muted", False)
    QTest.keySequence(w, QKeySequence(keys_of("composer")[0]))
    assert w.composer.hasFocus()
    QTest.keySequence(w, QKeySequence(keys_of("screen")[0]))  # last: the picker takes the keys
    share_in_picker(harness)
    harness.wait_call("set_screen", "1")


def test_space_is_push_to_talk_outside_the_text_box(harness: Harness) -> None:
    w = harness.window
    w.activateWindow()
    harness.qtbot.waitActive(w)
    w.controls.ptt.click()
    harness.wait(lambda: w.input_state.push_to_talk)
    w.transcript_view.setFocus()
    QTest.keyPress(w.transcript_view, Qt.Key.Key_Space)
    harness.wait_call("talk", True)
    QTest.keyPress(w.transcript_view, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, -1)
    QTest.keyRelease(w.transcript_view, Qt.Key.Key_Space)
    harness.wait_call("talk", False)
    assert harness.controller.names().count("talk") == 2, "a held key must not repeat the command"
    w.composer.setFocus()
    QTest.keyClick(w.composer, Qt.Key.Key_Space)
    assert w.composer.text() == " ", "in the text box Space is a space"
    assert harness.controller.names().count("talk") == 2


def test_the_controls_follow_what_the_controller_reports(harness: Harness) -> None:
    c = harness.window.controls
    harness.emit(InputState(mic_muted=True, screen="2", vision_paused=True, volume=0.5, headphones=True))
    harness.wait(lambda: c.mic.isChecked())
    assert c.share.isChecked() and not c.camera.isChecked()
    assert c.pause.isChecked() and c.headphones.isChecked()
    assert c.volume.value() == 50
    QApplication.processEvents()
    assert harness.controller.names() == ["start"], "showing state must not send commands back"


def test_relay_panel_shows_url_clients_and_opens_the_page(harness: Harness) -> None:
    w = harness.window
    harness.emit(RelayStatus("http://127.0.0.1:9080/", ("#1 http://127.0.0.1:9080", "#2 no origin")))
    harness.wait(lambda: w.relay_panel.url == "http://127.0.0.1:9080/")
    assert w.relay_panel._clients_label.text() == "2 connected"
    assert len(w.relay_panel.clients) == 2
    assert w.relay_panel._clients_label.toolTip().count("\n") == 1, "each browser's address in the tooltip"
    with opened_urls("http") as urls:
        w.relay_panel._open.click()
    assert [url.toString() for url in urls] == ["http://127.0.0.1:9080/"]


# --- settings ----------------------------------------------------------------------------------------


def test_settings_that_need_a_new_session_say_so_and_apply_on_save(harness: Harness) -> None:
    w = harness.window
    harness.emit(SessionState(SessionPhase.LIVE, "gemini"))  # the new session will be live too
    w.activateWindow()
    harness.qtbot.waitActive(w)
    QTest.keyClick(w, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    harness.wait(lambda: w.dialog is not None and w.dialog.isVisible())
    dialog = w.dialog
    assert dialog.reconnect_note.text() == ""
    dialog.video_relay.video_fps.setValue(2.0)
    assert dialog.reconnect_note.text() == "", "the frame rate applies without a new session"
    dialog.gemini.voice.setCurrentIndex(dialog.gemini.voice.findData("Kore"))
    assert "voice" in dialog.reconnect_note.text() and "reconnects" in dialog.reconnect_note.text()
    assert dialog.save_button.text() == "Save and reconnect"
    dialog.save_button.click()
    harness.wait(lambda: harness.controller.last("apply_settings") is not None)
    applied = harness.controller.last("apply_settings")[0]
    assert (applied.voice, applied.video_fps) == ("Kore", 2.0)
    harness.wait(lambda: any("new session" in n.text for n in w.notices.notices()))
    assert w.settings.voice == "Kore"


def test_a_typed_key_goes_to_the_keyring_and_is_never_shown_again(harness: Harness) -> None:
    w = harness.window
    dialog = w.open_settings()
    dialog.gemini.api_key.setText("AIzaSyTESTKEY-0123456789abcdefghijkWXYZ")
    dialog.save_button.click()
    store = harness.app._key_store
    harness.wait(lambda: store.load().key == "AIzaSyTESTKEY-0123456789abcdefghijkWXYZ")
    harness.wait(lambda: harness.controller.last("apply_settings") is not None)
    assert harness.controller.last("apply_settings")[0].api_key == "AIzaSyTESTKEY-0123456789abcdefghijkWXYZ"
    harness.wait(lambda: w._stored_key.key is not None)
    again = w.open_settings()
    assert again.gemini.api_key.text() == ""
    assert "••••WXYZ" in again.gemini.api_key.placeholderText()
    assert "AIza" not in again.gemini.api_key.placeholderText() + again.gemini.key_status.text()
    again.reject()


# --- shutdown ----------------------------------------------------------------------------------------


def test_closing_stops_the_controller_then_the_loop_and_leaves_no_threads(harness: Harness) -> None:
    before = {t.name for t in threading.enumerate()}
    assert "test-loop" in before
    with harness.qtbot.waitSignal(harness.app.finished, timeout=10_000):
        harness.window.close()
    assert harness.controller.names()[-1] == "stop"
    assert harness.app.clean
    assert not harness.window.isVisible()
    after = {t.name for t in threading.enumerate()}
    assert after == before - {"test-loop"} - {n for n in before if n.startswith("asyncio_")}


def test_closing_saves_the_geometry_beside_the_settings(harness: Harness) -> None:
    path = harness.window._memory.path
    assert not path.exists()
    harness.close()
    text = path.read_text(encoding="utf-8")
    assert "geometry=" in text and "splitter=" in text


def test_window_memory_round_trips_a_geometry(qtbot: QtBot, tmp_path: Path) -> None:
    memory = WindowMemory(tmp_path / "sub" / "window.ini")
    first, first_split = QMainWindow(), QSplitter()
    qtbot.addWidget(first)
    first.resize(700, 450)
    first_split.addWidget(QWidget())
    first_split.addWidget(QWidget())
    first_split.resize(500, 100)
    first_split.setSizes([100, 400])
    memory.save(first, first_split)
    second, second_split = QMainWindow(), QSplitter()
    qtbot.addWidget(second)
    second_split.addWidget(QWidget())
    second_split.addWidget(QWidget())
    assert memory.restore(second, second_split)
    assert (second.width(), second.height()) == (700, 450)
    assert second_split.saveState() == first_split.saveState()
    assert not WindowMemory(tmp_path / "none.ini").restore(QMainWindow(), QSplitter())


def test_a_screen_asked_for_at_launch_is_shared_once_the_controller_started(
    qtbot: QtBot, tmp_path: Path, key_store: KeyStore
) -> None:
    loop = LoopThread("screen-test-loop")
    made: list[RecordingController] = []

    def factory(s: Settings, publish: Any) -> RecordingController:
        made.append(RecordingController(s, publish, loop))
        return made[-1]

    app = WindowApp(
        Settings(),
        factory,
        WindowPorts(
            key_store=key_store,
            memory=WindowMemory(tmp_path / "w.ini"),
        ),
        loop=loop,
        screen="2",
    )
    app.start()
    try:
        qtbot.waitUntil(lambda: bool(made) and made[0].names()[:2] == ["start", "set_screen"])
        assert made[0].last("set_screen") == ("2",)
    finally:
        with qtbot.waitSignal(app.finished, timeout=10_000):
            app.window.close()
        app.window.deleteLater()
