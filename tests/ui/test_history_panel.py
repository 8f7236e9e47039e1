"""The history panel opened from the main window: past sessions listed, one read back, exported, its folder.

Sessions are written by the real HistoryWriter into the test's data directory (``GLD_DATA_DIR``, set for
every test), which is where the window's panel reads. ``GLD_UPDATE_SCREENSHOTS=1`` also copies the panel's
picture to ``docs/screenshots/history.png`` (the README's).
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.history import history_dir, load_session
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.history_dialog import HistoryDialog
from tests.ui.conftest import Harness
from tests.ui.desktop_urls import opened_urls
from tests.ui.history_sessions import a_week_of_history, write_session

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "history.png"


def _today_at(hour: int, minute: int) -> datetime:
    """Today at a fixed time: labels like "Yesterday" and the order of the sessions written do not depend
    on when the test runs (just after midnight, "now minus a day and two hours" is two days back)."""
    return datetime.now().astimezone().replace(hour=hour, minute=minute, second=0, microsecond=0)


def _bubbles(dialog: HistoryDialog) -> list[tuple[str, str]]:
    return dialog.transcript.visible_texts() if dialog.stack.currentWidget() is dialog.transcript else []


def test_the_panel_lists_past_sessions_shows_one_and_exports_it(harness: Harness, tmp_path: Path) -> None:
    now = _today_at(14, 3)
    older = write_session(
        history_dir(), now.replace(hour=9, minute=5),
        [("Remind me what a jitter buffer is.", "It smooths uneven packet arrival before playback.")],
    )  # fmt: skip
    newer = write_session(history_dir(), now, [("Good morning!", "Good morning. How can I help?")])
    w = harness.window

    w.history_button.click()
    harness.wait(lambda: w.history_dialog is not None and len(w.history_dialog.rows) == 2)
    dialog = w.history_dialog
    assert dialog.isVisible() and not dialog.isModal(), "the conversation goes on while history is open"
    assert [row.path for row in dialog.rows] == [newer, older], "newest first"
    assert [row.first_words for row in dialog.rows] == [
        "Good morning!",
        "Remind me what a jitter buffer is.",
    ]
    assert all(row.title.startswith("Today, ") for row in dialog.rows)
    assert dialog.rows[1].detail.endswith("· 1 turn") and dialog.count_label.text() == "2 conversations"
    harness.wait(lambda: ("model", "Good morning. How can I help?") in _bubbles(dialog))  # newest shown

    dialog.list.setCurrentRow(1)
    harness.wait(
        lambda: (
            _bubbles(dialog)
            == [
                ("user", "Remind me what a jitter buffer is."),
                ("model", "It smooths uneven packet arrival before playback."),
            ]
        )
    )
    assert dialog.session is not None and dialog.session.path == older
    assert dialog.session_facts.text().startswith(dialog.rows[1].detail.split(" · ")[0])
    assert "emulator" in dialog.session_facts.text() and not dialog.session_flags.isVisible()
    assert dialog.transcript.verticalScrollBar().value() == 0, "a past conversation opens at its start"

    target = tmp_path / "exports" / "jitter.md"
    target.parent.mkdir()
    asked: list[tuple[str, Path]] = []

    def choose(_parent: QWidget, caption: str, suggested: Path, _filters: str) -> Path:
        asked.append((caption, suggested))
        return target

    dialog.choose_file = choose
    with harness.qtbot.waitSignal(dialog.exported, timeout=5000) as done:
        dialog.export_md.click()
    assert done.args == [target]
    day = now.date().isoformat()  # the suggested name: the day and the first words
    assert asked == [("Export Markdown", Path.home() / f"{day}-remind-me-what-a-jitter-buffer.md")]
    text = target.read_text(encoding="utf-8")
    assert text.startswith(f"# Conversation {older.stem}\n")
    assert "**You** (00:02): Remind me what a jitter buffer is." in text
    assert "**Gemini** (00:05): It smooths uneven packet arrival before playback." in text
    assert "Good morning" not in text
    assert dialog.status.text() == f"Saved {target}"

    srt = tmp_path / "exports" / "jitter.srt"
    dialog.choose_file = lambda *_args: srt
    with harness.qtbot.waitSignal(dialog.exported, timeout=5000):
        dialog.export_srt.click()
    assert srt.read_text(encoding="utf-8").startswith("1\n00:00:02,")

    with opened_urls("file") as urls:
        dialog.folder_button.click()
    assert [url.toLocalFile() for url in urls] == [str(history_dir())]

    with harness.qtbot.waitSignal(dialog.listed, timeout=5000):  # Ctrl+Shift+H: the same panel, afresh
        w.shortcuts["Ctrl+Shift+H"].activated.emit()
    assert w.history_dialog is dialog
    dialog.close()
    harness.wait(lambda: w.history_dialog is None or not w.history_dialog.isVisible())


def test_flags_interruptions_notices_and_a_recording_show(harness: Harness) -> None:
    now = _today_at(14, 3)
    sessions = a_week_of_history(history_dir(), now)
    wav = sessions["today"].with_suffix(".wav")
    wav.write_bytes(b"")  # a recording beside it (its content does not matter to the panel)
    w = harness.window
    dialog = w.open_history()
    harness.wait(lambda: len(dialog.rows) == 4)
    by_path = {row.path: row for row in dialog.rows}
    assert by_path[sessions["today"]].flags == "1 reconnect"
    assert by_path[sessions["crashed"]].flags == "unfinished"
    assert by_path[sessions["yesterday"]].title.startswith("Yesterday, ")
    assert by_path[sessions["yesterday"]].detail.endswith("3 turns")

    harness.wait(lambda: dialog.session is not None and dialog.session.path == sessions["today"])
    assert dialog.recording_button.isVisible()
    assert ("system", "Connection interrupted (ConnectionLostError (1006)). Reconnecting…") in _bubbles(
        dialog
    )
    with opened_urls("file") as urls:
        dialog.recording_button.click()
    assert [url.toLocalFile() for url in urls] == [str(wav)]

    dialog.select(sessions["monday"].stem)
    harness.wait(lambda: dialog.session is not None and dialog.session.path == sessions["monday"])
    [model] = [row for row in dialog.transcript.bubbles() if row.who == "GEMINI"]
    assert model.entry is not None and model.entry.interrupted and "interrupted" in model.meta
    assert not dialog.recording_button.isVisible()

    dialog.select(sessions["crashed"].stem)
    harness.wait(lambda: dialog.session is not None and dialog.session.path == sessions["crashed"])
    assert dialog.session_flags.isVisible() and dialog.session_flags.text() == "unfinished"
    [model] = [row for row in dialog.transcript.bubbles() if row.who == "GEMINI"]
    assert model.entry is not None and not model.entry.final, "a reply cut short is drawn as unfinished"
    dialog.close()


def test_an_empty_history_says_so(harness: Harness) -> None:
    dialog = harness.window.open_history()
    with harness.qtbot.waitSignal(dialog.listed, timeout=5000) as listed:
        dialog.refresh()
    assert listed.args == [0]
    assert dialog.pane.stack.currentWidget() is dialog.list_placeholder
    assert "No past conversations yet" in dialog.list_placeholder.text()
    assert not dialog.folder_button.isEnabled() and not dialog.export_md.isEnabled()
    dialog.close()


def test_a_slow_load_for_a_session_no_longer_wanted_is_dropped(qtbot: QtBot) -> None:
    now = _today_at(14, 3)
    sessions = a_week_of_history(history_dir(), now)
    loop = LoopThread("history-test-loop")
    loop.start()
    try:
        dialog = HistoryDialog(CommandRunner(loop))
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.session is not None and dialog.session.path == sessions["today"])
        stale = dialog.session
        dialog.select(sessions["yesterday"].stem)
        assert stale.entries, "the stale session has a transcript to show if its late load were applied"
        dialog._loaded(stale)  # the earlier load arriving late
        # still "Opening…" the chosen one (applying the late load would show its transcript instead)...
        assert dialog.stack.currentWidget() is dialog.placeholder
        assert dialog.placeholder.text() == "Opening…"
        qtbot.waitUntil(lambda: dialog.session is not None and dialog.session.path == sessions["yesterday"])
        dialog._loaded(stale)  # ...and a late answer never replaces the session the user chose
        assert dialog.session.path == sessions["yesterday"]
        dialog._load_failed(sessions["today"], "The conversation could not be read.")  # nor a late error
        assert dialog.session is not None and dialog.session.path == sessions["yesterday"]
        assert dialog.stack.currentWidget() is dialog.transcript
    finally:
        loop.stop()


def test_a_picture_of_the_panel(harness: Harness, tmp_path: Path) -> None:
    """The panel as a person sees it: dark, the list on the left and a conversation on the right."""
    now = _today_at(14, 3)
    sessions = a_week_of_history(history_dir(), now)
    sessions["today"].with_suffix(".wav").write_bytes(b"")
    dialog = harness.window.open_history()
    dialog.resize(1100, 680)
    harness.wait(lambda: dialog.session is not None and dialog.session.path == sessions["today"])
    QApplication.processEvents()
    shot = tmp_path / "history.png"
    assert dialog.grab().save(str(shot))
    image = QImage(str(shot)).convertToFormat(QImage.Format.Format_RGB32)
    assert (image.width(), image.height()) == (1100, 680)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.width(), 4)
    assert pixels[..., :3].mean() < 60, "the dark theme applies to the panel"
    assert len(np.unique(pixels.reshape(-1, 4), axis=0)) > 200, "text and bubbles are drawn"
    if os.environ.get("GLD_UPDATE_SCREENSHOTS"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    assert load_session(sessions["today"]).turns[0].complete
    dialog.close()
