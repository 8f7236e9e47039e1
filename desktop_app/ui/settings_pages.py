"""The settings dialog's pages that need no devices: Gemini (the key, backend, model, voice, replies,
instruction), Conversation (activity detection, transcripts, recording) and Video & relay.

Each page is a :class:`~desktop_app.ui.settings_fields.SettingsPage`: its widgets are bound to the fields
they edit, so ``load(settings)`` fills them and ``values()`` reads them back. The Gemini page also keeps
the key: :meth:`GeminiPage.key_value` and :meth:`GeminiPage.key_action`. The devices page, which runs
device checks, is :mod:`desktop_app.ui.settings_devices`.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop_app.controller_api import DEFAULT_MODEL, VOICES, StoredKey, offered_models, voice_label
from desktop_app.ui.settings_fields import SettingsPage, combo, spin
from desktop_app.ui.theme import COLORS

__all__ = ["KNOWN_MODELS", "ConversationPage", "GeminiPage", "KeyAction", "VideoRelayPage"]

KNOWN_MODELS = tuple(spec.id for spec in offered_models())  # the model catalog, default first

_NEW_KEY_HINT = "Paste your Gemini API key and press Enter"
_NO_KEY_PREVIEW = "Save an API key first: the preview is spoken by Gemini, on your key."
_PREVIEW_TIP = "Hear this voice say one short sentence (one short reply on your key)."


class KeyAction(enum.Enum):
    KEEP = "keep"  # leave the stored key alone
    SAVE = "save"  # store the newly typed key
    FORGET = "forget"  # delete the stored key


class GeminiPage(SettingsPage):
    """The API key (typed, kept or forgotten), the backend, model, voice, replies and instruction.

    ``stored`` describes the saved key; ``env_key`` is True when the key comes from ``GEMINI_API_KEY`` /
    ``GOOGLE_API_KEY`` (which wins over a saved one). Read :meth:`key_action` and :meth:`key_value` after
    the user saved. Enter in the key field emits :attr:`submitted` (the dialog saves); a key the check
    refused is said under the field (:meth:`show_key_problem`). :attr:`preview` asks to hear the chosen
    voice; it is enabled only with a key (:meth:`set_preview_available`).
    """

    submitted = Signal()
    """Enter was pressed in the key field."""
    preview_requested = Signal(str)
    """Preview pressed: the voice to hear."""

    def __init__(self, stored: StoredKey, env_key: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stored = stored
        self._env_key = env_key
        self._forget = False
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setClearButtonEnabled(True)
        self.api_key.setAccessibleName("API key")
        if stored.key:
            self.api_key.setPlaceholderText(f"Saved ({stored.masked}); type a new key to replace it")
        else:
            self.api_key.setPlaceholderText(_NEW_KEY_HINT)
        self.api_key.textChanged.connect(self.edited)
        self.api_key.returnPressed.connect(self.submitted)
        show = QPushButton("Show")
        show.setCheckable(True)
        show.setToolTip("Show what you typed (a saved key is never shown)")
        show.toggled.connect(
            lambda on: self.api_key.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        self.forget_key = QPushButton("Forget saved key")
        self.forget_key.setEnabled(bool(stored.key))
        self.forget_key.clicked.connect(self._on_forget)
        key_row = QHBoxLayout()
        key_row.addWidget(self.api_key, 1)
        key_row.addWidget(show)
        key_row.addWidget(self.forget_key)
        self.row("API key", key_row)
        self.key_status = self.explain(self._key_status_text())
        self.key_problem = self.explain("")
        self.key_problem.setObjectName("")
        self.key_problem.setStyleSheet(f"color: {COLORS['bad']};")
        self.form.setRowVisible(self.key_problem, False)
        self.api_key.textChanged.connect(lambda _text: self.show_key_problem(""))

        backends = (
            ("Automatic: Gemini with a key, else the offline demo", "auto"),
            ("Gemini", "gemini"),
            ("Offline emulator", "emulator"),
        )
        self.backend = self.field("Backend", "backend", combo(*backends))
        self.model = self.field("Model", "model", combo(*((model, model) for model in KNOWN_MODELS)))
        self.model.setEditable(True)
        self.voice = self.fields.bind("voice", combo(*((voice_label(voice), voice) for voice in VOICES)))
        self.voice.setAccessibleName("Voice")
        self.preview = QPushButton("Preview")
        self.preview.setAccessibleName("Preview the voice")
        self.preview.clicked.connect(lambda: self.preview_requested.emit(self.voice.currentData()))
        voice_row = QHBoxLayout()
        voice_row.addWidget(self.voice, 1)
        voice_row.addWidget(self.preview)
        self.row("Voice", voice_row)
        self.preview_note = self.explain("")
        self.form.setRowVisible(self.preview_note, False)
        self.set_preview_available(False)  # the dialog offers it when there is a key and a controller
        replies = (("Spoken replies (audio)", "AUDIO"), ("Text replies", "TEXT"))
        self.modality = self.field("Replies", "response_modality", combo(*replies))
        self.system_instruction = self.field("System instruction", "system_instruction", QPlainTextEdit())
        self.system_instruction.setPlaceholderText(
            "Optional: how Gemini should behave, e.g. “Answer briefly.”"
        )
        self.system_instruction.setMinimumHeight(90)

    def set_preview_available(self, has_key: bool) -> None:
        """Offer Preview only with a key; without one it is disabled and its tooltip says why."""
        self.preview.setEnabled(has_key)
        self.preview.setToolTip(_PREVIEW_TIP if has_key else _NO_KEY_PREVIEW)

    def show_preview_state(self, playing: bool, problem: str = "") -> None:
        """While the preview plays the button waits; ``problem`` (if any) shows under the voice."""
        self.preview.setEnabled(not playing)
        self.preview.setText("Playing…" if playing else "Preview")
        self.preview_note.setText(problem)
        self.form.setRowVisible(self.preview_note, bool(problem))

    def show_key_problem(self, text: str) -> None:
        """Say under the key field what the check found (a refused key); empty hides it."""
        self.key_problem.setText(text)
        self.form.setRowVisible(self.key_problem, bool(text))

    def values(self) -> dict[str, Any]:
        """The fields, with the model as typed (any model name may be entered)."""
        return super().values() | {"model": self.model.currentText().strip() or DEFAULT_MODEL}

    def key_value(self, current: str | None) -> str | None:
        """The key to use: the typed one, None when the user forgot the saved one, else ``current``."""
        typed = self.api_key.text().strip()
        if typed:
            return typed
        if self._forget:
            return None
        return current

    def key_action(self) -> KeyAction:
        """What to do with the stored key on Save."""
        if self.api_key.text().strip():
            return KeyAction.SAVE
        return KeyAction.FORGET if self._forget else KeyAction.KEEP

    def _key_status_text(self) -> str:
        parts = []
        if self._env_key:
            parts.append("GEMINI_API_KEY is set in the environment and takes precedence over a saved key.")
        if self._forget:
            parts.append("The saved key will be forgotten when you save.")
        elif self._stored.key:
            where = "the system keyring" if self._stored.location.value == "keyring" else "a private file"
            parts.append(f"A key ending in {self._stored.masked[-4:]} is saved in {where}.")
            if self._stored.warning:
                parts.append(self._stored.warning)
        else:
            parts.append(
                "Get a key at aistudio.google.com/apikey. A typed key is checked with Gemini, then saved "
                "in the system keyring where one is available."
            )
        return " ".join(parts)

    def _on_forget(self) -> None:
        self._forget = True
        self.api_key.clear()
        self.api_key.setPlaceholderText(_NEW_KEY_HINT)
        self.forget_key.setEnabled(False)
        self.key_status.setText(self._key_status_text())
        self.edited.emit()


class ConversationPage(SettingsPage):
    """Activity detection (when Gemini decides you finished), transcripts and the two-channel recording."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        sensitivity = (("High (reacts quickly)", "high"), ("Low (ignores short sounds)", "low"))
        self.vad_start = self.field("Start of speech", "vad_start_sensitivity", combo(*sensitivity))
        self.vad_end = self.field("End of speech", "vad_end_sensitivity", combo(*sensitivity))
        self.vad_silence = self.field("Silence before replying", "vad_silence_ms", spin(0, 10_000, 50, " ms"))
        self.vad_padding = self.field(
            "Speech start padding", "vad_prefix_padding_ms", spin(0, 5_000, 10, " ms")
        )
        self.explain(
            "Gemini decides when you have finished speaking. Raise the silence if it answers before "
            "you are done; lower it for snappier replies."
        )
        self.input_transcription = self.field(
            "Transcripts", "input_transcription", QCheckBox("Show what I say")
        )
        self.output_transcription = self.field("", "output_transcription", QCheckBox("Show what Gemini says"))
        self.record_audio = self.field(
            "Recording", "record_audio", QCheckBox("Record both sides to a WAV file")
        )
        self.explain(
            "You on the left channel, Gemini on the right, saved beside the conversation in the "
            "history folder (about 6 MB a minute). Starts or stops at once."
        )


class VideoRelayPage(SettingsPage):
    """What is sent to Gemini of the video (rate, size, quality) and the browser relay's port."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.video_fps = self.field("Frames to Gemini", "video_fps", QDoubleSpinBox())
        self.video_fps.setRange(0.2, 2.0)
        self.video_fps.setSingleStep(0.1)
        self.video_fps.setDecimals(1)
        self.video_fps.setSuffix(" frames/s")
        self.video_size = self.field("Longest side", "video_max_side", spin(64, 4096, 64, " px"))
        self.video_quality = self.field("JPEG quality", "video_jpeg_quality", spin(10, 100, 1, " %"))
        self.explain("The preview always runs at the camera's own rate; only these frames are sent.")
        self.video_speech_aware = self.field(
            "", "video_speech_aware", QCheckBox("Send frames mainly while I speak")
        )
        self.explain(
            "While you are quiet, one frame every 5 s; when you start speaking, a fresh frame at once. "
            "Frames cost tokens, and they help most while you talk about what Gemini sees."
        )
        self.relay_port = self.field("Browser relay port", "relay_port", QSpinBox())
        self.relay_port.setRange(0, 65535)
        self.relay_port.setSpecialValueText("any free port")
        self.explain("The relay serves the browser page on this machine only (127.0.0.1).")
