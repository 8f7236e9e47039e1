"""The conversation as chat bubbles: the user on the right, Gemini on the left, system lines centred.

The view draws what a :class:`~desktop_app.ui.transcript_model.TranscriptModel` reports: call
:meth:`TranscriptView.apply` with its changes. An open (still streaming) bubble has a dashed border and
becomes solid when final; an interrupted reply says so. A thin divider starts each new turn. The view
stays scrolled to the bottom unless the reader has scrolled up.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.theme import set_dynamic
from desktop_app.ui.transcript_model import ChangeKind, EntryKind, TranscriptChange, TranscriptEntry

__all__ = ["Bubble", "TranscriptView"]


class Bubble(QFrame):
    """One entry. :meth:`refresh` redraws it from the entry (the entry itself is the model's)."""

    def __init__(self, entry: TranscriptEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setObjectName("bubble")
        self.setProperty("kind", entry.kind.value)
        self._who = QLabel()
        self._who.setObjectName("bubbleWho")
        self._meta = QLabel()
        self._meta.setObjectName("bubbleMeta")
        self._text = QLabel()
        self._text.setObjectName("bubbleText")
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        head = QHBoxLayout()
        head.setSpacing(8)
        head.addWidget(self._who)
        head.addStretch(1)
        head.addWidget(self._meta)
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 8, 12, 10)
        box.setSpacing(3)
        box.addLayout(head)
        box.addWidget(self._text)
        self._box = box
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        self._limit = 480
        self.refresh()

    def fit(self, limit: int | None = None) -> None:
        """Be as wide as the text needs, up to ``limit`` pixels (the view passes ~80 % of its width)."""
        if limit is not None:
            self._limit = max(160, limit)
        for label in (self._text, self._who, self._meta):
            label.ensurePolished()
        lines = self._text.text().splitlines() or [""]
        text_w = max(self._text.fontMetrics().horizontalAdvance(line) for line in lines)
        head_w = self._who.fontMetrics().horizontalAdvance(self._who.text()) + 8
        head_w += self._meta.fontMetrics().horizontalAdvance(self._meta.text())
        margins = self._box.contentsMargins()
        extra = margins.left() + margins.right() + 6
        self.setFixedWidth(min(self._limit, max(text_w, head_w, 60) + extra))

    @property
    def text(self) -> str:
        return self._text.text()

    @property
    def meta(self) -> str:
        return self._meta.text()

    def refresh(self) -> None:
        e = self.entry
        self._who.setText("YOU" if e.kind is EntryKind.USER else "GEMINI")
        meta = []
        if e.typed:
            meta.append("typed")
        if e.latency_ms is not None:
            meta.append(f"{e.latency_ms:,.0f} ms")
        if e.interrupted:
            meta.append("⏸ interrupted")
        elif not e.final:
            meta.append("…")
        self._meta.setText(" · ".join(meta))
        if e.text:
            self._text.setText(e.text.strip())
        else:
            self._text.setText("(interrupted before it spoke)" if e.interrupted else "")
        set_dynamic(self, "open", "false" if e.final else "true")
        set_dynamic(self, "interrupted", "true" if e.interrupted else "false")
        self.fit()


class _Row(QWidget):
    """A bubble placed left or right, at most ~80 % of the width."""

    def __init__(self, bubble: Bubble, right: bool) -> None:
        super().__init__()
        self.bubble = bubble
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        if right:
            row.addStretch(1)
        row.addWidget(bubble)
        if not right:
            row.addStretch(1)


class TranscriptView(QScrollArea):
    """See the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._content = QWidget()
        self._layout = QVBoxLayout(self._content)
        self._layout.setContentsMargins(4, 4, 8, 4)
        self._layout.setSpacing(8)
        self._empty = QLabel(
            "Say hello, or type below.\nWhat you say and what Gemini answers appears here as you speak."
        )
        self._empty.setObjectName("faint")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._layout.addStretch(1)  # removed with the first entry, so the conversation starts at the top
        self._layout.addWidget(self._empty)
        self._layout.addStretch(1)
        self.setWidget(self._content)
        self._rows: dict[int, QWidget] = {}
        self._bubbles: dict[int, Bubble] = {}
        self._dividers: dict[int, QLabel] = {}
        self._last_turn = 0
        self._stick = True
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range)
        self.setAccessibleName("Conversation transcript")

    # --- reading (for tests and the state file) --------------------------------------------------

    def bubbles(self) -> list[Bubble]:
        return list(self._bubbles.values())

    def visible_texts(self) -> list[tuple[str, str]]:
        """(kind, text) of every bubble and system line, in order."""
        out = []
        for i in range(self._layout.count()):
            item = self._layout.itemAt(i)
            w = item.widget() if item is not None else None
            if isinstance(w, _Row):
                out.append((w.bubble.entry.kind.value, w.bubble.text))
            elif isinstance(w, QLabel) and w.objectName() == "systemLine":
                out.append(("system", w.text()))
        return out

    def divider_texts(self) -> list[str]:
        return [d.text() for d in self._dividers.values()]

    # --- updates ---------------------------------------------------------------------------------

    def apply(self, changes: Iterable[TranscriptChange]) -> None:
        for change in changes:
            if change.kind is ChangeKind.ADDED:
                self._add(change.entry)
            elif change.kind is ChangeKind.UPDATED:
                bubble = self._bubbles.get(change.entry.id)
                if bubble is not None:
                    bubble.refresh()
            else:
                self._remove(change.entry)

    def _add(self, entry: TranscriptEntry) -> None:
        if self._layout.indexOf(self._empty) >= 0:
            self._layout.removeWidget(self._empty)
            self._empty.hide()
            first = self._layout.itemAt(0)
            if first is not None and first.spacerItem() is not None:
                self._layout.removeItem(first)
        if entry.kind is not EntryKind.SYSTEM and entry.turn != self._last_turn:
            self._last_turn = entry.turn
            divider = QLabel(f"Turn {entry.turn}")
            divider.setObjectName("turnDivider")
            divider.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._dividers[entry.id] = divider
            self._insert(divider)
        widget: QWidget
        if entry.kind is EntryKind.SYSTEM:
            widget = QLabel(entry.text)
            widget.setObjectName("systemLine")
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            widget.setWordWrap(True)
        else:
            bubble = Bubble(entry)
            bubble.fit(self._bubble_limit())
            self._bubbles[entry.id] = bubble
            widget = _Row(bubble, right=entry.kind is EntryKind.USER)
        self._rows[entry.id] = widget
        self._insert(widget)

    def _insert(self, widget: QWidget) -> None:
        # the layout ends with a stretch: insert before it, so bubbles gather at the top
        self._layout.insertWidget(self._layout.count() - 1, widget)

    def _remove(self, entry: TranscriptEntry) -> None:
        for store in (self._rows, self._dividers):
            widget = store.pop(entry.id, None)
            if widget is not None:
                self._layout.removeWidget(widget)
                widget.deleteLater()
        self._bubbles.pop(entry.id, None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        limit = self._bubble_limit()
        for bubble in self._bubbles.values():
            bubble.fit(limit)

    def _bubble_limit(self) -> int:
        return int(self.viewport().width() * 0.8)

    # --- follow the bottom -------------------------------------------------------------------------

    def _on_scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._stick = value >= bar.maximum() - 24

    def _on_range(self, _low: int, high: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(high)
