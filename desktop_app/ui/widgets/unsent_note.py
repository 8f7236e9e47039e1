"""The note under a typed message that was not sent: it says so, and offers to send it again."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.ui.theme import set_dynamic

__all__ = ["UnsentNote"]


class UnsentNote(QFrame):
    """``note_id`` is the UNSENT entry's id; :attr:`resend` emits it when the user presses Resend."""

    resend = Signal(int)

    def __init__(self, note_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        set_dynamic(self, "tone", "warning")
        label = QLabel("Not sent: Gemini was not connected.")
        label.setWordWrap(True)
        self.button = QPushButton("Resend")
        self.button.setAccessibleName("Resend the message that was not sent")
        self.button.clicked.connect(lambda: self.resend.emit(note_id))
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 6, 4)
        row.addWidget(label, 1)
        row.addWidget(self.button)
        self.setAccessibleName("Message not sent")
