"""The shortcut sheet (F1 or Ctrl+/): every key the app answers to, read from the one table.

:class:`ShortcutSheet` lists :data:`~desktop_app.ui.shortcut_keys.SHORTCUTS` by place, then the global
keys the settings hold (Settings → Desktop), in a read-only table a screen reader can walk. It holds no key
of its own, so it cannot disagree with the window. Open it with ``show()`` (it is not modal); Esc or Close
closes it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.controller_api import Settings
from desktop_app.ui.shortcut_keys import SHORTCUTS, Place

__all__ = ["ShortcutSheet", "sheet_rows"]

_GLOBAL = "Anywhere on the desktop (Settings → Desktop)"


def _shown(key: str) -> str:
    """A key as this platform writes it ("Ctrl+Shift+E")."""
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) or key


def sheet_rows(settings: Settings | None) -> list[tuple[str, str, str]]:
    """(place, keys, what) for every shortcut, in the sheet's order; the global keys when they are on."""
    rows = [
        (place.value, " or ".join(_shown(k) for k in s.keys), s.what)
        for place in Place
        for s in SHORTCUTS
        if s.place is place
    ]
    if settings is not None and settings.global_shortcuts:
        rows.append((_GLOBAL, _shown(settings.talk_shortcut), "Talk while held, from any application"))
        rows.append((_GLOBAL, _shown(settings.mute_shortcut), "Mute or unmute, from any application"))
    return rows


class ShortcutSheet(QDialog):
    """See the module docstring. ``settings`` supplies the global keys (None: leave them out)."""

    def __init__(self, settings: Settings | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.rows = sheet_rows(settings)
        self.table = QTableWidget(0, 2)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Keys", "Does"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setShowGrid(False)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)  # Tab goes on to Close; the arrows move in the table
        place = ""
        for where, keys, what in self.rows:
            if where != place:
                place = where
                self._add_heading(where)
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(what))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        intro = QLabel("Keys work while this window is in front, unless they say otherwise.")
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        box.addWidget(intro)
        box.addWidget(self.table, 1)
        box.addWidget(buttons)
        self.setMinimumSize(QSize(420, 320))  # also spares Qt re-sending size hints on show
        self.resize(QSize(560, 520))

    def _add_heading(self, text: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(text)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.table.setItem(row, 0, item)
        self.table.setSpan(row, 0, 1, 2)

    def listed_keys(self) -> list[str]:
        """The key column's texts, headings left out (for tests)."""
        return [keys for _place, keys, _what in self.rows]
