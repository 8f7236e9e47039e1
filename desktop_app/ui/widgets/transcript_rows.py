"""The lines of the transcript view, as its list model holds them: bubbles, system lines, turn dividers,
tool lines and widget lines (consent cards, source chips), and how a bubble looks.

:class:`Row` is one painted line; :class:`RowModel` is the Qt list model of rows the view shows.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from desktop_app.ui.glyphs import symbol
from desktop_app.ui.theme import COLORS
from desktop_app.ui.tool_view import chip_label
from desktop_app.ui.transcript_model import EntryKind, TranscriptEntry

__all__ = ["BubbleLook", "Row", "RowKind", "RowModel", "bubble_look"]


class RowKind(enum.StrEnum):
    """What a painted line is (the value, the lower-case name, is what the snapshot lists)."""

    BUBBLE = enum.auto()
    SYSTEM = enum.auto()
    DIVIDER = enum.auto()
    TOOL = enum.auto()  # a function call's compact line
    WIDGET = enum.auto()  # a consent card or source chips: a widget on the line


@dataclass(slots=True)
class Row:
    """One painted line: a bubble (with its entry), a system line or a turn divider."""

    kind: RowKind
    entry: TranscriptEntry | None = None
    label: str = ""
    expanded: bool = False  # a thought summary's disclosure is open
    widget: QWidget | None = None  # WIDGET rows: the card or the chips

    @property
    def thought(self) -> bool:
        return self.entry is not None and self.entry.kind is EntryKind.THOUGHT

    @property
    def text(self) -> str:
        if self.entry is None:
            return self.label
        if self.kind is RowKind.WIDGET:
            return _widget_text(self.entry)
        if self.thought and not self.expanded:
            words = len(self.entry.text.split())
            return f"▸ Thoughts ({words:,} words): Enter or click to open"
        if self.entry.text:
            return self.entry.text.strip()
        return "(interrupted before it spoke)" if self.entry.interrupted else ""

    @property
    def who(self) -> str:
        if self.thought:
            return "GEMINI THOUGHT"
        return "YOU" if self.entry is not None and self.entry.kind is EntryKind.USER else "GEMINI"

    @property
    def meta(self) -> str:
        e = self.entry
        if e is None:
            return ""
        parts = []
        if e.typed:
            parts.append("typed")
        if e.not_sent:
            parts.append("not sent")
        if e.latency_ms is not None:
            parts.append(f"{e.latency_ms:,.0f} ms")
        if self.thought:
            parts.append("▾ open" if self.expanded else "collapsed")
        if e.interrupted:
            parts.append(f"{symbol('⏸')} interrupted".lstrip())  # DejaVu has no ⏸: then words only
        elif not e.final:
            parts.append("…")
        return " · ".join(parts)


def _widget_text(entry: TranscriptEntry) -> str:
    if entry.kind is EntryKind.CONSENT and entry.card is not None:
        return f"Consent for {entry.text}: {entry.card.value}"
    if entry.kind is EntryKind.UNSENT:
        return f"Not sent: {entry.text}"
    if entry.grounding is not None:
        return "Sources: " + " · ".join(chip_label(s) for s in entry.grounding.sources)
    return entry.text


@dataclass(frozen=True, slots=True)
class BubbleLook:
    """How a bubble is drawn: colours, and a dashed border while it is still streaming."""

    fill: str
    border: str
    dashed: bool


def bubble_look(row: Row, selected: bool = False) -> BubbleLook:
    e = row.entry
    user = e is not None and e.kind is EntryKind.USER
    border = "#34498a" if user else COLORS["border"]
    if e is not None and (e.interrupted or e.not_sent):
        border = COLORS["warn"]
    if selected:
        border = COLORS["accent"]
    fill = COLORS["user_bubble"] if user else COLORS["model_bubble"]
    if row.thought and not selected:
        fill, border = COLORS["bg"], COLORS["border"]  # quieter than an answer
    return BubbleLook(fill, border, dashed=e is not None and not e.final)


class RowModel(QAbstractListModel):
    """The rows the view shows (Qt thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.rows[index.row()].text

    def append(self, row: Row) -> None:
        n = len(self.rows)
        self.beginInsertRows(QModelIndex(), n, n)
        self.rows.append(row)
        self.endInsertRows()

    def changed(self, number: int) -> None:
        index = self.index(number)
        self.dataChanged.emit(index, index)

    def remove(self, number: int) -> None:
        self.beginRemoveRows(QModelIndex(), number, number)
        del self.rows[number]
        self.endRemoveRows()
