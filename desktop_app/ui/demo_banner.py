"""The first-run banner shown while the offline demo answers: what it is, and how to talk to Gemini instead.

Written for a person, not a developer: no environment variables, no "loopback". It says what the demo does,
links to the page where a Gemini API key is made (:data:`~desktop_app.core.error_wording.KEY_URL`), offers
*Add API key…* (:attr:`DemoBanner.set_key_requested`), and can be dismissed (:attr:`DemoBanner.dismissed`):
the window remembers that (``WindowMemory``) and sets :attr:`DemoBanner.hidden_by_user` at start-up, so a
dismissed banner stays away on later runs. The connection pill still says "Demo" meanwhile.

While a connection problem shows (:mod:`desktop_app.ui.error_banner`), the banner makes way for it: the
window connects the problem banner's ``showing_changed`` to :meth:`DemoBanner.make_way`, and two banners
never squeeze the conversation at 800×560. It comes back when the problem is resolved.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop_app.core.error_wording import KEY_URL
from desktop_app.ui.glyphs import glyph
from desktop_app.ui.theme import COLORS

__all__ = ["DEMO_TEXT", "DemoBanner"]

DEMO_TEXT = (
    "This is the offline demo, not Gemini: it plays back what you say, so you can check your microphone, "
    "speaker and camera. Nothing leaves this computer. To talk to Gemini, get an API key at "
    f'<a href="{KEY_URL}">aistudio.google.com/apikey</a> and add it here.'
)


class DemoBanner(QFrame):
    """See the module docstring. Hidden until :meth:`show_notice` gets a non-empty notice."""

    set_key_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.hidden_by_user = False
        """The user dismissed the banner (now or on an earlier run): it is not shown again."""
        self._notice = False  # the backend is the demo
        self._giving_way = False  # a connection problem shows
        self._text = QLabel(f"<b>Offline demo.</b> {DEMO_TEXT}")  # one label: a line less at 800×560
        self._text.setWordWrap(True)
        self._text.setTextFormat(Qt.TextFormat.RichText)
        self._text.setOpenExternalLinks(True)
        self._text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )  # fmt: skip
        self._text.setAccessibleName("About the offline demo")
        self._text.setStyleSheet(  # its links take Tab: a focus ring that does not move the text
            f"QLabel {{ border: 2px solid transparent; border-radius: 4px; }}"
            f" QLabel:focus {{ border-color: {COLORS['focus']}; }}"
        )
        button = QPushButton("Add API key…")
        button.setIcon(glyph("key", COLORS["text"], 16))
        button.setToolTip("Paste a Gemini API key; it is saved in your system keyring where possible")
        button.clicked.connect(self.set_key_requested)
        self.button = button
        close = QToolButton()
        close.setObjectName("flat")
        close.setIcon(glyph("close", COLORS["muted"], 14))
        close.setToolTip("Hide this notice (the status still says Demo)")
        close.setAccessibleName("Hide the offline demo notice")
        close.clicked.connect(self._dismiss)
        self.close_button = close
        icon = QLabel()
        icon.setPixmap(glyph("spark", COLORS["warn"], 22, 2.0).pixmap(QSize(22, 22)))
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 6, 10, 6)
        row.setSpacing(12)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self._text, 1)
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)
        self.setAccessibleName("Offline demo notice")

    @property
    def text(self) -> str:
        """The banner's words as plain text (the link as its visible text)."""
        shown = self._text.text().removeprefix("<b>Offline demo.</b> ")
        return shown.replace(f'<a href="{KEY_URL}">', "").replace("</a>", "")

    def show_notice(self, notice: str) -> None:
        """Show the banner while the backend gives a demo ``notice``; an empty one (Gemini) hides it.
        The backend's own wording is for the terminal: the banner has its own."""
        self._notice = bool(notice)
        self._update()

    def make_way(self, problem_shown: bool) -> None:
        """Hide while a connection problem shows (``problem_shown``), and come back after it."""
        self._giving_way = problem_shown
        self._update()

    def _update(self) -> None:
        self.setVisible(self._notice and not self.hidden_by_user and not self._giving_way)

    def _dismiss(self) -> None:
        self.hidden_by_user = True
        self.setVisible(False)
        self.dismissed.emit()
