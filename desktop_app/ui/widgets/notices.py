"""Readable, non-modal notices (errors, warnings, information).

:class:`NoticeArea` stacks at most ``max_visible`` notices (the oldest goes when a new one arrives; that is
the drop policy). A repeat of a visible message bumps its counter instead of stacking. Information and
retryable problems fade after a while; other errors stay until the user closes them.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop_app.ui.glyphs import glyph
from desktop_app.ui.theme import COLORS, set_dynamic

__all__ = ["Notice", "NoticeArea"]

_TONE_GLYPH = {
    "error": ("close", COLORS["bad"]),
    "warning": ("spark", COLORS["warn"]),
    "info": ("spark", COLORS["accent"]),
}


class Notice(QFrame):
    closed = Signal(object)

    def __init__(self, message: str, tone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        set_dynamic(self, "tone", tone)
        self.message = message
        self.tone = tone
        self.count = 1
        self._label = QLabel(message)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mark = QLabel()
        name, color = _TONE_GLYPH.get(tone, _TONE_GLYPH["info"])
        mark.setPixmap(glyph(name, color, 16, 2.2).pixmap(QSize(16, 16)))
        mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        close = QToolButton()
        close.setObjectName("flat")
        close.setIcon(glyph("close", COLORS["muted"], 14))
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss notice")
        close.clicked.connect(lambda: self.closed.emit(self))
        self.close_button = close
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 6, 8)
        row.setSpacing(8)
        row.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self._label, 1)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.setAccessibleName(f"{tone} notice")

    @property
    def text(self) -> str:
        return self._label.text()

    def repeat(self) -> None:
        self.count += 1
        self._label.setText(f"{self.message}  (×{self.count})")


class NoticeArea(QWidget):
    """Call :meth:`add`; notices appear at the top of the conversation column."""

    def __init__(self, parent: QWidget | None = None, *, max_visible: int = 3) -> None:
        super().__init__(parent)
        self._max = max_visible
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.setSpacing(6)
        self._notices: list[Notice] = []
        self.history: list[tuple[str, str]] = []
        """Every (tone, message) shown this run, oldest first (bounded to the last 200)."""
        self.setVisible(False)

    def notices(self) -> list[Notice]:
        return list(self._notices)

    def add(self, message: str, tone: str = "error", *, timeout_s: float | None = None) -> Notice:
        """Show ``message``; ``timeout_s`` hides it later (None: until dismissed)."""
        self.history.append((tone, message))
        del self.history[:-200]
        for notice in self._notices:
            if notice.message == message and notice.tone == tone:
                notice.repeat()
                return notice
        notice = Notice(message, tone, self)
        notice.closed.connect(self.dismiss)
        self._notices.append(notice)
        self._box.addWidget(notice)
        while len(self._notices) > self._max:
            self.dismiss(self._notices[0])
        if timeout_s is not None:
            QTimer.singleShot(int(timeout_s * 1000), notice, lambda: self.dismiss(notice))
        self.setVisible(True)
        return notice

    def dismiss(self, notice: Notice) -> None:
        if notice in self._notices:
            self._notices.remove(notice)
            self._box.removeWidget(notice)
            notice.hide()
            notice.deleteLater()
        self.setVisible(bool(self._notices))

    def clear(self) -> None:
        for notice in list(self._notices):
            self.dismiss(notice)
