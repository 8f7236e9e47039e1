"""Nothing is sent without a deliberate act (issue 18), in the window: it starts idle behind "Start
talking", a share is chosen in the picker (a monitor, a window or a dragged region) and shown plainly while
it lasts, and the settings' microphone test keeps the microphone from Gemini while it runs."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desktop_app.core.app_events import InputState
from desktop_app.core.errors import MediaError
from desktop_app.ui.privacy_controls import SharingChip, TalkToggle, sharing_text
from desktop_app.ui.screen_picker import RegionCanvas, ScreenPicker
from desktop_app.ui.tray import Tray, TrayState
from desktop_app.video.x11_windows import WAYLAND_NOTE
from tests.ui.conftest import Harness
from tests.ui.fake_screens import EDITOR, fake_choices


def test_the_window_starts_idle_and_start_talking_is_the_act(harness: Harness) -> None:
    w = harness.window
    assert w.talk_toggle.text() == "Start talking" and w.talk_toggle.objectName() == "primary"
    assert "set_listening" not in harness.controller.names()  # nothing asked for at launch
    harness.emit(InputState(listening=False))
    harness.wait(lambda: w.pill.plain_text == "Idle")
    w.talk_toggle.click()
    harness.wait_call("set_listening", True)
    harness.wait(lambda: w.talk_toggle.text() == "Stop talking")
    assert w.snapshot()["input"]["listening"] is True
    w.talk_toggle.click()
    harness.wait_call("set_listening", False)
    harness.wait(lambda: w.talk_toggle.text() == "Start talking")


def test_the_talk_toggle_keeps_its_size_when_its_label_changes(qtbot: QtBot) -> None:
    toggle = TalkToggle()
    qtbot.addWidget(toggle)
    before = toggle.minimumWidth()
    assert toggle.maximumWidth() == before
    assert before >= toggle.fontMetrics().horizontalAdvance("Stop talking") + 40  # room for both labels
    toggle.show_state(InputState(listening=True))
    assert toggle.text() == "Stop talking"
    assert (toggle.minimumWidth(), toggle.maximumWidth()) == (before, before)


def test_a_share_is_shown_plainly_with_a_stop_button(harness: Harness) -> None:
    w = harness.window
    assert not w.sharing_chip.isVisible()
    top = w.splitter.mapTo(w, w.splitter.rect().topLeft()).y()
    harness.emit(InputState(screen="2", screen_label="screen 2"))
    harness.wait(lambda: w.sharing_chip.isVisible())
    assert w.sharing_chip.label.text() == "Sharing screen 2"
    harness.qtbot.wait(0)  # let the layout settle before measuring
    assert w.splitter.mapTo(w, w.splitter.rect().topLeft()).y() == top  # the header did not grow
    w.sharing_chip.stop.click()
    harness.wait_call("set_screen", None)
    harness.emit(InputState(screen=None))
    harness.wait(lambda: not w.sharing_chip.isVisible())


@pytest.mark.qt_log_ignore("This plugin does not support")  # a top-level chip and the tray, offscreen
def test_the_chip_and_the_tray_say_what_is_shared(qtbot: QtBot) -> None:
    window = InputState(screen=EDITOR.spec, screen_label="window Editor: notes.txt")
    assert sharing_text(window) == "Sharing window Editor: notes.txt"
    assert sharing_text(InputState()) == ""
    chip = SharingChip()
    qtbot.addWidget(chip)
    chip.show_state(window)
    assert chip.label.text() == "Sharing window Editor: notes.txt" and not chip.isHidden()
    tray = Tray()
    try:
        tray.on_event(window)
        assert tray.icon.toolTip().endswith("· Sharing window Editor: notes.txt")
        tray.on_event(InputState())
        assert "Sharing" not in tray.icon.toolTip()
        tray.on_event(InputState(listening=False))  # no session yet: the tray does not say "Starting…"
        assert tray.state is TrayState.IDLE and tray.icon.toolTip() == "Gemini Live — Idle: nothing is sent"
    finally:
        tray.close()


def test_the_picker_shares_a_monitor_only_when_asked(harness: Harness) -> None:
    w = harness.window
    w.controls.share.click()
    harness.wait(lambda: w.screen_picker is not None and w.screen_picker.screens.count() == 2)
    picker = w.screen_picker
    assert not w.controls.share.isChecked()  # not sharing while the user chooses
    assert [picker.screens.item(i).text() for i in range(2)] == [
        "Screen 1 (1280×720)",
        "Screen 2 (1280×720)",
    ]
    assert not picker.screens.item(0).icon().isNull()  # each with a thumbnail
    picker.screens.setCurrentRow(1)
    assert harness.controller.last("set_screen") is None
    picker.share_button.click()
    harness.wait_call("set_screen", "2")


def test_cancelling_the_picker_shares_nothing(harness: Harness) -> None:
    w = harness.window
    picker = w.open_screen_picker()
    harness.wait(lambda: picker.share_button.isEnabled())
    picker.reject()
    harness.wait(lambda: not picker.isVisible())
    assert harness.controller.last("set_screen") is None


def test_the_picker_shares_one_window(harness: Harness) -> None:
    picker = harness.window.open_screen_picker()
    harness.wait(lambda: picker.windows.count() == 1)
    picker.tabs.setCurrentIndex(1)
    assert not picker.share_button.isEnabled()  # no window chosen yet
    picker.windows.setCurrentRow(0)
    assert picker.windows.item(0).text() == "Editor: notes.txt  (640×480)"
    picker.share_button.click()
    harness.wait_call("set_screen", "window:0x4200007:Editor: notes.txt")


def test_the_picker_shares_a_region_dragged_on_the_frozen_desktop(harness: Harness) -> None:
    picker = harness.window.open_screen_picker()
    harness.wait(lambda: picker.share_button.isEnabled())
    picker.tabs.setCurrentIndex(2)
    canvas = picker.canvas
    canvas.resize(1280, 360)  # the 2560×720 desktop at half size, no margins
    assert not picker.share_button.isEnabled()
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 50))
    QTest.mouseMove(canvas, QPoint(400, 200))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(700, 250))
    assert canvas.region() == (200, 100, 1200, 400)  # desktop pixels, across both monitors
    picker.share_button.click()
    harness.wait_call("set_screen", "200,100,1200x400")


def test_a_slip_of_the_mouse_is_no_region(qtbot: QtBot) -> None:
    canvas = RegionCanvas()
    qtbot.addWidget(canvas)
    choices = fake_choices()
    canvas.set_picture(choices.desktop, 0, 0)
    canvas.resize(1280, 360)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(13, 12))
    assert canvas.region() is None


def test_the_microphone_test_is_kept_from_gemini(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_microphone(_device: Any, **_kwargs: Any) -> Any:
        raise MediaError("No microphone here.")

    monkeypatch.setattr("desktop_app.ui.settings_devices.check_microphone", no_microphone)
    dialog = harness.window.open_settings()
    dialog.devices.mic_test.click()
    harness.wait(lambda: harness.controller.names().count("set_mic_test") == 2)
    calls = [args for name, args in harness.controller.calls if name == "set_mic_test"]
    assert calls == [(True,), (False,)]  # closed before the test records, open again after
    assert dialog.devices.mic_result.text().endswith("No microphone here.")
    dialog.reject()


def test_closing_the_settings_mid_test_listens_again(harness: Harness) -> None:
    dialog = harness.window.open_settings()
    dialog.devices.mic_test_running.emit(True)  # the test runs …
    harness.wait_call("set_mic_test", True)
    dialog.reject()  # … and its answer will never come back to this dialog
    harness.wait_call("set_mic_test", False)


def test_a_desktop_that_cannot_be_captured_is_said_in_the_picker(harness: Harness) -> None:
    def no_screens() -> Any:
        raise MediaError("The screens cannot be captured (no X server).")

    picker = ScreenPicker(harness.app.runner, no_screens, parent=harness.window)
    picker.open()
    harness.wait(lambda: "cannot be captured" in picker.status.text())
    assert picker.status.text().endswith("The screens cannot be captured (no X server).")
    assert not picker.share_button.isEnabled()
    picker.reject()


def test_the_wayland_caveat_shows_in_the_picker(harness: Harness) -> None:
    picker = harness.window.open_screen_picker()
    harness.wait(lambda: picker.share_button.isEnabled())
    assert not picker.note.isVisibleTo(picker)  # the fake desktop is X11
    picker.show_choices(dataclasses.replace(fake_choices(), note=WAYLAND_NOTE))
    assert picker.note.isVisibleTo(picker) and picker.note.text() == WAYLAND_NOTE
    picker.reject()
