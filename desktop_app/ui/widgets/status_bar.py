"""The connection pill in the header, and the status bar: "hearing you", latency, token usage (the last report
and the session's total, thoughts and tool use apart), the context gauge, the estimated cost, frames sent.

The status bar's token fields come from a :class:`~desktop_app.ui.usage_status.UsageStatus`: the window
must tell it the model (:meth:`StatusStrip.set_model`), the user's prices (:meth:`StatusStrip.set_prices`)
and when a new session starts (:meth:`StatusStrip.new_session`)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from desktop_app.core.events import UsageUpdate
from desktop_app.ui.connection_status import StatusLabel
from desktop_app.ui.theme import COLORS, TONE_COLORS
from desktop_app.ui.usage_status import UsageStatus

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
    """Permanent fields along the bottom of the window. ``model`` is the model the session starts with."""

    def __init__(self, parent: QWidget | None = None, model: str = "") -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self.latency = QLabel("Latency —")
        self.latency.setToolTip("End of your speech → first reply audio, for the last turn")
        self.tokens = QLabel("Tokens —")
        self.tokens.setToolTip("Token usage reported by the server")
        self.gauge = QProgressBar()
        self.gauge.setRange(0, 1000)
        self.gauge.setTextVisible(True)
        self.gauge.setMaximumWidth(130)
        self.gauge.setAccessibleName("Context used against the compression trigger")
        self.cost = QLabel("")
        self.cost.setAccessibleName("Estimated cost of this session")
        self.frames = QLabel("Vision off")
        self.speaking = QLabel("")
        self.speaking.setAccessibleName("Voice activity")
        for w in (self.speaking, self.latency, self.tokens, self.gauge, self.cost, self.frames):
            self.addPermanentWidget(w)
        self.usage = UsageStatus(model)
        self._show_usage_texts()

    @property
    def last_usage(self) -> UsageUpdate | None:
        """The last usage report shown (None before the first of this session)."""
        return self.usage.last

    def set_model(self, model: str) -> None:
        """The session runs ``model``: its catalog entry decides how reports add up and what they cost."""
        self.usage.set_model(model)
        self._show_usage_texts()

    def set_prices(self, price_input: float | None, price_output: float | None) -> None:
        """The user's prices for the estimate (None: the catalog's), applied at once."""
        self.usage.set_prices(price_input, price_output)
        self._show_usage_texts()

    def new_session(self) -> None:
        """A new session started: the counts start from zero."""
        self.usage.reset()
        self._show_usage_texts()

    def show_latency(self, ms: float) -> None:
        self.latency.setText(f"Latency {ms:,.0f} ms")

    def show_usage(self, usage: UsageUpdate) -> None:
        self.usage.apply(usage)
        self._show_usage_texts()

    def _show_usage_texts(self) -> None:
        u = self.usage
        self.tokens.setText(u.tokens_text)
        self.tokens.setToolTip(u.tokens_tooltip)
        self.gauge.setValue(round(u.gauge_fraction * 1000))
        self.gauge.setFormat(u.gauge_text)
        self.gauge.setToolTip(u.gauge_tooltip)
        self.gauge.setAccessibleDescription(u.gauge_tooltip)
        self.cost.setText(u.cost_text)
        self.cost.setToolTip(u.cost_tooltip)
        self.cost.setAccessibleDescription(u.cost_tooltip)

    def show_frames(self, text: str) -> None:
        self.frames.setText(text)

    def show_speaking(self, speaking: bool) -> None:
        """The server heard the user start (True) or stop talking: "heard you" shows until it ends."""
        self.speaking.setText("● hearing you" if speaking else "")
        self.speaking.setStyleSheet(f"color: {COLORS['ok']};" if speaking else "")
