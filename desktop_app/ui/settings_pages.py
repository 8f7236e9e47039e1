"""The settings dialog's pages that need no devices: Gemini (the key, backend, model, voice, replies,
instruction), Conversation (activity detection, transcripts, recording) and Video & relay.

Each page is a plain form: :meth:`load` fills it from :class:`~desktop_app.controller_api.Settings`,
:meth:`values` returns the edited fields as ``Settings`` keyword arguments (unvalidated: the dialog
validates them by building the settings). The Gemini and Conversation pages hold the fields that change
the live session: their :attr:`edited` fires on every edit (the dialog then says whether saving
reconnects). The devices page, which runs device
checks, is :mod:`desktop_app.ui.settings_devices`.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from desktop_app.controller_api import DEFAULT_MODEL, VOICES, Settings, StoredKey

__all__ = [
    "KNOWN_MODELS",
    "ConversationPage",
    "GeminiPage",
    "KeyAction",
    "VideoRelayPage",
    "form",
    "note",
    "set_combo_data",
]

KNOWN_MODELS = (DEFAULT_MODEL, "gemini-3.1-flash-live-preview", "gemini-3.8-live")

_NEW_KEY_HINT = "Paste your Gemini API key (from aistudio.google.com)"


class KeyAction(enum.Enum):
    KEEP = "keep"  # leave the stored key alone
    SAVE = "save"  # store the newly typed key
    FORGET = "forget"  # delete the stored key


def set_combo_data(combo: QComboBox, value: Any) -> None:
    """Select the item holding ``value`` (an editable combo shows an unknown string as typed text)."""
    index = combo.findData(value)
    if index < 0 and isinstance(value, str) and combo.isEditable():
        combo.setEditText(value)
        return
    combo.setCurrentIndex(max(0, index))


def form(page: QWidget) -> QFormLayout:
    """The form layout every page uses, installed on ``page``."""
    layout = QFormLayout(page)
    layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    layout.setHorizontalSpacing(14)
    layout.setVerticalSpacing(10)
    layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    return layout


def note(text: str) -> QLabel:
    """A faint, wrapping explanation under a field."""
    label = QLabel(text)
    label.setObjectName("faint")
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(300)
    return label


def _combo(*items: tuple[str, Any]) -> QComboBox:
    combo = QComboBox()
    for label, value in items:
        combo.addItem(label, value)
    return combo


def _spin(low: int, high: int, step: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    return spin


class GeminiPage(QWidget):
    """The API key (typed, kept or forgotten), the backend, model, voice, replies and instruction.

    ``stored`` describes the saved key; ``env_key`` is True when the key comes from ``GEMINI_API_KEY`` /
    ``GOOGLE_API_KEY`` (which wins over a saved one). Read :meth:`key_action` and :meth:`key_value` after
    the user saved.
    """

    edited = Signal()

    def __init__(self, stored: StoredKey, env_key: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stored = stored
        self._env_key = env_key
        self._forget = False
        layout = form(self)
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setClearButtonEnabled(True)
        self.api_key.setAccessibleName("API key")
        if stored.key:
            self.api_key.setPlaceholderText(f"Saved ({stored.masked}); type a new key to replace it")
        else:
            self.api_key.setPlaceholderText(_NEW_KEY_HINT)
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
        layout.addRow("API key", key_row)
        self.key_status = note(self._key_status_text())
        layout.addRow("", self.key_status)

        self.backend = _combo(
            ("Automatic: Gemini with a key, else the offline demo", "auto"),
            ("Gemini", "gemini"),
            ("Offline emulator", "emulator"),
        )
        layout.addRow("Backend", self.backend)
        self.model = _combo(*((model, model) for model in KNOWN_MODELS))
        self.model.setEditable(True)
        layout.addRow("Model", self.model)
        self.voice = _combo(*((voice, voice) for voice in VOICES))
        layout.addRow("Voice", self.voice)
        self.modality = _combo(("Spoken replies (audio)", "AUDIO"), ("Text replies", "TEXT"))
        layout.addRow("Replies", self.modality)
        self.system_instruction = QPlainTextEdit()
        self.system_instruction.setPlaceholderText(
            "Optional: how Gemini should behave, e.g. “Answer briefly.”"
        )
        self.system_instruction.setMinimumHeight(90)
        layout.addRow("System instruction", self.system_instruction)
        for combo in (self.backend, self.model, self.voice, self.modality):
            combo.currentIndexChanged.connect(self.edited)
        self.model.editTextChanged.connect(self.edited)
        self.system_instruction.textChanged.connect(self.edited)
        self.api_key.textChanged.connect(self.edited)

    def load(self, s: Settings) -> None:
        set_combo_data(self.backend, s.backend)
        for combo, value in ((self.model, s.model), (self.voice, s.voice)):
            if combo.findData(value) < 0:
                combo.addItem(value, value)
            set_combo_data(combo, value)
        set_combo_data(self.modality, s.response_modality)
        self.system_instruction.setPlainText(s.system_instruction)

    def values(self) -> dict[str, Any]:
        return {
            "backend": self.backend.currentData(),
            "model": self.model.currentText().strip() or DEFAULT_MODEL,
            "voice": self.voice.currentData(),
            "response_modality": self.modality.currentData(),
            "system_instruction": self.system_instruction.toPlainText().strip(),
        }

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
            parts.append("A typed key is saved in the system keyring where one is available.")
        return " ".join(parts)

    def _on_forget(self) -> None:
        self._forget = True
        self.api_key.clear()
        self.api_key.setPlaceholderText(_NEW_KEY_HINT)
        self.forget_key.setEnabled(False)
        self.key_status.setText(self._key_status_text())
        self.edited.emit()


class ConversationPage(QWidget):
    """Activity detection (when Gemini decides you finished), transcripts and the two-channel recording."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = form(self)
        sensitivity = (("High (reacts quickly)", "high"), ("Low (ignores short sounds)", "low"))
        self.vad_start = _combo(*sensitivity)
        self.vad_end = _combo(*sensitivity)
        layout.addRow("Start of speech", self.vad_start)
        layout.addRow("End of speech", self.vad_end)
        self.vad_silence = _spin(0, 10_000, 50, " ms")
        layout.addRow("Silence before replying", self.vad_silence)
        self.vad_padding = _spin(0, 5_000, 10, " ms")
        layout.addRow("Speech start padding", self.vad_padding)
        layout.addRow(
            "",
            note(
                "Gemini decides when you have finished speaking. Raise the silence if it answers before "
                "you are done; lower it for snappier replies."
            ),
        )
        self.input_transcription = QCheckBox("Show what I say")
        self.output_transcription = QCheckBox("Show what Gemini says")
        layout.addRow("Transcripts", self.input_transcription)
        layout.addRow("", self.output_transcription)
        self.record_audio = QCheckBox("Record both sides to a WAV file")
        layout.addRow("Recording", self.record_audio)
        layout.addRow(
            "",
            note(
                "You on the left channel, Gemini on the right, saved beside the conversation in the "
                "history folder (about 6 MB a minute). Starts or stops at once."
            ),
        )
        for combo in (self.vad_start, self.vad_end):
            combo.currentIndexChanged.connect(self.edited)
        for spin in (self.vad_silence, self.vad_padding):
            spin.valueChanged.connect(self.edited)
        for box in (self.input_transcription, self.output_transcription):
            box.toggled.connect(self.edited)

    def load(self, s: Settings) -> None:
        set_combo_data(self.vad_start, s.vad_start_sensitivity)
        set_combo_data(self.vad_end, s.vad_end_sensitivity)
        self.vad_silence.setValue(s.vad_silence_ms)
        self.vad_padding.setValue(s.vad_prefix_padding_ms)
        self.input_transcription.setChecked(s.input_transcription)
        self.output_transcription.setChecked(s.output_transcription)
        self.record_audio.setChecked(s.record_audio)

    def values(self) -> dict[str, Any]:
        return {
            "vad_start_sensitivity": self.vad_start.currentData(),
            "vad_end_sensitivity": self.vad_end.currentData(),
            "vad_silence_ms": self.vad_silence.value(),
            "vad_prefix_padding_ms": self.vad_padding.value(),
            "input_transcription": self.input_transcription.isChecked(),
            "output_transcription": self.output_transcription.isChecked(),
            "record_audio": self.record_audio.isChecked(),
        }


class VideoRelayPage(QWidget):
    """What is sent to Gemini of the video (rate, size, quality) and the browser relay's port."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = form(self)
        self.video_fps = QDoubleSpinBox()
        self.video_fps.setRange(0.2, 2.0)
        self.video_fps.setSingleStep(0.1)
        self.video_fps.setDecimals(1)
        self.video_fps.setSuffix(" frames/s")
        layout.addRow("Frames to Gemini", self.video_fps)
        self.video_size = _spin(64, 4096, 64, " px")
        layout.addRow("Longest side", self.video_size)
        self.video_quality = _spin(10, 100, 1, " %")
        layout.addRow("JPEG quality", self.video_quality)
        layout.addRow(
            "", note("The preview always runs at the camera's own rate; only these frames are sent.")
        )
        self.relay_port = QSpinBox()
        self.relay_port.setRange(0, 65535)
        self.relay_port.setSpecialValueText("any free port")
        layout.addRow("Browser relay port", self.relay_port)
        layout.addRow("", note("The relay serves the browser page on this machine only (127.0.0.1)."))

    def load(self, s: Settings) -> None:
        self.video_fps.setValue(s.video_fps)
        self.video_size.setValue(s.video_max_side)
        self.video_quality.setValue(s.video_jpeg_quality)
        self.relay_port.setValue(s.relay_port)

    def values(self) -> dict[str, Any]:
        return {
            "video_fps": round(self.video_fps.value(), 2),
            "video_max_side": self.video_size.value(),
            "video_jpeg_quality": self.video_quality.value(),
            "relay_port": self.relay_port.value(),
        }
