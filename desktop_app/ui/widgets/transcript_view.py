"""The conversation as chat bubbles: the user on the right, Gemini on the left, system lines centred.

The view draws what a :class:`~desktop_app.ui.transcript_model.TranscriptModel` reports: call
:meth:`TranscriptView.apply` with its changes. An open (still streaming) bubble has a dashed border and
becomes solid when final; an interrupted reply says so. A thin divider starts each new turn. The view
stays scrolled to the bottom unless the reader has scrolled up. Ctrl+C copies the selected lines.

A thought summary is a collapsed bubble ("Thoughts ▸"): a click, or Enter or Space on the current line (the
view takes Tab focus), opens or closes it (:meth:`TranscriptView.toggle`).

Tools: a function call is a compact muted line (``✓ clock_now({}) · allow · 3 ms → …``). A consent card
(:class:`~desktop_app.ui.widgets.consent_card.ConsentCard`) and a reply's search sources
(:class:`~desktop_app.ui.widgets.source_chips.SourceChips`) are real widgets on their line, so Tab and the
keyboard reach their buttons; the view re-emits their :attr:`consent_answered` and :attr:`source_failed`.

It is a list view with a painting delegate, not a widget per line: a long conversation costs only its
text (a widget per bubble cost about 100 KB each, which a ten-minute session felt). Only cards and source
chips, which are few, are widgets.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
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
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.theme import COLORS
from desktop_app.ui.transcript_model import ChangeKind, EntryKind, TranscriptChange, TranscriptEntry
from desktop_app.ui.widgets.consent_card import ConsentCard
from desktop_app.ui.widgets.source_chips import SourceChips
from desktop_app.ui.widgets.transcript_rows import BubbleLook, Row, RowKind, RowModel, bubble_look
from desktop_app.ui.widgets.unsent_note import UnsentNote

__all__ = ["BubbleLook", "Row", "RowKind", "TranscriptView", "bubble_look"]  # rows: transcript_rows.py

_PAD_X, _PAD_TOP, _PAD_BOTTOM, _GAP, _SPACING = 12, 8, 10, 3, 8
_RADIUS = 12.0
MEASURE_CHARS = 75
"""A bubble's text is at most this many average characters wide, however wide the window (a readable
measure: long lines are hard to follow back to the next one)."""
_EMPTY = "Say hello, or type below.\nWhat you say and what Gemini answers appears here as you speak."


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
        """(bubble width, bubble height, text height) for a bubble in a view ``width`` wide. The text
        wraps at ``bubble width - 2 * _PAD_X - 2``, here and in :meth:`_paint_bubble` alike."""
        f = self._fonts
        text_fm, small_fm = QFontMetrics(f.text), QFontMetrics(f.small)
        measure = text_fm.averageCharWidth() * MEASURE_CHARS + 2 * _PAD_X + 2
        limit = max(160, min(int(width * 0.8), measure))
        lines = row.text.splitlines() or [""]
        natural = max(text_fm.horizontalAdvance(line) for line in lines)
        head = QFontMetrics(f.who).horizontalAdvance(row.who) + 12 + small_fm.horizontalAdvance(row.meta)
        bubble_w = min(limit, max(natural, head, 60) + 2 * _PAD_X + 4)  # 2 px spare: advances round
        flags = int(Qt.TextFlag.TextWordWrap)
        text_w = bubble_w - 2 * _PAD_X - 2
        text_h = text_fm.boundingRect(QRect(0, 0, text_w, 100_000), flags, row.text).height()
        bubble_h = _PAD_TOP + small_fm.height() + _GAP + max(text_h, text_fm.height()) + _PAD_BOTTOM
        return bubble_w, bubble_h, text_h

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        row = self._view.row_at(index.row())
        width = self._view.viewport().width() - 4
        if row.kind is RowKind.BUBBLE:
            return QSize(width, self.bubble_geometry(row, width)[1] + _SPACING)
        if row.widget is not None:
            hint = row.widget.heightForWidth(width) if row.widget.hasHeightForWidth() else -1
            return QSize(width, (hint if hint > 0 else row.widget.sizeHint().height()) + _SPACING)
        font = self._fonts.system if row.kind is RowKind.SYSTEM else self._fonts.who
        if row.kind is RowKind.TOOL:
            font = self._fonts.small
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
        elif row.kind is RowKind.TOOL:
            p.setFont(self._fonts.small)
            p.setPen(QColor(COLORS["accent"] if selected else COLORS["muted"]))
            area = rect.adjusted(_PAD_X, 4, -_PAD_X, -4)
            p.drawText(area, int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), row.text)
        elif row.kind is not RowKind.WIDGET:
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
        bubble_w, bubble_h, text_h = self.bubble_geometry(row, rect.width())
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
        inner = QRectF(left + _PAD_X + 1, rect.top() + _PAD_TOP, bubble_w - 2 * _PAD_X - 2, bubble_h)
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
        body = QRectF(inner.left(), inner.top() + small_h + _GAP, inner.width(), text_h)  # as measured
        p.drawText(body, int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), row.text)


class TranscriptView(QListView):
    """See the module docstring."""

    consent_answered = Signal(str, object)
    """(call id, ConsentAnswer): the user answered a consent card."""
    source_failed = Signal(str)
    """A source chip's link was refused or no browser opened it."""
    resend_requested = Signal(int)
    """Resend on a not-sent message's note: the UNSENT entry's id (``TranscriptModel.take_unsent``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows = RowModel()
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
        self.setStyleSheet(  # the focus ring's border is always there (transparent) so nothing re-wraps
            "QListView { background: transparent; border: 2px solid transparent; border-radius: 8px; }"
            f" QListView:focus {{ border-color: {COLORS['focus']}; }}"
            " QListView::item { background: transparent; }"
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
        """(kind, text) of every line but the dividers, in order (the entry kind, or ``"system"``)."""
        out = []
        for r in self._rows.rows:
            if r.kind is RowKind.SYSTEM:
                out.append(("system", r.text))
            elif r.kind is not RowKind.DIVIDER and r.entry is not None:
                out.append((r.entry.kind.value, r.text))
        return out

    def cards(self) -> dict[str, ConsentCard]:
        """The consent cards shown, by call id."""
        return {
            r.entry.call_id: r.widget
            for r in self._rows.rows
            if r.entry is not None and isinstance(r.widget, ConsentCard)
        }

    def source_chips(self) -> list[SourceChips]:
        return [r.widget for r in self._rows.rows if isinstance(r.widget, SourceChips)]

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
                    if isinstance(row.widget, ConsentCard) and change.entry.card is not None:
                        row.widget.settle(change.entry.card)
                    self._changed(row)
            else:
                self._remove(change.entry)

    def _add(self, entry: TranscriptEntry) -> None:
        if entry.kind is EntryKind.SYSTEM:
            row = Row(RowKind.SYSTEM, entry=None, label=entry.text)
        elif entry.kind is EntryKind.TOOL:
            row = Row(RowKind.TOOL, entry=entry)
        elif entry.kind in (EntryKind.CONSENT, EntryKind.SOURCES, EntryKind.UNSENT):
            self._add_widget_row(entry)
            return
        else:
            if entry.turn != self._last_turn:
                self._last_turn = entry.turn
                self._rows.append(Row(RowKind.DIVIDER, label=f"Turn {entry.turn}"))
            row = Row(RowKind.BUBBLE, entry=entry)
        self._entry_rows[entry.id] = row
        self._rows.append(row)

    def _add_widget_row(self, entry: TranscriptEntry) -> None:
        widget: QWidget
        if entry.prompt is not None:
            card = ConsentCard(entry.prompt)
            card.answered.connect(self.consent_answered)
            widget = card
        elif entry.grounding is not None:
            chips = SourceChips(entry.grounding)
            chips.open_failed.connect(self.source_failed)
            widget = chips
        elif entry.kind is EntryKind.UNSENT:
            note = UnsentNote(entry.id)
            note.resend.connect(self.resend_requested)
            widget = note
        else:
            return
        row = Row(RowKind.WIDGET, entry=entry, widget=widget)
        self._entry_rows[entry.id] = row
        self._rows.append(row)
        holder = QWidget()  # the line's spacing below the card, as bubbles have
        box = QVBoxLayout(holder)
        box.setContentsMargins(1, 0, 1, _SPACING)
        box.addWidget(widget)
        self.setIndexWidget(self._rows.index(len(self._rows.rows) - 1), holder)

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

    def viewportEvent(self, event: QEvent) -> bool:
        """Rows are as tall as their text wrapped at the viewport's width: when that width changes without
        the view resizing (the scroll bar appears or goes), lay them out again, or the end of the last
        reply would sit below the end of the scroll range."""
        resized = isinstance(event, QResizeEvent) and event.type() == QEvent.Type.Resize
        if resized and event.size().width() != event.oldSize().width():  # type: ignore[attr-defined]
            self.scheduleDelayedItemsLayout()
        return super().viewportEvent(event)

    def _on_scrolled(self, value: int) -> None:
        self._stick = value >= self.verticalScrollBar().maximum() - 24

    def _on_range(self, _low: int, high: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(high)
