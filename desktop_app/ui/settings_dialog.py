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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from desktop_app.controller_api import (
    DEFAULT_MODEL,
    NEW_SESSION_SECTIONS,
    Settings,
    StoredKey,
    ToolInfo,
    changed_fields,
    section_of,
)
from desktop_app.core.errors import ConfigError
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.settings_desktop import DesktopPage
from desktop_app.ui.settings_devices import DevicesPage
from desktop_app.ui.settings_model import ModelPage, only_taken
from desktop_app.ui.settings_pages import ConversationPage, GeminiPage, KeyAction, VideoRelayPage
from desktop_app.ui.settings_tools import ToolsPage
from desktop_app.ui.theme import COLORS

__all__ = ["KeyAction", "SettingsDialog"]

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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setModal(True)
        self.setMinimumSize(QSize(700, 580))
        self._original = settings
        self.key_action = KeyAction.KEEP
        self._result: Settings | None = None

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
        try:
            settings = self.edited_settings()
        except ConfigError as err:
            self.error.setText(str(err))
            self.error.setVisible(True)
            return
        self.key_action = self.gemini.key_action()
        self._result = settings
        self.accept()
