"""The settings dialog's Desktop page: push-to-talk, the global keys, the tray, the captions, autostart.

Besides its fields it shows what the global keys can do on this desktop (:meth:`DesktopPage.set_status`,
from :class:`~desktop_app.ui.global_shortcuts.GlobalShortcuts`): active keys, or why not and the command
fallback. The key fields take text like ``Ctrl+Alt+Space`` or ``F9``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from desktop_app.controller_api import Settings
from desktop_app.ui.settings_fields import SettingsPage
from desktop_app.ui.x11_hotkeys import parse_shortcut

__all__ = ["DesktopPage"]


class DesktopPage(SettingsPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.push_to_talk = self.field(
            "Push-to-talk", "push_to_talk", QCheckBox("Send my voice only while I hold the talk key")
        )
        self.explain(
            "Gemini answers the moment you let go. Switching it starts a new session, because Gemini "
            "then stops listening for the end of speech by itself."
        )
        self.global_shortcuts = self.field(
            "Global keys", "global_shortcuts", QCheckBox("Use these keys from any application")
        )
        self.talk_shortcut = QLineEdit()
        self.talk_shortcut.setAccessibleName("Hold to talk key")
        self.mute_shortcut = QLineEdit()
        self.mute_shortcut.setAccessibleName("Mute key")
        for edit in (self.talk_shortcut, self.mute_shortcut):
            edit.setPlaceholderText("e.g. Ctrl+Alt+Space or F9")
            edit.textEdited.connect(self._keys_edited)
        self.row("Hold to talk", self.talk_shortcut)
        self.row("Mute / unmute", self.mute_shortcut)
        self.explain(
            "On Wayland your desktop asks you to confirm these keys in a dialog of its own, where you may "
            "choose others; the line below then shows the keys it bound."
        )
        self.key_error = self.explain("")
        self.key_error.setVisible(False)
        self.status = self.explain("")
        self.close_to_tray = self.field(
            "Tray", "close_to_tray", QCheckBox("Closing the window keeps Gemini Live in the tray")
        )
        self.caption_overlay = self.field(
            "Captions", "caption_overlay", QCheckBox("Show live captions over other windows")
        )
        self.autostart = self.field("Autostart", "autostart", QCheckBox("Start Gemini Live when I log in"))

    def set_status(self, text: str) -> None:
        """What the global keys do here (or why they cannot), from GlobalShortcuts.status."""
        self.status.setText(text)

    def load(self, s: Settings) -> None:
        super().load(s)
        self.talk_shortcut.setText(s.talk_shortcut)
        self.mute_shortcut.setText(s.mute_shortcut)

    def values(self) -> dict[str, Any]:
        return {
            **super().values(),
            "talk_shortcut": self.talk_shortcut.text().strip(),
            "mute_shortcut": self.mute_shortcut.text().strip(),
        }

    def _keys_edited(self) -> None:
        problems = []
        for edit in (self.talk_shortcut, self.mute_shortcut):
            try:
                parse_shortcut(edit.text())
            except ValueError as err:
                problems.append(str(err))
        self.key_error.setText(" ".join(problems))
        self.key_error.setVisible(bool(problems))
        self.edited.emit()
