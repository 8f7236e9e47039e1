"""The history panel shows a past session's thought summaries collapsed, like the live window does."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_app.history import history_dir
from desktop_app.history.reader import load_session
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.history_model import transcript_entries
from desktop_app.ui.transcript_model import EntryKind
from tests.support.thought_sessions import extended_thinking_session


def test_transcript_entries_put_thoughts_before_the_answer() -> None:
    directory = history_dir()
    directory.mkdir(parents=True, exist_ok=True)
    entries = transcript_entries(load_session(extended_thinking_session(directory)))
    kinds = [entry.kind for entry in entries]
    assert kinds[:3] == [EntryKind.USER, EntryKind.THOUGHT, EntryKind.MODEL]
    assert "Still sorting Tuesday." in entries[1].text and entries[1].turn == 1


def test_the_panel_shows_thoughts_collapsed(qtbot: QtBot) -> None:
    directory = history_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = extended_thinking_session(directory)
    loop = LoopThread("history-thoughts-loop")
    loop.start()
    try:
        dialog = HistoryDialog(CommandRunner(loop))
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.session is not None and dialog.session.path == path)
        [thought] = dialog.transcript.thoughts()
        assert not thought.expanded and "Tuesday" not in thought.text
        assert dialog.transcript.toggle(dialog.transcript.rows().index(thought))
        assert "Still sorting Tuesday." in thought.text
    finally:
        loop.stop()
