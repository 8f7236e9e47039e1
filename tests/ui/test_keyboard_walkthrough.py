"""Keys only: Tab follows the layout on every surface, and a user can go from launch to a sent message,
talking, the settings and the history without touching the mouse."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.history import history_dir
from desktop_app.ui.shortcut_keys import keys_of
from tests.ui.conftest import Harness
from tests.ui.history_sessions import write_session
from tests.ui.ui_walk import activate, describe, fill_window, surfaces, tab_walk, visual_order


def _names(widgets: list[QWidget]) -> list[str]:
    return [describe(w) for w in widgets]


def test_tab_follows_the_layout_on_every_surface(harness: Harness) -> None:
    fill_window(harness)
    harness.window.resize(1280, 800)
    wrong = {}
    for name, top in surfaces(harness):
        expected = visual_order(top)
        walked = tab_walk(top)
        if _names(walked) != _names(expected):
            wrong[name] = {"tab goes": _names(walked), "the eye goes": _names(expected)}
    assert not wrong, wrong


def _press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> QWidget:
    """One key, to whatever has the focus (as a keyboard would); returns that widget."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClick(target, key, modifiers)
    return target


def _shortcut(action: str) -> None:
    """The action's main key from the one table, pressed where the focus is."""
    combination = QKeySequence(keys_of(action)[0])[0]
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClick(target, combination.key(), combination.keyboardModifiers())


def _tab_to(harness: Harness, widget: QWidget, *, back: bool = False) -> None:
    for _ in range(40):
        if widget.hasFocus():
            return
        _press(Qt.Key.Key_Backtab if back else Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {describe(widget)}")


def test_launch_to_a_sent_message_talking_settings_and_history_with_keys_only(harness: Harness) -> None:
    w = harness.window
    activate(harness, w)

    # launch: the message box has the focus, so typing works at once
    assert w.composer.hasFocus()
    QTest.keyClicks(w.composer, "Hello Gemini")
    _press(Qt.Key.Key_Return)
    harness.wait_call("send_text", "Hello Gemini")
    assert ("user", "Hello Gemini") in w.transcript_view.visible_texts()

    # a second message through the Send button, reached with Tab
    QTest.keyClicks(w.composer, "And another")
    _tab_to(harness, w.send_button)
    _press(Qt.Key.Key_Space)
    harness.wait_call("send_text", "And another")

    # talking: push-to-talk on, then Space held outside the text box starts and stops talking
    _shortcut("push_to_talk")
    harness.wait_call("set_push_to_talk", True)
    harness.wait(lambda: w.input_state.push_to_talk)
    _tab_to(harness, w.transcript_view, back=True)
    QTest.keyPress(w.transcript_view, Qt.Key.Key_Space)
    harness.wait_call("talk", True)
    QTest.keyRelease(w.transcript_view, Qt.Key.Key_Space)
    harness.wait_call("talk", False)
    _shortcut("push_to_talk")
    harness.wait_call("set_push_to_talk", False)
    harness.wait(lambda: not w.input_state.push_to_talk)  # Space is a key press again

    # a control bar button, by Tab and Space
    _tab_to(harness, w.controls.mic)
    _press(Qt.Key.Key_Space)
    harness.wait_call("set_mic_muted", True)

    # the settings open and close
    _shortcut("settings")
    harness.wait(lambda: w.dialog is not None and w.dialog.isVisible())
    dialog = w.dialog
    activate(harness, dialog)
    _press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not None and QApplication.focusWidget().window() is dialog
    _press(Qt.Key.Key_Escape)
    harness.wait(lambda: not dialog.isVisible())
    activate(harness, w)

    # the history opens, a conversation is chosen with the arrows, and it closes
    now = datetime.now().replace(microsecond=0)
    write_session(history_dir(), now - timedelta(hours=2), [("First question", "First answer")])
    write_session(history_dir(), now - timedelta(hours=1), [("Second question", "Second answer")])
    _shortcut("history")
    harness.wait(lambda: w.history_dialog is not None and len(w.history_dialog.rows) == 2)
    history = w.history_dialog
    activate(harness, history)
    _tab_to(harness, history.list)
    _press(Qt.Key.Key_Down)
    harness.wait(
        lambda: history.session is not None and "First answer" in str(history.transcript.visible_texts())
    )
    _press(Qt.Key.Key_Escape)
    harness.wait(lambda: not history.isVisible())
    activate(harness, w)

    # the shortcut sheet opens with F1 and closes with Esc
    _shortcut("shortcuts")
    harness.wait(lambda: w.shortcut_sheet is not None and w.shortcut_sheet.isVisible())
    sheet = w.shortcut_sheet
    activate(harness, sheet)
    _press(Qt.Key.Key_Escape)
    harness.wait(lambda: not sheet.isVisible())
