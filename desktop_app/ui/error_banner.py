"""The connection problem banner: what is wrong in plain words, a way out, and the technical detail folded.

:class:`ErrorBanner` shows one :class:`~desktop_app.core.error_wording.ErrorWording` at a time (a newer
problem replaces the older one) with **Retry**, a second button when the wording asks for one (*Check
key…* or *Open settings…*), and *Details* that unfolds the event's own message (close code and server
reason, already redacted). It stays until :meth:`ErrorBanner.resolve` (the session is live again, or the
backend that could not open is up); it has no close button, because a connection that is down does not
go away by being dismissed. The window connects :attr:`retry_requested` and :attr:`settings_requested`,
and :attr:`showing_changed` to the demo banner, which makes way while a problem shows.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from desktop_app.core.error_wording import Action, ErrorWording
from desktop_app.ui.glyphs import glyph
from desktop_app.ui.theme import COLORS, set_dynamic

__all__ = ["ErrorBanner"]

_SECOND_BUTTON = {Action.SET_KEY: "Check key…", Action.SETTINGS: "Open settings…"}


class ErrorBanner(QFrame):
    """See the module docstring. Hidden until :meth:`show_problem`."""

    retry_requested = Signal()
    settings_requested = Signal(bool)
    """The second button: True to put the cursor in the API key field."""
    showing_changed = Signal(bool)
    """A problem is now shown (True) or resolved (False); emitted on each change only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        set_dynamic(self, "tone", "error")
        self.wording: ErrorWording | None = None
        self.code = ""
        """The ``ErrorEvent`` code of the problem shown ("backend", "connection_lost", …), or empty."""
        self.title = QLabel()
        self.title.setObjectName("bannerTitle")
        self.title.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setObjectName("faint")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setVisible(False)
        self.details_button = QToolButton()
        self.details_button.setObjectName("flat")
        self.details_button.setCheckable(True)
        self.details_button.setText("Details")
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setAccessibleName("Show the technical details")
        self.details_button.toggled.connect(self._toggle_details)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("primary")
        self.retry_button.setAccessibleName("Retry the connection")
        self.retry_button.clicked.connect(self._retry)
        self.action_button = QPushButton()
        self.action_button.setVisible(False)
        self.action_button.clicked.connect(
            lambda: self.settings_requested.emit(
                self.wording is not None and self.wording.action is Action.SET_KEY
            )
        )
        icon = QLabel()
        icon.setPixmap(glyph("close", COLORS["bad"], 18, 2.2).pixmap(QSize(18, 18)))
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title)
        text.addWidget(self.hint)
        text.addWidget(self.detail)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 8, 14, 8)
        row.setSpacing(12)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        row.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setAccessibleName("Connection problem")
        self.setVisible(False)

    @property
    def showing(self) -> bool:
        """A problem is shown (the banner may still be hidden while its window is)."""
        return self.wording is not None

    def show_problem(self, wording: ErrorWording, detail: str, code: str = "") -> None:
        """Show ``wording`` with ``detail`` folded under *Details* (replacing any problem shown); ``code``
        is the ``ErrorEvent`` code it stands for (:attr:`code`)."""
        was_showing = self.showing
        self.wording = wording
        self.code = code
        self.title.setText(wording.title)
        self.hint.setText(wording.hint)
        self.detail.setText(detail)
        self.details_button.setVisible(bool(detail))
        second = _SECOND_BUTTON.get(wording.action)
        self.action_button.setVisible(second is not None)
        self.action_button.setText(second or "")
        self.retry_button.setEnabled(True)
        self.retry_button.setText("Retry")
        self.setAccessibleDescription(f"{wording.title}. {wording.hint}")
        self.setVisible(True)
        if not was_showing:
            self.showing_changed.emit(True)

    def resolve(self) -> None:
        """The problem is over (the session is live): hide the banner."""
        was_showing = self.showing
        self.wording = None
        self.code = ""
        self.details_button.setChecked(False)
        self.setVisible(False)
        if was_showing:
            self.showing_changed.emit(False)

    def retry_finished(self) -> None:
        """The retry ran: offer it again if the problem is still shown (no new event replaced it)."""
        if self.wording is not None:
            self.retry_button.setEnabled(True)
            self.retry_button.setText("Retry")

    def _retry(self) -> None:
        self.retry_button.setEnabled(False)  # until the next problem or the fix: one attempt at a time
        self.retry_button.setText("Retrying…")
        self.retry_requested.emit()

    def _toggle_details(self, shown: bool) -> None:
        self.detail.setVisible(shown)
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
