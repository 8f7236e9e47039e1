"""The conversation as chat bubbles: the user on the right, Gemini on the left, system lines centred.

The view draws what a :class:`~desktop_app.ui.transcript_model.TranscriptModel` reports: call
:meth:`TranscriptView.apply` with its changes. An open (still streaming) bubble has a dashed border and
becomes solid when final; an interrupted reply says so. A thin divider starts each new turn. The view
stays scrolled to the bottom unless the reader has scrolled up. Ctrl+C copies the selected lines.

A thought summary is a collapsed bubble ("Thoughts ▸"): a click, or Enter or Space on the current line (the
view takes Tab focus), opens or closes it (:meth:`TranscriptView.toggle`).

It is a list view with a painting delegate, not a widget per line: a long conversation costs only its
text (a widget per bubble cost about 100 KB each, which a ten-minute session felt).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.ui.theme import COLORS
from desktop_app.ui.transcript_model import ChangeKind, EntryKind, TranscriptChange, TranscriptEntry

__all__ = ["BubbleLook", "Row", "RowKind", "TranscriptView", "bubble_look"]

_PAD_X, _PAD_TOP, _PAD_BOTTOM, _GAP, _SPACING = 12, 8, 10, 3, 8
_RADIUS = 12.0
_EMPTY = "Say hello, or type below.\nWhat you say and what Gemini answers appears here as you speak."


class RowKind(enum.StrEnum):
    """What a painted line is (the value, the lower-case name, is what the snapshot lists)."""

    BUBBLE = enum.auto()
    SYSTEM = enum.auto()
    DIVIDER = enum.auto()


@dataclass(slots=True)
class Row:
    """One painted line: a bubble (with its entry), a system line or a turn divider."""

    kind: RowKind
    entry: TranscriptEntry | None = None
    label: str = ""
    expanded: bool = False  # a thought summary's disclosure is open

    @property
    def thought(self) -> bool:
        return self.entry is not None and self.entry.kind is EntryKind.THOUGHT

    @property
    def text(self) -> str:
        if self.entry is None:
            return self.label
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
        if e.latency_ms is not None:
            parts.append(f"{e.latency_ms:,.0f} ms")
        if self.thought:
            parts.append("▾ open" if self.expanded else "collapsed")
        if e.interrupted:
            parts.append("⏸ interrupted")
        elif not e.final:
            parts.append("…")
        return " · ".join(parts)


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
    if e is not None and e.interrupted:
        border = COLORS["warn"]
    if selected:
        border = COLORS["accent"]
    fill = COLORS["user_bubble"] if user else COLORS["model_bubble"]
    if row.thought and not selected:
        fill, border = COLORS["bg"], COLORS["border"]  # quieter than an answer
    return BubbleLook(fill, border, dashed=e is not None and not e.final)


class _Rows(QAbstractListModel):
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


class _Fonts:
    def __init__(self, base: QFont) -> None:
        self.text = QFont(base)
        self.text.setPointSizeF(base.pointSizeF() * 1.05)
        self.small = QFont(base)
        self.small.setPointSizeF(base.pointSizeF() * 0.85)
        self.who = QFont(self.small)
        self.who.setBold(True)
        self.system = QFont(base)
        self.system.setPointSizeF(base.pointSizeF() * 0.9)
        self.system.setItalic(True)


class _Delegate(QStyledItemDelegate):
    """Lays out and paints rows; sizes are computed from the text and the view's width."""

    def __init__(self, view: TranscriptView) -> None:
        super().__init__(view)
        self._view = view
        self._fonts = _Fonts(view.font())

    # --- geometry --------------------------------------------------------------------------------

    def bubble_geometry(self, row: Row, width: int) -> tuple[int, int, int]:
        """(bubble width, bubble height, text height) for a bubble in a view ``width`` wide."""
        f = self._fonts
        limit = max(160, int(width * 0.8))
        text_fm, small_fm = QFontMetrics(f.text), QFontMetrics(f.small)
        lines = row.text.splitlines() or [""]
        natural = max(text_fm.horizontalAdvance(line) for line in lines)
        head = QFontMetrics(f.who).horizontalAdvance(row.who) + 12 + small_fm.horizontalAdvance(row.meta)
        bubble_w = min(limit, max(natural, head, 60) + 2 * _PAD_X + 2)
        flags = int(Qt.TextFlag.TextWordWrap)
        text_h = text_fm.boundingRect(QRect(0, 0, bubble_w - 2 * _PAD_X, 100_000), flags, row.text).height()
        bubble_h = _PAD_TOP + small_fm.height() + _GAP + max(text_h, text_fm.height()) + _PAD_BOTTOM
        return bubble_w, bubble_h, text_h

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        row = self._view.row_at(index.row())
        width = self._view.viewport().width() - 4
        if row.kind is RowKind.BUBBLE:
            return QSize(width, self.bubble_geometry(row, width)[1] + _SPACING)
        font = self._fonts.system if row.kind is RowKind.SYSTEM else self._fonts.who
        flags = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignHCenter)
        height = (
            QFontMetrics(font).boundingRect(QRect(0, 0, int(width * 0.9), 100_000), flags, row.text).height()
        )
        return QSize(width, height + (10 if row.kind is RowKind.DIVIDER else 8))

    # --- painting --------------------------------------------------------------------------------

    def paint(
        self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        row = self._view.row_at(index.row())
        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if row.kind is RowKind.BUBBLE:
            self._paint_bubble(p, rect, row, selected)
        else:
            font = self._fonts.system if row.kind is RowKind.SYSTEM else self._fonts.who
            p.setFont(font)
            p.setPen(QColor(COLORS["muted"] if row.kind is RowKind.SYSTEM else COLORS["faint"]))
            area = rect.adjusted(int(rect.width() * 0.05), 4, -int(rect.width() * 0.05), -4)
            p.drawText(area, int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignHCenter), row.text)
        p.restore()

    def _paint_bubble(self, p: QPainter, rect: QRect, row: Row, selected: bool) -> None:
        e = row.entry
        assert e is not None
        f = self._fonts
        bubble_w, bubble_h, _text_h = self.bubble_geometry(row, rect.width())
        user = e.kind is EntryKind.USER
        left = rect.right() - bubble_w - 1 if user else rect.left() + 1
        bubble = QRectF(left + 0.5, rect.top() + 0.5, bubble_w - 1, bubble_h - 1)
        look = bubble_look(row, selected)
        pen = QPen(QColor(look.border), 1.0)
        if look.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        fill = QColor(look.fill)
        p.setPen(pen)
        p.setBrush(fill)
        p.drawRoundedRect(bubble, _RADIUS, _RADIUS)
        inner = bubble.adjusted(_PAD_X, _PAD_TOP, -_PAD_X, -_PAD_BOTTOM)
        small_h = QFontMetrics(f.small).height()
        p.setFont(f.who)
        p.setPen(QColor(COLORS["muted"]))
        head = QRectF(inner.left(), inner.top(), inner.width(), small_h)
        p.drawText(head, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), row.who)
        p.setFont(f.small)
        p.setPen(QColor(COLORS["faint"]))
        p.drawText(head, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), row.meta)
        p.setFont(f.text)
        p.setPen(QColor(COLORS["text"] if e.text and not row.thought else COLORS["muted"]))
        body = QRectF(
            inner.left(), inner.top() + small_h + _GAP, inner.width(), inner.height() - small_h - _GAP
        )
        p.drawText(body, int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), row.text)


class TranscriptView(QListView):
    """See the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows = _Rows()
        self.setModel(self._rows)
        self._delegate = _Delegate(self)
        self.setItemDelegate(self._delegate)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setUniformItemSizes(False)
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it: thoughts open from the keyboard
        self.setStyleSheet(
            "QListView { background: transparent; } QListView::item { background: transparent; }"
        )
        self._entry_rows: dict[int, Row] = {}
        self._last_turn = 0
        self._stick = True
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range)
        self.clicked.connect(lambda index: self.toggle(index.row()))
        self.setAccessibleName("Conversation transcript")

    # --- reading (for tests and the state file) --------------------------------------------------

    def row_at(self, number: int) -> Row:
        return self._rows.rows[number]

    def rows(self) -> list[Row]:
        return list(self._rows.rows)

    def bubbles(self) -> list[Row]:
        return [r for r in self._rows.rows if r.kind is RowKind.BUBBLE]

    def visible_texts(self) -> list[tuple[str, str]]:
        """(kind, text) of every bubble and system line, in order (dividers left out)."""
        out = []
        for r in self._rows.rows:
            if r.kind is RowKind.BUBBLE and r.entry is not None:
                out.append((r.entry.kind.value, r.text))
            elif r.kind is RowKind.SYSTEM:
                out.append(("system", r.text))
        return out

    def divider_texts(self) -> list[str]:
        return [r.text for r in self._rows.rows if r.kind is RowKind.DIVIDER]

    def thoughts(self) -> list[Row]:
        return [r for r in self._rows.rows if r.thought]

    def toggle(self, number: int) -> bool:
        """Open or close the thought summary on line ``number``; False when it is not a thought."""
        if not 0 <= number < len(self._rows.rows) or not self._rows.rows[number].thought:
            return False
        row = self._rows.rows[number]
        row.expanded = not row.expanded
        self._changed(row)
        return True

    # --- updates ---------------------------------------------------------------------------------

    def apply(self, changes: Iterable[TranscriptChange]) -> None:
        for change in changes:
            if change.kind is ChangeKind.ADDED:
                self._add(change.entry)
            elif change.kind is ChangeKind.UPDATED:
                row = self._entry_rows.get(change.entry.id)
                if row is not None:
                    self._changed(row)
            else:
                self._remove(change.entry)

    def _add(self, entry: TranscriptEntry) -> None:
        if entry.kind is EntryKind.SYSTEM:
            row = Row(RowKind.SYSTEM, entry=None, label=entry.text)
        else:
            if entry.turn != self._last_turn:
                self._last_turn = entry.turn
                self._rows.append(Row(RowKind.DIVIDER, label=f"Turn {entry.turn}"))
            row = Row(RowKind.BUBBLE, entry=entry)
        self._entry_rows[entry.id] = row
        self._rows.append(row)

    def _changed(self, row: Row) -> None:
        number = self._index_of(row)
        if number is not None:
            self._rows.changed(number)
            self._delegate.sizeHintChanged.emit(self._rows.index(number))

    def _remove(self, entry: TranscriptEntry) -> None:
        row = self._entry_rows.pop(entry.id, None)
        number = self._index_of(row) if row is not None else None
        if number is not None:
            self._rows.remove(number)
        rows = self._rows.rows
        while (
            rows and rows[0].kind is RowKind.DIVIDER and (len(rows) == 1 or rows[1].kind is RowKind.DIVIDER)
        ):
            self._rows.remove(0)  # a turn whose lines were all dropped loses its divider too

    def _index_of(self, row: Row) -> int | None:
        rows = self._rows.rows
        for number in range(len(rows) - 1, -1, -1):  # updates are nearly always near the end
            if rows[number] is row:
                return number
        return None

    # --- keyboard: copy ---------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        opening = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
        if opening and self.toggle(self.currentIndex().row()):
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            chosen = sorted(i.row() for i in self.selectedIndexes())
            lines = []
            for number in chosen:
                row = self._rows.rows[number]
                if row.thought and row.entry is not None:
                    lines.append(f"Gemini (thought): {row.entry.text.strip()}")
                elif row.kind is RowKind.BUBBLE:
                    lines.append(f"{row.who.capitalize()}: {row.text}")
                elif row.kind is RowKind.SYSTEM:
                    lines.append(row.text)
            clipboard = QGuiApplication.clipboard()
            if lines and clipboard is not None:
                clipboard.setText("\n".join(lines))
            return
        super().keyPressEvent(event)

    # --- empty state and following the bottom ------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._rows.rows:
            super().paintEvent(event)
            return
        p = QPainter(self.viewport())
        p.setPen(QColor(COLORS["faint"]))
        p.drawText(
            self.viewport().rect(), int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), _EMPTY
        )
        p.end()

    def _on_scrolled(self, value: int) -> None:
        self._stick = value >= self.verticalScrollBar().maximum() - 24

    def _on_range(self, _low: int, high: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(high)
