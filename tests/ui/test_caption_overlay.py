"""The caption overlay: its window flags, click-through while locked, the last lines, prompts, memory."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from pytestqt.qtbot import QtBot

from desktop_app.ui.desktop_memory import DesktopMemory
from desktop_app.ui.overlay import MAX_LINES, CaptionOverlay, tail

W = Qt.WindowType
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")  # raise() etc. offscreen


def _overlay(qtbot: QtBot, tmp_path: Path) -> CaptionOverlay:
    overlay = CaptionOverlay(DesktopMemory(tmp_path / "desktop.ini"))
    qtbot.addWidget(overlay)
    return overlay


def test_window_flags_make_it_a_click_through_always_on_top_caption(qtbot: QtBot, tmp_path: Path) -> None:
    overlay = _overlay(qtbot, tmp_path)
    overlay.show()
    flags = overlay.windowFlags()
    for flag in (W.Tool, W.FramelessWindowHint, W.WindowStaysOnTopHint, W.WindowDoesNotAcceptFocus):
        assert flags & flag, flag
    assert flags & W.WindowTransparentForInput and overlay.input_transparent
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert overlay.windowHandle() is not None
    assert overlay.windowHandle().flags() & W.WindowTransparentForInput, "the native window passes clicks"


def test_unlocking_takes_input_and_locking_saves_place_and_font(qtbot: QtBot, tmp_path: Path) -> None:
    overlay = _overlay(qtbot, tmp_path)
    overlay.show()
    overlay.set_locked(False)
    assert not overlay.input_transparent and overlay.isVisible() and overlay.tools.isVisible()
    overlay.setGeometry(QRect(40, 50, 500, 160))
    overlay.larger.click()
    overlay.set_locked(True)
    assert overlay.input_transparent and not overlay.tools.isVisible()
    again = _overlay(qtbot, tmp_path)
    assert again.font_pt == overlay.font_pt == 18
    assert again.geometry() == QRect(40, 50, 500, 160)


def test_it_shows_the_last_lines_of_both_sides(qtbot: QtBot, tmp_path: Path) -> None:
    overlay = _overlay(qtbot, tmp_path)
    lines = [("user", "one"), ("model", "two"), ("user", "  "), ("user", "three <b>"), ("model", "four")]
    overlay.show_lines(lines)
    assert overlay.texts == [("model", "two"), ("user", "three <b>"), ("model", "four")]
    assert len(overlay.texts) == MAX_LINES
    assert "three &lt;b&gt;" in overlay.lines.text() and "Gemini:" in overlay.lines.text()
    long = " ".join(f"word{i}" for i in range(100))
    assert tail(long).startswith("…") and tail(long).endswith("word99") and len(tail(long)) <= 141


def test_a_prompt_takes_clicks_until_answered_then_clicks_pass_through_again(
    qtbot: QtBot, tmp_path: Path
) -> None:
    overlay = _overlay(qtbot, tmp_path)
    key = overlay.show_prompt(
        "Allow “search”?", "Gemini wants to search the web.", {"allow": "Allow", "deny": "Deny"}
    )
    assert overlay.isVisible() and overlay.prompt_open and not overlay.input_transparent
    button = overlay.prompt_button("deny")
    assert button is not None
    with qtbot.waitSignal(overlay.prompt_answered) as answered:
        button.click()
    assert answered.args == [key, "deny"]
    assert not overlay.prompt_open and overlay.input_transparent
