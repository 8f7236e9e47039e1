"""The main window: what the user's actions do. Clicks, keys and the dialogs become controller commands.

:class:`MainWindow` is the :class:`~desktop_app.ui.window_events.EventView` (the widgets of
:mod:`~desktop_app.ui.window_layout` and how events show in them) plus its commands: the controls, the
composer, the keyboard (:mod:`~desktop_app.ui.window_keys`: the table's shortcuts run the actions named
here, the sheet on F1, Space for push-to-talk, Tab in layout order), the header buttons that open the
history panel and the settings, and applying what the settings dialog returns.

It turns user actions into calls of the :class:`~desktop_app.controller_api.Controller` methods through the
:class:`~desktop_app.ui.bridge.CommandRunner`; it never awaits the controller and never waits. Until
:meth:`MainWindow.attach` gives it a controller, actions only explain that the app is starting.

Closing: :meth:`closeEvent` does not close at once the first time; it emits :attr:`close_requested` so the
owner (:mod:`desktop_app.ui.window_app`) can shut the controller and the loop down in order, then call
:meth:`allow_close` and close again.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QTimer, QUrl, Signal, SignalInstance
from PySide6.QtGui import QCloseEvent, QDesktopServices, QShortcut

from desktop_app.controller_api import (
    Controller,
    Policy,
    Settings,
    StoredKey,
    changed_fields,
)
from desktop_app.core.events import SessionPhase
from desktop_app.core.masks import MaskRect, masks_for, replace_masks
from desktop_app.core.media_events import VideoState, VideoStatus
from desktop_app.core.redaction import Redactor
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.preview_demand import PreviewDemand
from desktop_app.ui.screen_picker import ScreenPicker
from desktop_app.ui.settings_dialog import KeyAction, SettingsDialog
from desktop_app.ui.shortcut_sheet import ShortcutSheet
from desktop_app.ui.tool_view import with_policy
from desktop_app.ui.transcript_model import ChangeKind
from desktop_app.ui.window_events import EventView
from desktop_app.ui.window_keys import WindowKeys
from desktop_app.ui.window_layout import DEFAULT_SIZE, MINIMUM_SIZE
from desktop_app.ui.window_ports import WindowPorts

__all__ = ["DEFAULT_SIZE", "MINIMUM_SIZE", "MainWindow"]

T = TypeVar("T")


class MainWindow(EventView):
    """See the module docstring. ``ports`` are the stores and the monitor lister it uses (WindowApp
    builds them). A top-level window: it has no parent."""

    close_requested = Signal()
    settings_applied = Signal(object)  # the new Settings, after a change (desktop_presence applies its part)

    def __init__(self, settings: Settings, runner: CommandRunner, ports: WindowPorts) -> None:
        super().__init__(settings)
        self.settings = settings
        self._runner = runner
        self._key_store = ports.key_store
        self._memory = ports.memory
        self._monitor_lister = ports.monitor_lister
        self._screen_chooser = ports.screen_chooser
        self.screen_picker: ScreenPicker | None = None
        self._mic_testing = False
        self.controller: Controller | None = None
        self._close_allowed = False
        self._closing = False
        self.dialog: SettingsDialog | None = None
        self.history_store = ports.history_store
        self.history_dialog: HistoryDialog | None = None
        self._stored_key = StoredKey()
        self.hide_on_close: Callable[[], bool] | None = None
        """Asked when the window is closed: True hides it (to the tray) instead (desktop_presence)."""
        self.desktop_status = ""
        """What the global shortcuts can do here, for the settings' Desktop page."""
        self.desktop_info: dict[str, Any] = {}
        """The desktop presence's state for :meth:`snapshot` (tray, overlay, keys)."""
        self._quitting = False

        self._connect_widgets()
        self.preview_demand = PreviewDemand(self, self._preview_rate)  # fewer camera frames when unseen
        self._connect_controls()
        self.keys = self._keys()
        self._runner.failed.connect(lambda message: self.notices.add(message, "error"))
        if not self._memory.restore(self, self.splitter):
            self.fit_to_screen()

    # --- wiring --------------------------------------------------------------------------------------

    def _connect_widgets(self) -> None:
        self.settings_button.clicked.connect(self.open_settings)
        self.history_button.clicked.connect(self.open_history)
        self.banner.set_key_requested.connect(lambda: self.open_settings(focus_key=True))
        self.banner.hidden_by_user = self._memory.demo_banner_dismissed
        self.banner.dismissed.connect(self._memory.dismiss_demo_banner)
        self.error_banner.showing_changed.connect(self.banner.make_way)  # one banner at a time
        self.error_banner.retry_requested.connect(self.retry)
        self.error_banner.settings_requested.connect(lambda key: self.open_settings(focus_key=key))
        self.video.retry_requested.connect(
            lambda: self.command("Retrying the camera", lambda ctl: ctl.retry_camera())
        )
        self.video.choose_requested.connect(self.choose_camera)
        self.video.masks_edited.connect(self._masks_edited)
        self.relay_panel.open_requested.connect(self._open_url)
        self.tools.always_allowed.connect(self._tool_always_allowed)
        self.composer.returnPressed.connect(self.send_typed)
        self.send_button.clicked.connect(self.send_typed)
        self.transcript_view.resend_requested.connect(self._resend)
        self._send_on(
            self.talk_toggle.listening_changed, "Starting to talk", lambda ctl, on: ctl.set_listening(on)
        )
        self.sharing_chip.stop_requested.connect(
            lambda: self.command("Stopping the share", lambda ctl: ctl.set_screen(None))
        )

    def _connect_controls(self) -> None:
        c = self.controls
        send = self._send_on
        send(c.mic_muted_changed, "Muting the microphone", lambda ctl, on: ctl.set_mic_muted(on))
        send(c.push_to_talk_changed, "Switching push-to-talk", lambda ctl, on: ctl.set_push_to_talk(on))
        send(c.talk_changed, "Push-to-talk", lambda ctl, on: ctl.talk(on))
        c.camera_changed.connect(self._camera_toggled)
        c.screen_changed.connect(self._screen_requested)
        send(c.vision_paused_changed, "Pausing vision", lambda ctl, on: ctl.set_vision_paused(on))
        send(c.headphones_changed, "Switching headphones mode", lambda ctl, on: ctl.set_headphones(on))
        send(c.volume_changed, "Setting the volume", lambda ctl, volume: ctl.set_volume(volume))
        c.monitors_wanted.connect(self.refresh_monitors)

    def _send_on(
        self,
        signal: SignalInstance,
        what: str,
        command: Callable[[Controller, Any], Coroutine[Any, Any, None]],
    ) -> None:
        """Each time ``signal`` fires with a value, run ``command(controller, value)``."""
        signal.connect(lambda value: self.command(what, lambda ctl: command(ctl, value)))

    def _keys(self) -> WindowKeys:
        """Each table shortcut runs its action here; Space and Tab too (see :mod:`.window_keys`)."""
        c = self.controls
        actions: dict[str, Callable[[], object]] = {
            "talk_toggle": self.talk_toggle.toggle,
            "mute": c.toggle_mic,
            "push_to_talk": c.toggle_ptt,
            "camera": c.toggle_camera,
            "screen": c.toggle_screen,
            "pause_vision": c.toggle_pause,
            "headphones": c.toggle_headphones,
            "volume_up": lambda: c.nudge_volume(1),
            "volume_down": lambda: c.nudge_volume(-1),
            "settings": self.open_settings,
            "history": self.open_history,
            "shortcuts": self.open_shortcut_sheet,
            "composer": self.composer.setFocus,
            "quit": self.quit,
        }
        return WindowKeys(
            self,
            actions,
            push_to_talk=lambda: self.input_state.push_to_talk,
            talk=lambda pressed: self.command("Push-to-talk", lambda ctl: ctl.talk(pressed)),
        )

    @property
    def shortcuts(self) -> dict[str, QShortcut]:
        return self.keys.shortcuts

    @property
    def shortcut_sheet(self) -> ShortcutSheet | None:
        return self.keys.sheet

    def open_shortcut_sheet(self) -> ShortcutSheet:
        """Show the list of shortcuts (F1, Ctrl+/), or bring it forward; returns it (tests read it)."""
        return self.keys.open_sheet(self.settings)

    # --- the controller ------------------------------------------------------------------------------

    def attach(self, controller: Controller) -> None:
        """Give the window its controller (after the window is shown: the import is the slow part)."""
        self.controller = controller
        self.tools.attach(controller, self._runner)  # consent cards and the Qt ports, when it runs tools
        QTimer.singleShot(0, self.preview_demand.check)  # after "Starting", if it changed before attach

    def _preview_rate(self, fps: float) -> bool:
        if self.controller is None or self._closing or self._close_allowed:  # none before start or at the end
            return False
        self.command("Setting the preview rate", lambda ctl: ctl.set_preview_fps(fps))
        return True

    def command(
        self,
        what: str,
        command: Callable[[Controller], Coroutine[Any, Any, T]],
        on_result: Callable[[T], None] | None = None,
    ) -> None:
        """Run ``command(controller)`` on the loop, as the window's own controls do (``what`` names it
        in a failure notice); before :meth:`attach`, say that the app is still starting instead."""
        controller = self.controller
        if controller is None:
            self.notices.add("The app is still starting; try again in a moment.", "info", timeout_s=5)
            return
        self._runner.submit(what, command, controller, on_result=on_result)

    def retry(self) -> None:
        """Reconnect after a connection problem (the error banner's Retry)."""
        self.command(
            "Reconnecting",
            lambda ctl: ctl.retry(),
            on_result=lambda _none: self.error_banner.retry_finished(),
        )

    def _camera_toggled(self, on: bool) -> None:
        spec = (self.settings.video_source or "0") if on else None
        self.command("Switching the camera", lambda ctl: ctl.set_camera(spec))

    def _screen_requested(self, monitor: str | None) -> None:
        """Stop sharing at once; a share opens the picker (nothing is shared before its Share button)."""
        if monitor is None:
            self.command("Stopping the share", lambda ctl: ctl.set_screen(None))
        else:
            self.controls.show_state(self.input_state)  # not sharing until the picker says what
            self.open_screen_picker(monitor)

    def open_screen_picker(self, preselect: str | None = None) -> ScreenPicker:
        """Open the share picker (window-modal); returns it (tests drive it)."""
        picker = self.screen_picker
        if picker is not None and shiboken6.isValid(picker) and picker.isVisible():
            picker.raise_()
            return picker
        picker = ScreenPicker(self._runner, self._screen_chooser, preselect=preselect, parent=self)
        picker.chosen.connect(
            lambda spec: self.command("Sharing the screen", lambda ctl: ctl.set_screen(spec))
        )
        picker.finished.connect(picker.deleteLater)
        self.screen_picker = picker
        picker.open()
        return picker

    def send_typed(self) -> None:
        text = self.composer.text().strip()
        if not text:
            return
        self.composer.clear()
        self._send_text(text)

    def _send_text(self, text: str) -> None:
        """Show ``text`` as a typed turn and send it; marked "not sent", with Resend, if it was not."""
        changes = self.transcript.add_typed(text)
        self.transcript_view.apply(changes)
        entry = next(c.entry for c in changes if c.kind is ChangeKind.ADDED)

        def answered(sent: bool) -> None:
            if not sent:
                self.transcript_view.apply(self.transcript.mark_not_sent(entry.id))
                self._dirty()

        self.command("Sending the message", lambda ctl: ctl.send_text(text), on_result=answered)
        self._dirty()

    def _resend(self, note_id: int) -> None:
        text, removed = self.transcript.take_unsent(note_id)
        self.transcript_view.apply(removed)
        if text:
            self._send_text(text)

    def refresh_monitors(self) -> None:
        self._runner.run_blocking(
            "Listing screens",
            self._monitor_lister,
            on_result=self.controls.set_monitors,
            on_error=lambda message: self._notice(message, "warning", 10),
            owner=self,
        )

    def _open_url(self, url: QUrl) -> None:
        if not QDesktopServices.openUrl(url):
            self.notices.add(
                f"No web browser could be opened. Open {url.toString()} in your browser yourself.",
                "warning",
                timeout_s=20,
            )

    # --- settings ------------------------------------------------------------------------------------

    def open_settings(self, focus_key: bool = False) -> SettingsDialog:
        """Open the (window-modal) settings dialog; returns it (tests drive it)."""
        if self.dialog is not None and shiboken6.isValid(self.dialog) and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        env_key = bool(os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY"))
        dialog = SettingsDialog(
            self.settings,
            self._runner,
            stored_key=self._stored_key,
            env_key=env_key,
            tools=self.tools.specs,
            controller=self.controller,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._settings_accepted(dialog))
        dialog.devices.mic_test_running.connect(self._mic_test_running)
        dialog.finished.connect(lambda: self._mic_test_running(False))  # closed mid-test: listen again
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        dialog.desktop.set_status(self.desktop_status)
        if focus_key:
            dialog.focus_key()
        return dialog

    def choose_camera(self) -> SettingsDialog:
        """Open the settings' camera list (the "Choose another…" button beside a failed camera's Retry)."""
        dialog = self.open_settings()
        dialog.tabs.setCurrentWidget(dialog.devices)
        dialog.devices.camera_combo.setFocus()
        return dialog

    def _mic_test_running(self, running: bool) -> None:
        """The settings' microphone test stays local: Gemini does not hear it."""
        if running or self._mic_testing:
            self._mic_testing = running
            self.command("Testing the microphone", lambda ctl: ctl.set_mic_test(running))

    def open_history(self) -> HistoryDialog:
        """Open the history panel (non-modal: the conversation goes on); returns it (tests drive it)."""
        dialog = self.history_dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.refresh()
            dialog.activateWindow()  # asks the window manager to bring it forward
            return dialog
        dialog = HistoryDialog(
            self._runner, self.history_store, history_enabled=self.settings.history, parent=self
        )
        dialog.finished.connect(dialog.deleteLater)
        self.history_dialog = dialog
        dialog.show()
        return dialog

    def set_stored_key(self, stored: StoredKey) -> None:
        """What the key store holds (loaded at start-up off the Qt thread)."""
        self._stored_key = stored

    def _settings_accepted(self, dialog: SettingsDialog) -> None:
        settings = dialog.result_settings()
        action = dialog.key_action
        if dialog.key_note:
            self.notices.add(dialog.key_note, "warning", timeout_s=30)
        if action is KeyAction.SAVE and settings.api_key:
            self._runner.run_blocking(
                "Saving the API key",
                self._key_store.save,
                settings.api_key,
                on_result=self._key_saved,
                on_error=self._notice,
            )
        elif action is KeyAction.FORGET:
            self._runner.run_blocking(
                "Forgetting the API key",
                self._key_store.delete,
                on_result=lambda _none: self.set_stored_key(StoredKey()),
                on_error=self._notice,
            )
        self.apply_settings(settings)

    def _notice(self, message: str, tone: str = "error", timeout_s: float | None = None) -> None:
        self.notices.add(message, tone, timeout_s=timeout_s)

    def _key_saved(self, stored: StoredKey) -> None:
        self.set_stored_key(stored)
        if stored.warning:
            self.notices.add(stored.warning, "warning", timeout_s=30)

    def _show_video_status(self, status: VideoStatus) -> None:
        super()._show_video_status(status)
        if status.state is not VideoState.STOPPED:
            self.video.show_masks(status.source, masks_for(self.settings.video_masks, status.source))

    def _masks_edited(self, source: str, masks: tuple[MaskRect, ...]) -> None:
        """The user drew or removed a privacy mask on the preview: store it like any other setting."""
        entries = replace_masks(self.settings.video_masks, source, masks)
        self.apply_settings(dataclasses.replace(self.settings, video_masks=entries))

    def _tool_always_allowed(self, name: str) -> None:
        """The runtime saved "allow" for ``name``: keep the window's copy of the settings in step."""
        entries = with_policy(self.settings.tool_policies, name, Policy.ALLOW)
        self.settings = dataclasses.replace(self.settings, tool_policies=entries)

    def apply_settings(self, settings: Settings) -> None:
        old, self.settings = self.settings, settings
        if settings.api_key != old.api_key:
            self._runner.set_redactor(Redactor([settings.api_key, old.api_key]))
        if not changed_fields(old, settings):
            return
        self.status.set_prices(settings.price_input_per_mtok, settings.price_output_per_mtok)  # the estimate
        self.settings_applied.emit(settings)

        def applied(reconnected: bool) -> None:
            live = self.connection.phase is SessionPhase.LIVE and not self.error_banner.showing
            text = "Settings saved; a new session started." if reconnected and live else "Settings saved."
            self.notices.add(text, "info", timeout_s=6)

        self.command("Applying the settings", lambda ctl: ctl.apply_settings(settings), on_result=applied)

    # --- closing ---------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._close_allowed:
            self._memory.save(self, self.splitter)
            self.keys.stop()
            event.accept()
            return
        event.ignore()
        if not self._quitting and not self._closing and self.hide_on_close and self.hide_on_close():
            self.hide()
            return
        if not self._closing:
            self._closing = True
            self.setEnabled(False)
            self.pill.show_label(dataclasses.replace(self.pill.status, text="Closing…", tone="idle"))
            self.close_requested.emit()

    def snapshot(self) -> dict[str, Any]:
        return {**super().snapshot(), "desktop": {**self.desktop_info, "status": self.desktop_status}}

    def quit(self) -> None:
        """Close for good (Ctrl+Q, the tray's Quit, ``--quit``), even when closing would hide to the tray."""
        self._quitting = True
        self.close()

    def allow_close(self) -> None:
        self._close_allowed = True
