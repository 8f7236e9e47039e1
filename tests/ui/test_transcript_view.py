"""The transcript list: bubbles are painted where they belong, rows follow the model, Ctrl+C copies."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.core.events import Role, SessionPhase, SessionState, Transcript, TurnComplete
from desktop_app.ui.theme import COLORS
from desktop_app.ui.transcript_model import TranscriptModel
from desktop_app.ui.widgets.transcript_view import RowKind, TranscriptView


def _view(qtbot: QtBot) -> TranscriptView:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def _near(color: QColor, hex_color: str, tolerance: int = 6) -> bool:
    want = QColor(hex_color)
    return all(abs(a - b) <= tolerance for a, b in zip(color.getRgb()[:3], want.getRgb()[:3], strict=True))


def test_user_bubbles_paint_on_the_right_and_model_bubbles_on_the_left(qtbot: QtBot) -> None:
    view, model = _view(qtbot), TranscriptModel()
    view.apply(model.apply(Transcript(Role.USER, "Hi", final=True)))
    view.apply(model.apply(Transcript(Role.MODEL, "Hello there, " * 12, final=True)))
    QApplication.processEvents()
    image = view.viewport().grab().toImage()
    user_rect = view.visualRect(view.model().index(1, 0))
    model_rect = view.visualRect(view.model().index(2, 0))
    y_user = user_rect.top() + user_rect.height() // 2
    assert _near(image.pixelColor(user_rect.right() - 20, y_user), COLORS["user_bubble"])
    assert not _near(image.pixelColor(user_rect.left() + 20, y_user), COLORS["user_bubble"]), (
        "the user's bubble hugs its text"
    )
    y_model = model_rect.top() + 6
    assert _near(image.pixelColor(model_rect.left() + 30, y_model), COLORS["model_bubble"])
    assert model_rect.height() > 3 * user_rect.height() // 2, "a long reply wraps onto more lines"


def test_rows_follow_the_model_and_a_dropped_turn_loses_its_divider(qtbot: QtBot) -> None:
    view, model = _view(qtbot), TranscriptModel(max_entries=2)
    view.apply(model.apply(SessionState(SessionPhase.LIVE)))
    view.apply(model.apply(Transcript(Role.USER, "one", final=True)))
    view.apply(model.apply(TurnComplete()))
    view.apply(model.apply(Transcript(Role.USER, "two", final=True)))
    view.apply(model.apply(TurnComplete()))
    view.apply(model.apply(Transcript(Role.USER, "three", final=True)))
    assert [r.kind for r in view.rows()] == [RowKind.DIVIDER, RowKind.BUBBLE, RowKind.DIVIDER, RowKind.BUBBLE]
    assert view.divider_texts() == ["Turn 2", "Turn 3"]
    assert view.visible_texts() == [("user", "two"), ("user", "three")]


def test_streaming_text_grows_the_row(qtbot: QtBot) -> None:
    view, model = _view(qtbot), TranscriptModel()
    view.apply(model.apply(Transcript(Role.MODEL, "Short")))
    QApplication.processEvents()
    before = view.visualRect(view.model().index(1, 0)).height()
    view.apply(model.apply(Transcript(Role.MODEL, " and then a great deal more text" * 8)))
    QApplication.processEvents()
    assert view.visualRect(view.model().index(1, 0)).height() > before


def test_ctrl_c_copies_the_selected_lines(qtbot: QtBot) -> None:
    view, model = _view(qtbot), TranscriptModel()
    view.apply(model.apply(Transcript(Role.USER, "What is it?", final=True)))
    view.apply(model.apply(Transcript(Role.MODEL, "A cup.", final=True)))
    view.selectAll()
    QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    clipboard = QGuiApplication.clipboard()
    assert clipboard is not None and clipboard.text() == "You: What is it?\nGemini: A cup."


def test_an_empty_transcript_shows_how_to_start(qtbot: QtBot) -> None:
    view = _view(qtbot)
    image = view.viewport().grab().toImage()
    lit = sum(
        1
        for x in range(0, image.width(), 4)
        for y in range(image.height() // 2 - 20, image.height() // 2 + 20, 2)
        if image.pixelColor(x, y).lightness() > 60
    )
    assert lit > 20, "the hint text is painted in the middle"
