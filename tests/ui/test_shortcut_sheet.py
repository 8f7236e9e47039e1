"""The one table of shortcuts: the window binds exactly it, no key is bound twice or means something
surprising, and the sheet (F1, Ctrl+/) lists every entry, the global keys included."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from desktop_app.config import Settings
from desktop_app.ui.shortcut_keys import BOUND, SHORTCUTS, keys_of
from desktop_app.ui.shortcut_sheet import sheet_rows
from desktop_app.ui.widgets.consent_card import SHORTCUTS as CONSENT_KEYS
from tests.ui.conftest import Harness

WELL_KNOWN = {
    "Ctrl+P": ("print", ""),
    "Ctrl+S": ("save", ""),
    "Ctrl+O": ("open a file", ""),
    "Ctrl+N": ("a new window", ""),
    "Ctrl+W": ("close the tab", ""),
    "Ctrl+Z": ("undo", ""),
    "Ctrl+F": ("find", "history_search"),
    "Ctrl+A": ("select all", ""),
    "Ctrl+V": ("paste", ""),
    "Ctrl+X": ("cut", ""),
}
"""Keys whose well-known meaning a voice app must not reuse for something else: (meaning, the one action
that may use it because it means the same here)."""


def test_no_key_means_two_things_or_something_surprising() -> None:
    keys = [QKeySequence(k).toString() for s in SHORTCUTS for k in s.keys]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    for s in SHORTCUTS:
        for k in s.keys:
            meaning, allowed = WELL_KNOWN.get(QKeySequence(k).toString(), ("", s.action))
            assert allowed == s.action, f"{k} means {meaning!r} elsewhere, not {s.what!r}"
    assert "Ctrl+D" in keys_of("mute"), "Ctrl+D mutes in Google Meet: here it must mute too, or nothing"
    assert "Ctrl+H" in keys_of("history"), "Ctrl+H is History in every browser"
    for s in SHORTCUTS:
        for k in s.keys:
            assert not QKeySequence(k).isEmpty(), f"{s.action}: {k!r} is not a key"


def test_the_window_binds_exactly_the_table(harness: Harness) -> None:
    w = harness.window
    bound = {QKeySequence(k).toString() for s in BOUND for k in s.keys}
    assert set(w.shortcuts) == bound
    assert set(CONSENT_KEYS.values()) == {
        keys_of(a)[0] for a in ("consent_allow_once", "consent_always", "consent_deny")
    }, "the tool cards' keys come from the table"
    assert "(Ctrl+M)" in w.controls.mic.toolTip() and "(Ctrl+Shift+E)" in w.controls.share.toolTip()


@pytest.mark.parametrize("key", ["F1", "Ctrl+/"])
def test_f1_and_ctrl_slash_open_the_sheet_with_every_shortcut(harness: Harness, key: str) -> None:
    w = harness.window
    w.activateWindow()
    harness.qtbot.waitActive(w)
    QTest.keySequence(w, QKeySequence(key))
    harness.wait(lambda: w.shortcut_sheet is not None and w.shortcut_sheet.isVisible())
    sheet = w.shortcut_sheet
    listed = " ".join(sheet.listed_keys())
    for s in SHORTCUTS:
        for k in s.keys:
            shown = QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
            assert shown in listed, f"{s.action} ({shown}) is missing from the sheet"
    assert "Ctrl+Alt+Space" in listed and "Ctrl+Alt+M" in listed, "the global keys are listed"
    table = sheet.table
    texts = [table.item(r, c).text() for r in range(table.rowCount()) for c in range(2) if table.item(r, c)]
    assert "In the window" in texts and "Mute or unmute the microphone" in texts
    QTest.keyClick(sheet, Qt.Key.Key_Escape)
    harness.wait(lambda: not sheet.isVisible())


def test_the_sheet_leaves_out_global_keys_that_are_off() -> None:
    rows = sheet_rows(Settings(global_shortcuts=False))
    assert not [r for r in rows if r[0].startswith("Anywhere")]
    assert len(rows) == len(SHORTCUTS)
