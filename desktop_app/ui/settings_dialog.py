"""The settings dialog: the API key, the model and voice, activity detection, devices, video and relay.

The dialog edits a copy of :class:`~desktop_app.controller_api.Settings` and never applies anything itself.
After ``exec()`` returns Accepted, read :meth:`SettingsDialog.result_settings` (validated; the key is the new
one when the user typed one, None when they asked to forget it) and :attr:`SettingsDialog.key_action`. The
dialog says, as the user edits, whether the change will start a new session: it asks the settings' own
diff (``changed_fields``, ``section_of``, ``NEW_SESSION_SECTIONS``), never a list of its own.

Its five pages are :attr:`~SettingsDialog.gemini`, :attr:`~SettingsDialog.model_options` (the options the
chosen model takes, :mod:`desktop_app.ui.settings_model`), :attr:`~SettingsDialog.conversation`,
:attr:`~SettingsDialog.devices` and :attr:`~SettingsDialog.video_relay`
(:mod:`desktop_app.ui.settings_pages`, :mod:`desktop_app.ui.settings_devices`). Device lists and the three
device tests run through the window's :class:`~desktop_app.ui.bridge.CommandRunner` in worker threads, so
the dialog never blocks.

A typed key is checked when it is saved (Save, or Enter in the key field): the dialog asks the controller's
``check_key`` on the loop and waits, Save showing "Checking key…". A key Gemini refuses is said under the
field and the dialog stays open; an unchecked key (Gemini unreachable) is saved, and
:attr:`SettingsDialog.key_note` says so for the window to show. Without a controller (the app is still
starting) the key is saved unchecked. Preview plays the chosen voice through the controller's
``preview_voice`` (only offered with a key).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from desktop_app.controller_api import (
    DEFAULT_MODEL,
    NEW_SESSION_SECTIONS,
    Controller,
    KeyCheck,
    Settings,
    StoredKey,
    ToolInfo,
    changed_fields,
    section_of,
)
from desktop_app.core.errors import ConfigError
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.dialog_size import opening_size
from desktop_app.ui.settings_desktop import DesktopPage
from desktop_app.ui.settings_devices import DevicesPage
from desktop_app.ui.settings_model import ModelPage, only_taken
from desktop_app.ui.settings_pages import ConversationPage, GeminiPage, KeyAction, VideoRelayPage
from desktop_app.ui.settings_tools import ToolsPage
from desktop_app.ui.theme import COLORS

__all__ = ["MINIMUM_SIZE", "KeyAction", "SettingsDialog"]

MINIMUM_SIZE = QSize(640, 440)
"""The dialog's minimum: it fits a 600-pixel-high screen with a panel and a title bar (the pages scroll)."""
PREFERRED_SIZE = QSize(780, 660)
"""The size it opens at where the screen has room (most pages then show whole)."""

_FIELD_NAMES = {
    "backend": "backend",
    "api_key": "API key",
    "model": "model",
    "voice": "voice",
    "response_modality": "response type",
    "system_instruction": "system instruction",
    "input_transcription": "transcription",
    "output_transcription": "transcription",
    "vad_start_sensitivity": "activity detection",
    "vad_end_sensitivity": "activity detection",
    "vad_silence_ms": "activity detection",
    "vad_prefix_padding_ms": "activity detection",
    "emulator_pace": "emulator pace",
}
"""How the reconnect note names a setting (others: the field name with spaces)."""


class SettingsDialog(QDialog):
    """See the module docstring. ``stored_key`` describes the saved key; ``env_key`` is True when the
    key comes from ``GEMINI_API_KEY``/``GOOGLE_API_KEY`` (which wins over a saved one)."""

    def __init__(
        self,
        settings: Settings,
        runner: CommandRunner,
        *,
        stored_key: StoredKey | None = None,
        env_key: bool = False,
        tools: Sequence[ToolInfo] = (),
        controller: Controller | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setModal(True)
        self.setMinimumSize(MINIMUM_SIZE)  # fixed: the layout would change it with each page's rows
        self.resize(opening_size(self, PREFERRED_SIZE))
        self._original = settings
        self.key_action = KeyAction.KEEP
        self._result: Settings | None = None
        self._runner = runner
        self._controller = controller
        self._checking = False
        self.key_note = ""
        """After Accepted: a sentence about the key to show (it could not be checked), or empty."""

        self.gemini = GeminiPage(stored_key or StoredKey(), env_key)
        self.model_options = ModelPage()  # the options only some models take, shown per chosen model
        self.conversation = ConversationPage()
        self.devices = DevicesPage(runner)
        self.video_relay = VideoRelayPage()
        self.tools = ToolsPage(tools)  # every tool's policy (``tools``: the run's tools), the MCP servers
        self.desktop = DesktopPage()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.gemini, "Gemini")
        self.tabs.addTab(self.model_options, "Model")
        self.tabs.addTab(self.conversation, "Conversation")
        self.tabs.addTab(self.devices, "Devices")
        self.tabs.addTab(self.video_relay, "Video && relay")
        self.tabs.addTab(self.tools, "Tools")
        self.tabs.addTab(self.desktop, "Desktop")

        self.reconnect_note = QLabel("")
        self.reconnect_note.setWordWrap(True)
        self.reconnect_note.setStyleSheet(f"color: {COLORS['warn']};")
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {COLORS['bad']};")
        self.error.setVisible(False)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reconnect_note, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(18, 18, 18, 14)
        box.setSpacing(12)
        box.addWidget(self.tabs, 1)
        box.addWidget(self.error)
        box.addLayout(buttons)
        pages = (
            self.gemini,
            self.model_options,
            self.conversation,
            self.devices,
            self.video_relay,
            self.desktop,
        )
        for page in pages:
            page.load(settings)
        for page in pages:
            page.edited.connect(self._update_note)
        self.tools.load(settings)
        self.tools.edited.connect(self._update_note)
        self.gemini.model.currentTextChanged.connect(self._model_changed)
        self.gemini.submitted.connect(self._on_save)
        self.gemini.preview_requested.connect(self._preview)
        has_key = bool(settings.api_key or env_key or (stored_key and stored_key.key))
        self.gemini.set_preview_available(controller is not None and has_key)
        self._model_changed(settings.model)
        self._update_note()

    def focus_key(self) -> None:
        """Show the Gemini page with the cursor in the API key field."""
        self.tabs.setCurrentWidget(self.gemini)
        self.gemini.api_key.setFocus()

    # --- values ------------------------------------------------------------------------------------

    def edited_settings(self) -> Settings:
        """The settings as edited so far. Raises ConfigError for a value out of range."""
        values = self.gemini.values() | self.model_options.values() | self.conversation.values()
        values |= self.devices.values() | self.video_relay.values() | self.tools.values()
        values |= self.desktop.values()
        return dataclasses.replace(
            self._original,
            **only_taken(values, values["model"]),  # never a value the chosen model refuses
            api_key=self.gemini.key_value(self._original.api_key),
        )

    def result_settings(self) -> Settings:
        """The accepted settings (call after Accepted)."""
        if self._result is None:
            raise RuntimeError("the dialog was not accepted")
        return self._result

    def changed_fields(self) -> frozenset[str]:
        """The settings edited so far (none while a value is out of range)."""
        try:
            return changed_fields(self._original, self.edited_settings())
        except ConfigError:
            return frozenset()

    def session_changes(self) -> frozenset[str]:
        """The edited settings whose change needs a new live session."""
        return frozenset(n for n in self.changed_fields() if section_of(n) in NEW_SESSION_SECTIONS)

    def needs_new_session(self) -> bool:
        return bool(self.session_changes())

    # --- behaviour ---------------------------------------------------------------------------------

    def _model_changed(self, model: str) -> None:
        model = model.strip() or DEFAULT_MODEL
        self.model_options.show_for(model)
        self.gemini.form.setRowVisible(self.gemini.modality, "response_modality" in self.model_options.taken)

    def _update_note(self) -> None:
        changed = self.session_changes()
        if not changed:
            self.reconnect_note.setText("")
            self.save_button.setText("Save")
            return
        names = sorted({_FIELD_NAMES.get(name, name.replace("_", " ")) for name in changed})
        self.reconnect_note.setText(
            f"Changing the {', '.join(names)} starts a new session: the conversation reconnects on Save."
        )
        self.save_button.setText("Save and reconnect")

    def _on_save(self) -> None:
        if self._checking or self._result is not None:
            return  # Enter reaches both the key field and the default button: one check, one save
        try:
            settings = self.edited_settings()
        except ConfigError as err:
            self.error.setText(str(err))
            self.error.setVisible(True)
            return
        action = self.gemini.key_action()
        if action is KeyAction.SAVE and self._controller is not None and settings.api_key:
            self._check_key(settings)
            return
        self._finish(settings, action)

    def _finish(self, settings: Settings, action: KeyAction) -> None:
        self.key_action = action
        self._result = settings
        self.accept()

    def _check_key(self, settings: Settings) -> None:
        """Ask Gemini whether it takes the typed key (loop thread); save, or say why not."""
        controller, key = self._controller, settings.api_key
        assert controller is not None and key
        self._checking = True
        self.save_button.setEnabled(False)
        self.save_button.setText("Checking key…")
        self.gemini.show_key_problem("")

        def checked(check: KeyCheck) -> None:
            self._checking = False
            self.save_button.setEnabled(True)
            self._update_note()
            if check.refused:
                self.tabs.setCurrentWidget(self.gemini)
                self.gemini.show_key_problem(
                    check.message + " Check it, or make a new key at aistudio.google.com/apikey."
                )
                self.gemini.api_key.setFocus()
                self.gemini.api_key.selectAll()
                return
            self.key_note = "" if check.checked else f"The key was saved but not checked. {check.message}"
            self._finish(settings, KeyAction.SAVE)

        def failed(message: str) -> None:
            checked(KeyCheck(checked=False, message=message))

        self._runner.submit(
            "Checking the key", controller.check_key, key, on_result=checked, on_error=failed, owner=self
        )

    def _preview(self, voice: str) -> None:
        controller = self._controller
        if controller is None:
            return
        self.gemini.show_preview_state(True)
        self._runner.submit(
            "Previewing the voice",
            controller.preview_voice,
            voice,
            on_result=lambda problem: self.gemini.show_preview_state(False, problem),
            on_error=lambda message: self.gemini.show_preview_state(False, message),
            owner=self,
        )
