"""A consent card: a tool the model wants to run, its arguments, and Allow once / Always allow / Deny.

The card shows a :class:`~desktop_app.ui.tool_view.ConsentPrompt` and emits :attr:`ConsentCard.answered`
with the call id and the :class:`ConsentAnswer` when a button is pressed (mouse, Tab then Space/Enter, or
the window's shortcuts :data:`SHORTCUTS`, which act on the oldest waiting card). :meth:`ConsentCard.settle`
closes it: the buttons go and the card says what happened ("allowed once", "timed out — denied"…).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.controller_api import ConsentAnswer
from desktop_app.ui.shortcut_keys import keys_of
from desktop_app.ui.theme import COLORS
from desktop_app.ui.tool_view import CardState, ConsentPrompt

__all__ = ["SHORTCUTS", "ConsentCard"]

SHORTCUTS: dict[ConsentAnswer, str] = {
    ConsentAnswer.ALLOW_ONCE: keys_of("consent_allow_once")[0],
    ConsentAnswer.ALWAYS: keys_of("consent_always")[0],
    ConsentAnswer.DENY: keys_of("consent_deny")[0],
}
"""The window's keys for the oldest waiting card (the composer keeps its typing: Alt+letter types nothing)."""

_LABELS = {
    ConsentAnswer.ALLOW_ONCE: "Allow once",
    ConsentAnswer.ALWAYS: "Always allow this tool",
    ConsentAnswer.DENY: "Deny",
}


class ConsentCard(QFrame):
    """See the module docstring. Construct on the Qt thread."""

    answered = Signal(str, object)
    """(call id, ConsentAnswer): the user pressed a button (only while the card waits)."""

    def __init__(self, prompt: ConsentPrompt, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompt = prompt
        self.state = CardState.WAITING
        self.setObjectName("consentCard")
        self.setStyleSheet(
            f"#consentCard {{ background: {COLORS['surface2']}; border: 1px solid {COLORS['warn']};"
            " border-radius: 12px; }"
        )
        self.setAccessibleName(f"Consent for the tool {prompt.tool}")
        title = QLabel(f"Gemini wants to use <b>{_escape(prompt.tool)}</b> — it {_escape(prompt.risk)}")
        title.setWordWrap(True)
        description = QLabel(prompt.description)
        description.setWordWrap(True)
        description.setObjectName("faint")
        self.args = QLabel(prompt.args_text)
        self.args.setTextFormat(Qt.TextFormat.PlainText)
        self.args.setWordWrap(True)
        self.args.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.args.setStyleSheet(f"font-family: monospace; color: {COLORS['text']};")
        self.args.setAccessibleName("Arguments")
        self.buttons: dict[ConsentAnswer, QPushButton] = {}
        row = QHBoxLayout()
        for answer, label in _LABELS.items():
            button = QPushButton(label)
            button.setToolTip(f"{label} ({SHORTCUTS[answer]})")
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.setAutoDefault(True)  # Enter presses the focused button too
            button.clicked.connect(lambda _checked=False, a=answer: self.choose(a))
            row.addWidget(button)
            self.buttons[answer] = button
        self.buttons[ConsentAnswer.ALLOW_ONCE].setObjectName("primary")
        row.addStretch(1)
        self.hint = QLabel(
            f"{SHORTCUTS[ConsentAnswer.ALLOW_ONCE]} · {SHORTCUTS[ConsentAnswer.ALWAYS]} · "
            f"{SHORTCUTS[ConsentAnswer.DENY]} · denied after {prompt.timeout_s:g} s without an answer"
        )
        self.hint.setObjectName("faint")
        self.status = QLabel("")
        self.status.setVisible(False)
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 10, 12, 10)
        box.setSpacing(6)
        for widget in (title, description, self.args):
            box.addWidget(widget)
        box.addLayout(row)
        box.addWidget(self.hint)
        box.addWidget(self.status)

    def choose(self, answer: ConsentAnswer) -> bool:
        """Answer as if the button was pressed; False once the card no longer waits."""
        if not self.state.open:
            return False
        self.answered.emit(self.prompt.call_id, answer)
        return True

    def focus_first(self) -> None:
        self.buttons[ConsentAnswer.ALLOW_ONCE].setFocus(Qt.FocusReason.OtherFocusReason)

    def settle(self, state: CardState) -> None:
        """Close the card as ``state``: no more buttons, one line saying what happened."""
        if not self.state.open or state.open:
            return
        self.state = state
        for button in self.buttons.values():
            button.setVisible(False)
        self.hint.setVisible(False)
        tone = "ok" if state in (CardState.ALLOWED_ONCE, CardState.ALWAYS) else "muted"
        self.status.setText(state.value.capitalize())
        self.status.setStyleSheet(f"color: {COLORS[tone]};")
        self.status.setVisible(True)
        self.setStyleSheet(
            f"#consentCard {{ background: {COLORS['surface']}; border: 1px solid {COLORS['border']};"
            " border-radius: 12px; }"
        )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
