"""The tray icon: the conversation's state at a glance, and a menu for mute, push-to-talk, show/hide, quit.

:class:`Tray` follows the same events the window shows (:meth:`Tray.on_event`: ``SessionState``,
``InputState``, ``BackendInfo``) and keeps :attr:`Tray.state` (:func:`tray_state`). Its menu's actions
emit the signals the owner wires to the controller (``desktop_presence``); they exist, and work, even where
no system tray runs (:attr:`Tray.available` is False: under Xvfb, on some Wayland desktops), so the owner
must then keep "close" meaning "quit". Construct on the Qt thread.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop_app.core.app_events import BackendInfo, InputState
from desktop_app.core.events import SessionPhase, SessionState
from desktop_app.ui.glyphs import glyph
from desktop_app.ui.theme import COLORS

__all__ = ["Tray", "TrayState", "tray_state"]


class TrayState(enum.StrEnum):
    IDLE = "Idle: nothing is sent"  # the window started idle: no session before "Start talking"
    STARTING = "Starting…"
    LIVE = "Live"
    MUTED = "Muted"
    RECONNECTING = "Reconnecting…"
    OFFLINE_DEMO = "Offline demo"
    CLOSED = "Not connected"


_LOOK = {
    TrayState.IDLE: ("mic-off", COLORS["faint"]),
    TrayState.STARTING: ("mic", COLORS["faint"]),
    TrayState.LIVE: ("mic", COLORS["ok"]),
    TrayState.MUTED: ("mic-off", COLORS["bad"]),
    TrayState.RECONNECTING: ("refresh", COLORS["warn"]),
    TrayState.OFFLINE_DEMO: ("mic", COLORS["accent"]),
    TrayState.CLOSED: ("mic-off", COLORS["faint"]),
}


def tray_state(phase: SessionPhase | None, muted: bool, offline: bool, listening: bool = True) -> TrayState:
    """What the icon shows: the connection first (idle, reconnecting, closed), then muted, then live or
    demo."""
    if phase is None and not listening:
        return TrayState.IDLE
    if phase is None or phase is SessionPhase.CONNECTING:
        return TrayState.STARTING
    if phase is SessionPhase.RECONNECTING:
        return TrayState.RECONNECTING
    if phase is SessionPhase.CLOSED:
        return TrayState.CLOSED
    if muted:
        return TrayState.MUTED
    return TrayState.OFFLINE_DEMO if offline else TrayState.LIVE


class Tray(QObject):
    """See the module docstring. Signals: ``mute_toggled(bool)``, ``push_to_talk_toggled(bool)``,
    ``show_hide_requested``, ``overlay_toggled(bool)``, ``overlay_unlock_requested``, ``quit_requested``."""

    mute_toggled = Signal(bool)
    push_to_talk_toggled = Signal(bool)
    show_hide_requested = Signal()
    overlay_toggled = Signal(bool)
    overlay_unlock_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.menu = QMenu()
        self.status_action = self.menu.addAction(TrayState.STARTING.value)
        self.status_action.setEnabled(False)
        self.menu.addSeparator()
        self.mute_action = self._checkable("Mute microphone", self.mute_toggled)
        self.ptt_action = self._checkable("Push-to-talk", self.push_to_talk_toggled)
        self.overlay_action = self._checkable("Caption overlay", self.overlay_toggled)
        self.unlock_action = self.menu.addAction("Move or resize captions")
        self.unlock_action.triggered.connect(self.overlay_unlock_requested)
        self.menu.addSeparator()
        self.show_action = self.menu.addAction("Show window")
        self.show_action.triggered.connect(self.show_hide_requested)
        self.quit_action = self.menu.addAction("Quit")
        self.quit_action.triggered.connect(self.quit_requested)
        self.icon = QSystemTrayIcon(self)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self._phase: SessionPhase | None = None
        self._muted = False
        self._offline = False
        self._listening = True
        self._sharing = ""  # "Sharing screen 1" while a share lasts: said in the tooltip too
        self.state = TrayState.STARTING
        self._show_state()
        if self.available:
            self.icon.show()

    def _checkable(self, text: str, signal: object) -> QAction:
        action = self.menu.addAction(text)
        action.setCheckable(True)
        action.triggered.connect(signal)
        return action

    def on_event(self, event: object) -> None:
        """Follow the window's events (any other event is ignored)."""
        if isinstance(event, SessionState):
            self._phase = event.phase
        elif isinstance(event, InputState):
            self._muted = event.mic_muted
            self._listening = event.listening
            shared = event.screen_label or "the screen"
            self._sharing = f"Sharing {shared}" if event.screen is not None else ""
            self.mute_action.setChecked(event.mic_muted)
            self.ptt_action.setChecked(event.push_to_talk)
        elif isinstance(event, BackendInfo):
            self._offline = bool(event.notice)
        else:
            return
        self._show_state()

    def set_window_visible(self, visible: bool) -> None:
        """The show/hide item names what it will do."""
        self.show_action.setText("Hide window" if visible else "Show window")

    def set_overlay_shown(self, shown: bool) -> None:
        self.overlay_action.setChecked(shown)

    def show_message(self, title: str, body: str) -> bool:
        """A balloon from the tray icon; False (nothing shown) without a tray."""
        if not self.available or not self.icon.isVisible():
            return False
        self.icon.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 8000)
        return True

    def _show_state(self) -> None:
        self.state = tray_state(self._phase, self._muted, self._offline, self._listening)
        name, color = _LOOK[self.state]
        icon: QIcon = glyph(name, color, size=32)
        self.icon.setIcon(icon)
        sharing = f" · {self._sharing}" if self._sharing else ""
        self.icon.setToolTip(f"Gemini Live — {self.state.value}{sharing}")
        self.status_action.setText(self.state.value)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.Trigger:
            self.show_hide_requested.emit()

    def close(self) -> None:
        self.icon.hide()
