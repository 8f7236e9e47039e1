"""The history panel's editing (issue 18, "History you can live with"): a session in which nothing was said
is not listed; Delete deletes after a confirmation, F2 renames, Ctrl+F searches by the words said."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_app.history import HistoryStore
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.history_dialog import HistoryDialog
from tests.ui.history_sessions import LISBON, SHOPPING, STORY, write_session

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")  # show()/activate offscreen


@pytest.fixture
def runner() -> Iterator[CommandRunner]:
    loop = LoopThread("history-edit-loop")
    loop.start()
    yield CommandRunner(loop)
    loop.stop()


@pytest.fixture
def sessions(tmp_path: Path) -> dict[str, Path]:
    now = datetime.now().astimezone().replace(hour=12, minute=0, second=0, microsecond=0)
    return {
        "story": write_session(tmp_path, now - timedelta(hours=3), STORY),
        "silent": write_session(tmp_path, now - timedelta(hours=2), []),
        "shopping": write_session(tmp_path, now - timedelta(hours=1), SHOPPING),
        "lisbon": write_session(tmp_path, now, LISBON),
    }


@pytest.fixture
def dialog(qtbot: QtBot, runner: CommandRunner, tmp_path: Path, sessions: dict[str, Path]) -> HistoryDialog:
    d = HistoryDialog(runner, HistoryStore(tmp_path))
    qtbot.addWidget(d)
    d.show()
    d.activateWindow()
    qtbot.waitUntil(lambda: d.session is not None)
    return d


def _listed(d: HistoryDialog) -> list[Path]:
    return [row.path for row in d.rows]


def test_a_session_in_which_nothing_was_said_is_not_listed(
    dialog: HistoryDialog, sessions: dict[str, Path]
) -> None:
    assert _listed(dialog) == [sessions["lisbon"], sessions["shopping"], sessions["story"]]
    assert dialog.count_label.text() == "3 conversations"


def test_delete_asks_first_and_then_removes_the_session_and_selects_the_next(
    qtbot: QtBot, dialog: HistoryDialog, sessions: dict[str, Path]
) -> None:
    asked: list[str] = []
    answer = [False]

    def confirm(_parent: QWidget, _title: str, text: str) -> bool:
        asked.append(text)
        return answer[0]

    dialog.confirm = confirm
    dialog.select(sessions["shopping"].stem)
    qtbot.waitUntil(lambda: dialog.session is not None and dialog.session.path == sessions["shopping"])
    dialog.list.setFocus()
    QTest.keyClick(dialog.list, Qt.Key.Key_Delete)
    assert len(asked) == 1 and "Read me the shopping list again." in asked[0]
    assert sessions["shopping"].is_file(), "a No keeps it"

    answer[0] = True
    with qtbot.waitSignal(dialog.deleted, timeout=5000) as gone:
        QTest.keyClick(dialog.list, Qt.Key.Key_Delete)
    assert gone.args == [sessions["shopping"].stem]
    assert not sessions["shopping"].exists()
    qtbot.waitUntil(lambda: _listed(dialog) == [sessions["lisbon"], sessions["story"]])
    qtbot.waitUntil(lambda: dialog.session is not None and dialog.session.path == sessions["story"])

    asked.clear()
    dialog.search.setFocus()
    QTest.keyClick(dialog.search, Qt.Key.Key_Delete)
    assert asked == [], "Delete in the search field edits the search, it never deletes a session"


def test_f2_renames_the_session_and_the_list_and_heading_show_the_name(
    qtbot: QtBot, dialog: HistoryDialog, sessions: dict[str, Path]
) -> None:
    offered: list[str] = []

    def ask_name(_parent: QWidget, current: str) -> str | None:
        offered.append(current)
        return "Weekend in Lisbon"

    dialog.ask_name = ask_name
    dialog.list.setFocus()
    with qtbot.waitSignal(dialog.renamed, timeout=5000):
        QTest.keyClick(dialog.list, Qt.Key.Key_F2)
    assert offered == [""]
    qtbot.waitUntil(lambda: dialog.rows[0].title == "Weekend in Lisbon")
    assert dialog.rows[0].detail.startswith("Today, 12:00 · ")
    qtbot.waitUntil(lambda: dialog.session_title.text() == "Weekend in Lisbon")
    assert dialog.session_facts.text().startswith("Today, 12:00")

    dialog.ask_name = lambda _parent, _current: None  # cancelled: nothing changes
    QTest.keyClick(dialog.list, Qt.Key.Key_F2)
    assert HistoryStore(sessions["lisbon"].parent).list_sessions()[0].title == "Weekend in Lisbon"


def test_ctrl_f_searches_what_was_said(
    qtbot: QtBot, dialog: HistoryDialog, sessions: dict[str, Path]
) -> None:
    QTest.keyClick(dialog, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert dialog.search.hasFocus()
    with qtbot.waitSignal(dialog.listed, timeout=5000):
        QTest.keyClicks(dialog.search, "lemons")  # the model's words: "Eggs, flour, two lemons…"
    assert _listed(dialog) == [sessions["shopping"]]
    assert "two lemons" in dialog.rows[0].first_words
    assert dialog.count_label.text() == "1 conversation found"
    with qtbot.waitSignal(dialog.listed, timeout=5000):
        QTest.keyClicks(dialog.search, " umbrella")
    assert dialog.rows == [] and "umbrella" in dialog.list_placeholder.text()
    with qtbot.waitSignal(dialog.listed, timeout=5000):
        dialog.search.clear()
    assert len(dialog.rows) == 3
