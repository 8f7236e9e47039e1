"""The browser relay: the page's URL, how many browsers are connected (their addresses in the tooltip and
the accessible description), "Open page" (in the web browser) and "Copy link", on one low row."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.core.app_events import RelayStatus
from desktop_app.ui.glyphs import glyph
from desktop_app.ui.theme import COLORS

__all__ = ["RelayPanel"]


class RelayPanel(QWidget):
    """Shows :class:`RelayStatus`. :attr:`open_requested` carries the URL to open (the window opens it)."""

    open_requested = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("BROWSER PAGE")
        title.setObjectName("cardTitle")
        self._url = QLabel("Starting the relay…")
        self._url.setObjectName("muted")
        self._url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._clients_label = QLabel("")
        self._clients_label.setObjectName("faint")
        self._open = QPushButton("Open page")
        self._open.setToolTip("Open the page in your web browser")
        self._open.setIcon(glyph("globe", COLORS["text"], 16))
        self._open.setEnabled(False)
        self._open.clicked.connect(self._on_open)
        self._copy = QPushButton("Copy link")
        self._copy.setIcon(glyph("copy", COLORS["text"], 16))
        self._copy.setEnabled(False)
        self._copy.clicked.connect(self._on_copy)
        self._copy.setText("")
        self._copy.setToolTip("Copy the page's address")
        self._copy.setAccessibleName("Copy link")
        icon = QLabel()
        icon.setPixmap(glyph("globe", COLORS["muted"], 22).pixmap(QSize(22, 22)))
        heading = QHBoxLayout()
        heading.setSpacing(8)
        heading.addWidget(title)
        heading.addWidget(self._clients_label)
        heading.addStretch(1)
        text = QVBoxLayout()
        text.setSpacing(1)
        text.addLayout(heading)
        text.addWidget(self._url)
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(icon)
        row.addLayout(text, 1)
        row.addWidget(self._open)
        row.addWidget(self._copy)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        box.addLayout(row)
        self.url = ""
        self.clients: tuple[str, ...] = ()

    def show_status(self, status: RelayStatus) -> None:
        self.url = status.url
        self.clients = status.clients
        self._url.setText(status.url or "The relay is not running.")
        self._url.setObjectName("" if status.url else "muted")
        self._open.setEnabled(bool(status.url))
        self._copy.setEnabled(bool(status.url))
        n = len(status.clients)
        self._clients_label.setText("none connected" if n == 0 else f"{n} connected")  # short: one line
        self._clients_label.setToolTip("\n".join(status.clients) if n else "No browser has the page open.")
        self._clients_label.setAccessibleDescription(", ".join(status.clients))

    def _on_open(self) -> None:
        if self.url:
            self.open_requested.emit(QUrl(self.url))

    def _on_copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if self.url and clipboard is not None:
            clipboard.setText(self.url)
