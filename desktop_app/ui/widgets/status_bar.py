"""The connection pill in the header, and the status bar: latency, token usage, frames sent, relay clients."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from desktop_app.core.events import UsageUpdate
from desktop_app.ui.connection_status import StatusLabel
from desktop_app.ui.theme import COLORS, TONE_COLORS

__all__ = ["ConnectionPill", "StatusStrip"]


class ConnectionPill(QLabel):
    """A rounded label with a coloured dot: Connecting…, Live, Reconnecting…, Closed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pill")
        self.status = StatusLabel("Starting…", "idle")
        self.show_label(self.status)
        self.setAccessibleName("Connection state")

    def show_label(self, label: StatusLabel) -> None:
        self.status = label
        color = TONE_COLORS.get(label.tone, COLORS["faint"])
        self.setText(f'<span style="color:{color}">●</span>&nbsp; {label.text}')
        self.setToolTip(label.tooltip)
        self.setAccessibleDescription(label.text)

    @property
    def plain_text(self) -> str:
        return self.status.text


class StatusStrip(QStatusBar):
    """Permanent fields along the bottom of the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self.latency = QLabel("Latency —")
        self.latency.setToolTip("End of your speech → first reply audio, for the last turn")
        self.tokens = QLabel("Tokens —")
        self.tokens.setToolTip("Token usage reported by the server")
        self.frames = QLabel("Vision off")
        self.speaking = QLabel("")
        for w in (self.speaking, self.latency, self.tokens, self.frames):
            self.addPermanentWidget(w)
        self._session_tokens = 0
        self.last_usage: UsageUpdate | None = None

    def show_latency(self, ms: float) -> None:
        self.latency.setText(f"Latency {ms:,.0f} ms")

    def show_usage(self, usage: UsageUpdate) -> None:
        self.last_usage = usage
        self._session_tokens += usage.total_tokens
        self.tokens.setText(
            f"Tokens {usage.total_tokens:,} (in {usage.prompt_tokens:,} · out {usage.response_tokens:,})"
            f" · session {self._session_tokens:,}"
        )
        self.tokens.setToolTip(
            "Last usage report: prompt, response and total tokens; 'session' adds up the reports."
        )

    def show_frames(self, text: str) -> None:
        self.frames.setText(text)

    def show_speaking(self, speaking: bool) -> None:
        self.speaking.setText("● hearing you" if speaking else "")
        self.speaking.setStyleSheet(f"color: {COLORS['ok']};" if speaking else "")
