"""The history panel's left side: the search field over the list of past conversations.

:class:`SessionListPane` shows a :class:`~desktop_app.ui.history_model.SessionList` (or a sentence in place
of the list: none yet, history off, nothing found, a failure) and asks for a new one through
:attr:`~SessionListPane.search_changed` a moment after the user stops typing. It reads no files itself:
the panel (:mod:`desktop_app.ui.history_dialog`) does, in worker threads.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.history_model import LIST_LIMIT, SessionList, SessionRow
from desktop_app.ui.theme import COLORS
from desktop_app.ui.widgets.card import card
from desktop_app.ui.widgets.session_row import ROW_ROLE, SessionRowDelegate

__all__ = ["SEARCH_DELAY_MS", "SessionListPane"]

SEARCH_DELAY_MS = 250
"""The list is searched this long after the last key typed in the search field (Enter: at once)."""


class SessionListPane(QWidget):
    """See the module docstring. ``rows`` are the sessions listed, in the list's order."""

    search_changed = Signal()
    """The search words changed (and the user paused, or pressed Enter): list again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SessionRow] = []
        self.list = QListWidget()
        self.list.setAccessibleName("Past conversations")
        self.list.setItemDelegate(SessionRowDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMouseTracking(True)
        self.list.setStyleSheet(  # a transparent border that the focus ring colours (theme: focus)
            "QListWidget { background: transparent; border: 2px solid transparent; border-radius: 8px; }"
            f" QListWidget:focus {{ border-color: {COLORS['focus']}; }}"
        )
        self.placeholder = QLabel("")
        self.placeholder.setObjectName("muted")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.list)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search what was said (Ctrl+F)")
        self.search.setAccessibleName("Search conversations")
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_changed)
        self.search.textChanged.connect(self._timer.start)
        self.search.returnPressed.connect(self.search_changed)
        title = QLabel("CONVERSATIONS")
        title.setObjectName("cardTitle")
        box = QVBoxLayout()
        box.addWidget(title)
        box.addWidget(self.search)
        box.addWidget(self.stack, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(card(layout=box))
        self.setMinimumWidth(280)  # the titles whole; with the reading side, the panel fits 800 px

    def words(self) -> str:
        """What to search for ("" for every session)."""
        return self.search.text().strip()

    def show_rows(self, found: SessionList) -> str:
        """Fill the list with ``found`` (without selecting: the caller does) and return the count to show
        ("3 conversations", "1 conversation found", "the newest 200"; "" when empty)."""
        self._timer.stop()
        self.rows = found.rows
        self.list.blockSignals(True)
        self.list.clear()
        for row in found.rows:
            item = QListWidgetItem(row.title)
            item.setData(ROW_ROLE, row)
            item.setToolTip(f"{row.id}\n{row.first_words}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        n = len(found.rows)
        if n == 0:
            return ""
        self.stack.setCurrentWidget(self.list)
        shown = f"the newest {LIST_LIMIT}" if found.truncated else f"{n} conversation{'s' if n != 1 else ''}"
        return f"{shown} found" if found.search else shown

    def show_message(self, text: str) -> None:
        """A sentence in place of the list."""
        self.placeholder.setText(text)
        self.stack.setCurrentWidget(self.placeholder)

    def current(self) -> SessionRow | None:
        number = self.list.currentRow()
        return self.rows[number] if 0 <= number < len(self.rows) else None

    def select_id(self, session_id: str | None, fallback: int = 0) -> None:
        """Select the row of ``session_id``, else the row numbered ``fallback`` (or the last one)."""
        ids = [row.id for row in self.rows]
        if ids:
            self.list.setCurrentRow(
                ids.index(session_id) if session_id in ids else min(fallback, len(ids) - 1)
            )
