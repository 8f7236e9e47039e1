"""The window's two privacy controls: "Start talking" and the "Sharing … — Stop" chip.

Nothing is sent before a deliberate act (issue 18). :class:`TalkToggle` is that act for the microphone: a
big button that says what the next click does ("Start talking" while idle, "Stop talking" while Gemini
listens), with the shortcut :data:`TALK_TOGGLE_KEY`. :class:`SharingChip` says plainly what is being
shared while it lasts, with a Stop button beside it. Both only emit what the user asked for and show what
the controller last reported (``show_state`` with an :class:`InputState`), like the control bar.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.core.app_events import InputState
from desktop_app.ui.glyphs import glyph
from desktop_app.ui.shortcut_keys import keys_of
from desktop_app.ui.theme import COLORS, set_dynamic

__all__ = ["TALK_TOGGLE_KEY", "SharingChip", "TalkToggle", "sharing_text"]

TALK_TOGGLE_KEY = keys_of("talk_toggle")[0]  # from the one table of shortcuts
"""Start or stop talking. Not Space (push-to-talk holds it), not Ctrl+D (mute in Meet) or Ctrl+T."""

_START = "Start talking"
_STOP = "Stop talking"


def sharing_text(state: InputState) -> str:
    """``Sharing screen 1`` while a share lasts, else empty (the chip and the tray's tooltip say it)."""
    if state.screen is None:
        return ""
    return f"Sharing {state.screen_label or 'the screen'}"


class TalkToggle(QPushButton):
    """Emits ``listening_changed(True)`` for "Start talking", False for "Stop talking"."""

    listening_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_START, parent)
        self.setCheckable(True)
        self.setMinimumHeight(44)
        width = max(self.fontMetrics().horizontalAdvance(t) for t in (_START, _STOP)) + 64
        self.setFixedWidth(width)  # the label changes, the size does not
        self.setAccessibleName("Start or stop talking")
        self.toggled.connect(self.listening_changed)
        self._show(False)

    def show_state(self, state: InputState) -> None:
        """Reflect ``state.listening`` without emitting anything back."""
        self.blockSignals(True)
        self.setChecked(state.listening)
        self.blockSignals(False)
        self._show(state.listening)

    def _show(self, listening: bool) -> None:
        self.setText(_STOP if listening else _START)
        self.setIcon(glyph("mic-off" if listening else "mic", COLORS["text"] if listening else "#0b1020", 20))
        tip = (
            f"Gemini hears you. Stop sending the microphone ({TALK_TOGGLE_KEY})"
            if listening
            else f"Nothing is sent until you start. Start talking to Gemini ({TALK_TOGGLE_KEY})"
        )
        self.setToolTip(tip)
        self.setAccessibleDescription(tip)
        name = "" if listening else "primary"  # the theme's accent button while idle
        if self.objectName() != name:
            self.setObjectName(name)
            self.style().unpolish(self)
            self.style().polish(self)


class SharingChip(QFrame):
    """Shown only while a screen, window or region is shared: ``Sharing screen 1`` and a Stop button
    (``stop_requested``)."""

    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        set_dynamic(self, "tone", "warning")
        self.label = QLabel("")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.stop = QPushButton("Stop")
        self.stop.setObjectName("flat")  # no taller than the header's other buttons: nothing shifts
        self.stop.setToolTip("Stop sharing (and turn back on the camera if it was on)")
        self.stop.setAccessibleName("Stop sharing")
        self.stop.clicked.connect(self.stop_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 0, 2, 0)
        row.setSpacing(8)
        row.addWidget(self.label)
        row.addWidget(self.stop)
        self.setVisible(False)

    def show_state(self, state: InputState) -> None:
        text = sharing_text(state)
        self.label.setText(text)
        self.setAccessibleName(text)
        self.setVisible(bool(text))
