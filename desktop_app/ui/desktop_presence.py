"""Always at hand: the tray, the caption overlay, the global keys, notifications, autostart and the
one-instance commands, wired to the main window.

:class:`DesktopPresence` owns those parts and routes them to the window's own controls, so a mute from the
tray, the mute key or ``--toggle-mute`` is exactly a click on the window's mute button. The owner
(:mod:`desktop_app.ui.window_app`) must: connect the event bridge to :meth:`on_event` (after the window),
call :meth:`apply` with the settings at start and whenever the window applies new ones, ask
:meth:`hide_on_close` when the window is closed, hand instance commands to :meth:`run_command`, and call
:meth:`stop` before quitting. :attr:`quit_requested` asks the owner to shut down.

Tool consent while the window is hidden or not in front: every consent card the window shows
(``WindowTools.card_shown``) is also asked on the overlay and as a desktop notification with the same
answers; the first answer goes to the card (``WindowTools.answer``), and a card answered or withdrawn in the
window closes the overlay's question. :meth:`consent_prompt` is that generic part: it shows a question with
buttons and :attr:`prompt_answered` ``(key, action_id)`` fires once with the first answer.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeySequence, QShortcut

from desktop_app.controller_api import ConsentAnswer, Settings
from desktop_app.core.app_events import InputState
from desktop_app.core.events import SessionPhase, SessionState
from desktop_app.ui.autostart import is_autostart_enabled, set_autostart
from desktop_app.ui.desktop_memory import DesktopMemory
from desktop_app.ui.global_shortcuts import GlobalShortcuts
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.notifications import Notifier
from desktop_app.ui.overlay import CaptionOverlay
from desktop_app.ui.shortcut_keys import keys_of
from desktop_app.ui.talk_driver import TalkDriver
from desktop_app.ui.tool_view import ConsentPrompt
from desktop_app.ui.transcript_model import EntryKind
from desktop_app.ui.tray import Tray

__all__ = ["DesktopPresence"]

log = logging.getLogger(__name__)

OVERLAY_KEY = keys_of("captions")[0]  # in the window: show or hide the captions
CONSENT_ACTIONS = {
    ConsentAnswer.ALLOW_ONCE.value: "Allow once",
    ConsentAnswer.ALWAYS.value: "Always allow",
    ConsentAnswer.DENY.value: "Deny",
}
TRAY_NOTICE = "Gemini Live is still running in the tray. Use Quit in the tray menu to end it."


class DesktopPresence(QObject):
    """See the module docstring. Construct on the Qt thread after the window."""

    quit_requested = Signal()
    prompt_answered = Signal(int, str)

    def __init__(
        self,
        window: MainWindow,
        *,
        memory: DesktopMemory | None = None,
        shortcuts: GlobalShortcuts | None = None,
        notifier: Notifier | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.memory = memory or DesktopMemory()
        self.tray = Tray(self)
        self.overlay = CaptionOverlay(self.memory)
        self.shortcuts = shortcuts or GlobalShortcuts(parent=self)
        self.notifier = notifier or Notifier(self._fallback_notice, parent=self)
        self.talk = TalkDriver(window.command, lambda: window.input_state.push_to_talk)
        self.settings = window.settings
        self._was_reconnecting = False
        self._prompts: dict[int, int] = {}  # notification key -> overlay prompt key
        self._answered: set[int] = set()
        self._tool_calls: dict[int, str] = {}  # prompt key -> tool call id (as many as cards are open)

        self.tray.mute_toggled.connect(self.set_muted)
        self.tray.push_to_talk_toggled.connect(self.set_push_to_talk)
        self.tray.show_hide_requested.connect(self.toggle_window)
        self.tray.overlay_toggled.connect(self.set_overlay_shown)
        self.tray.overlay_unlock_requested.connect(self.unlock_overlay)
        self.overlay_shortcut = QShortcut(QKeySequence(OVERLAY_KEY), window)
        self.overlay_shortcut.activated.connect(lambda: self.set_overlay_shown(not self.overlay.isVisible()))
        self.tray.quit_requested.connect(self.quit_requested)
        self.shortcuts.talk.connect(self.talk.set_held)
        self.shortcuts.toggle_mute.connect(self.window.controls.toggle_mic)
        self.shortcuts.status_changed.connect(self._shortcut_status)
        self.overlay.prompt_answered.connect(lambda key, action: self._answer(key, action))
        self.notifier.action_invoked.connect(self._notification_action)
        window.settings_applied.connect(self.apply)
        window.tools.card_shown.connect(self._tool_card)
        window.tools.card_closed.connect(self._tool_card_closed)
        self.prompt_answered.connect(self._tool_answered)
        window.installEventFilter(self)

    # --- settings -------------------------------------------------------------------------------------

    def apply(self, settings: Settings) -> None:
        """Bring the keys, the overlay and the autostart entry in line with ``settings``."""
        old, self.settings = self.settings, settings
        first = old is settings
        if first or (old.global_shortcuts, old.talk_shortcut, old.mute_shortcut) != (
            settings.global_shortcuts,
            settings.talk_shortcut,
            settings.mute_shortcut,
        ):
            self.shortcuts.apply(settings)
        self._show_overlay(settings.caption_overlay)
        if settings.autostart != is_autostart_enabled():
            try:
                set_autostart(settings.autostart)
            except OSError as err:
                self.window.notices.add(f"The autostart entry could not be changed ({err}).", "warning")

    def _shortcut_status(self, text: str) -> None:
        self.window.desktop_status = text
        self._publish_info()

    def _publish_info(self) -> None:
        """What the window's state file reports of the presence (tests and benchmarks read it)."""
        self.window.desktop_info = {
            "tray_available": self.tray.available,
            "tray_icon_visible": self.tray.icon.isVisible(),
            "window_visible": self.window.isVisible(),
            "tray_state": self.tray.state.value,
            "overlay_visible": self.overlay.isVisible(),
            "keys_active": sorted(self.shortcuts.active),
        }
        if self.window.state_file is not None:
            self.window.state_file.mark_dirty()

    # --- the window's state ------------------------------------------------------------------------------

    def on_event(self, event: object) -> None:
        """Every event the window saw (connect after the window's own slot)."""
        self.tray.on_event(event)
        self._publish_info()
        if isinstance(event, InputState) and event.push_to_talk != self.window.settings.push_to_talk:
            # the controller saved the push_to_talk setting with the toggle: the dialog must start from it
            self.window.settings = dataclasses.replace(self.window.settings, push_to_talk=event.push_to_talk)
        if isinstance(event, SessionState):
            if event.phase is SessionPhase.RECONNECTING:
                self._was_reconnecting = True
            elif event.phase is SessionPhase.LIVE:
                self._was_reconnecting = False
            elif event.phase is SessionPhase.CLOSED and self._was_reconnecting and event.detail:
                self._was_reconnecting = False
                if not self.window.isActiveWindow():
                    self.notify("Gemini Live stopped reconnecting", event.detail)
        if self.overlay.isVisible():
            entries = [e for e in self.window.transcript.entries if e.kind is not EntryKind.SYSTEM]
            self.overlay.show_lines([(e.kind.value, e.text) for e in entries[-3:]])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self.tray.set_window_visible(event.type() == QEvent.Type.Show)
            self._publish_info()
        return False

    # --- actions (tray, keys, instance commands) ---------------------------------------------------------

    def set_muted(self, muted: bool) -> None:
        if self.window.controls.mic.isChecked() != muted:
            self.window.controls.toggle_mic()

    def set_push_to_talk(self, enabled: bool) -> None:
        if self.window.controls.ptt.isChecked() != enabled:
            self.window.controls.toggle_ptt()

    def show_window(self) -> None:
        """Show, raise and focus the window (a second launch and ``--show`` do this)."""
        if self.window.isMinimized():
            self.window.showNormal()
        else:
            self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self.show_window()

    def set_overlay_shown(self, shown: bool) -> None:
        """Show or hide the captions, and remember it as the ``caption_overlay`` setting."""
        self._show_overlay(shown)
        if shown != self.window.settings.caption_overlay:
            self.window.apply_settings(dataclasses.replace(self.window.settings, caption_overlay=shown))

    def unlock_overlay(self) -> None:
        """Show the captions unlocked: drag, resize, font size; its Lock button saves them."""
        self.set_overlay_shown(True)
        self.overlay.set_locked(False)

    def _show_overlay(self, shown: bool) -> None:
        if shown and not self.overlay.isVisible():
            self.overlay.show()
            self.on_event(None)
        elif not shown and not self.overlay.prompt_open:
            self.overlay.hide()
        self.tray.set_overlay_shown(shown)
        self._publish_info()

    def run_command(self, command: str) -> None:
        """One of :data:`~desktop_app.ui.instance_client.COMMANDS`, from another process."""
        if command == "show":
            self.show_window()
        elif command == "quit":
            self.quit_requested.emit()
        elif command == "toggle-mute":
            self.window.controls.toggle_mic()
        elif command == "push-to-talk start":
            self.talk.press()
        elif command == "push-to-talk stop":
            self.talk.release()
        else:
            log.info("ignoring the unknown instance command %r", command)

    # --- closing --------------------------------------------------------------------------------------

    def hide_on_close(self) -> bool:
        """True when closing the window should hide it to the tray (the setting is on and a tray runs);
        the first time, a notice says where it went."""
        if not (self.settings.close_to_tray and self.tray.available):
            return False
        if not self.memory.tray_notice_shown:
            self.memory.mark_tray_notice_shown()
            if not self.tray.show_message("Gemini Live", TRAY_NOTICE):
                self.notify("Gemini Live", TRAY_NOTICE)
        return True

    def stop(self) -> None:
        """Release the keys, hide the tray icon and the overlay."""
        self.shortcuts.stop()
        self.notifier.close()
        self.tray.close()
        self.overlay.close()

    # --- notifications and prompts --------------------------------------------------------------------

    def notify(self, summary: str, body: str = "", actions: Mapping[str, str] | None = None) -> int:
        """A desktop notification (or the tray's balloon, else a window notice); returns its key."""
        return self.notifier.notify(summary, body, actions)

    def _fallback_notice(self, summary: str, body: str) -> None:
        if not self.tray.show_message(summary, body):
            self.window.notices.add(f"{summary}: {body}" if body else summary, "info", timeout_s=30)

    def consent_prompt(self, title: str, text: str, actions: Mapping[str, str]) -> int | None:
        """While the window is hidden or not active: ask on the overlay and in a notification; returns the
        key :attr:`prompt_answered` will carry. None when the window is in front (ask there instead)."""
        if self.window.isVisible() and self.window.isActiveWindow():
            return None
        key = self.overlay.show_prompt(title, text, actions)
        self._prompts[self.notify(title, text, actions)] = key
        return key

    def _tool_card(self, prompt: ConsentPrompt) -> None:
        text = f"{prompt.description} It {prompt.risk}. {prompt.args_text}".strip()
        key = self.consent_prompt(f"Allow the tool “{prompt.tool}”?", text, CONSENT_ACTIONS)
        if key is not None:
            self._tool_calls[key] = prompt.call_id

    def _tool_answered(self, key: int, action: str) -> None:
        call_id = self._tool_calls.pop(key, None)
        if call_id is not None:
            self.window.tools.answer(call_id, ConsentAnswer(action))

    def _tool_card_closed(self, call_id: str) -> None:
        for key, waiting in list(self._tool_calls.items()):
            if waiting == call_id:
                del self._tool_calls[key]
                self._answered.add(key)  # a late click on the notification does nothing
                if self.overlay.prompt_open and self.overlay.prompt_key == key:
                    self.overlay.close_prompt()

    def _notification_action(self, note: int, action: str) -> None:
        key = self._prompts.pop(note, None)
        if key is not None:
            self.overlay.close_prompt()
            self._answer(key, action)

    def _answer(self, key: int, action: str) -> None:
        if key in self._answered:
            return
        self._answered.add(key)
        self.prompt_answered.emit(key, action)
