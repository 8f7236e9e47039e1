"""The settings dialog: the API key, the model and voice, activity detection, devices, video and relay.

The dialog edits a copy of :class:`~desktop_app.config.Settings` and never applies anything itself. After
``exec()`` returns Accepted, read :meth:`SettingsDialog.result_settings` (validated; the key is the new one
when the user typed one, None when they asked to forget it) and :attr:`SettingsDialog.key_action`. The
dialog says, as the user edits, whether the change will start a new session.

Device lists and the three device tests (microphone level, speaker chime, camera picture) run through the
window's :class:`~desktop_app.ui.bridge.CommandRunner` in worker threads, so the dialog never blocks.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.config import Settings
from desktop_app.controller_api import offered_models
from desktop_app.core.errors import ConfigError
from desktop_app.live.options import DEFAULT_MODEL, VOICES
from desktop_app.secrets import StoredKey
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.probes import (
    DeviceLists,
    MicCheck,
    audio_devices,
    camera_choices,
    camera_snapshot,
    check_microphone,
    play_test_tone,
)
from desktop_app.ui.theme import COLORS
from desktop_app.ui.widgets.video_view import bgr_image

__all__ = ["KNOWN_MODELS", "KeyAction", "SettingsDialog", "session_fields"]

KNOWN_MODELS = tuple(spec.id for spec in offered_models())  # the model catalog, default first

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


def session_fields() -> frozenset[str]:
    """The settings whose change needs a new live session (the controller's list)."""
    from desktop_app.controller import SESSION_FIELDS  # late: the controller module is heavy to import

    return SESSION_FIELDS


class KeyAction(enum.Enum):
    KEEP = "keep"  # leave the stored key alone
    SAVE = "save"  # store the newly typed key
    FORGET = "forget"  # delete the stored key


def _set_combo_data(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    if index < 0 and isinstance(value, str) and combo.isEditable():
        combo.setEditText(value)
        return
    combo.setCurrentIndex(max(0, index))


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(10)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    return form


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("faint")
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(300)
    return label


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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setModal(True)
        self.setMinimumSize(QSize(700, 580))
        self._original = settings
        self._runner = runner
        self._stored = stored_key or StoredKey()
        self._env_key = env_key
        self._forget = False
        self.key_action = KeyAction.KEEP
        self._result: Settings | None = None

        self.tabs = QTabWidget()
        self.tabs.addTab(self._gemini_tab(), "Gemini")
        self.tabs.addTab(self._conversation_tab(), "Conversation")
        self.tabs.addTab(self._devices_tab(), "Devices")
        self.tabs.addTab(self._video_tab(), "Video && relay")

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
        self._load(settings)
        self._connect_changes()
        self._update_note()
        self._runner.run_blocking(
            "Listing audio devices",
            audio_devices,
            on_result=self._fill_devices,
            on_error=self._devices_failed,
            owner=self,
        )
        self._runner.run_blocking(
            "Listing cameras",
            camera_choices,
            on_result=self._fill_cameras,
            on_error=self.camera_preview.setText,
            owner=self,
        )

    # --- tabs --------------------------------------------------------------------------------------

    def _gemini_tab(self) -> QWidget:
        page = QWidget()
        form = _form()
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setClearButtonEnabled(True)
        self.api_key.setAccessibleName("API key")
        if self._stored.key:
            self.api_key.setPlaceholderText(f"Saved ({self._stored.masked}); type a new key to replace it")
        else:
            self.api_key.setPlaceholderText("Paste your Gemini API key (from aistudio.google.com)")
        show = QPushButton("Show")
        show.setCheckable(True)
        show.setToolTip("Show what you typed (a saved key is never shown)")
        show.toggled.connect(
            lambda on: self.api_key.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        self.forget_key = QPushButton("Forget saved key")
        self.forget_key.setEnabled(bool(self._stored.key))
        self.forget_key.clicked.connect(self._on_forget)
        key_row = QHBoxLayout()
        key_row.addWidget(self.api_key, 1)
        key_row.addWidget(show)
        key_row.addWidget(self.forget_key)
        form.addRow("API key", key_row)
        self.key_status = _note(self._key_status_text())
        form.addRow("", self.key_status)

        self.backend = QComboBox()
        for label, value in (
            ("Automatic: Gemini with a key, else the offline demo", "auto"),
            ("Gemini", "gemini"),
            ("Offline emulator", "emulator"),
        ):
            self.backend.addItem(label, value)
        form.addRow("Backend", self.backend)
        self.model = QComboBox()
        self.model.setEditable(True)
        for model in KNOWN_MODELS:
            self.model.addItem(model, model)
        form.addRow("Model", self.model)
        self.voice = QComboBox()
        for voice in VOICES:
            self.voice.addItem(voice, voice)
        form.addRow("Voice", self.voice)
        self.modality = QComboBox()
        self.modality.addItem("Spoken replies (audio)", "AUDIO")
        self.modality.addItem("Text replies", "TEXT")
        form.addRow("Replies", self.modality)
        self.system_instruction = QPlainTextEdit()
        self.system_instruction.setPlaceholderText(
            "Optional: how Gemini should behave, e.g. “Answer briefly.”"
        )
        self.system_instruction.setMinimumHeight(90)
        form.addRow("System instruction", self.system_instruction)
        page.setLayout(form)
        return page

    def _conversation_tab(self) -> QWidget:
        page = QWidget()
        form = _form()
        self.vad_start = QComboBox()
        self.vad_end = QComboBox()
        for combo in (self.vad_start, self.vad_end):
            combo.addItem("High (reacts quickly)", "high")
            combo.addItem("Low (ignores short sounds)", "low")
        form.addRow("Start of speech", self.vad_start)
        form.addRow("End of speech", self.vad_end)
        self.vad_silence = QSpinBox()
        self.vad_silence.setRange(0, 10_000)
        self.vad_silence.setSingleStep(50)
        self.vad_silence.setSuffix(" ms")
        form.addRow("Silence before replying", self.vad_silence)
        self.vad_padding = QSpinBox()
        self.vad_padding.setRange(0, 5_000)
        self.vad_padding.setSingleStep(10)
        self.vad_padding.setSuffix(" ms")
        form.addRow("Speech start padding", self.vad_padding)
        form.addRow(
            "",
            _note(
                "Gemini decides when you have finished speaking. Raise the silence if it answers before "
                "you are done; lower it for snappier replies."
            ),
        )
        self.input_transcription = QCheckBox("Show what I say")
        self.output_transcription = QCheckBox("Show what Gemini says")
        form.addRow("Transcripts", self.input_transcription)
        form.addRow("", self.output_transcription)
        self.record_audio = QCheckBox("Record both sides to a WAV file")
        form.addRow("Recording", self.record_audio)
        form.addRow(
            "",
            _note(
                "You on the left channel, Gemini on the right, saved beside the conversation in the "
                "history folder (about 6 MB a minute). Starts or stops at once."
            ),
        )
        page.setLayout(form)
        return page

    def _devices_tab(self) -> QWidget:
        page = QWidget()
        form = _form()
        self.mic_combo = QComboBox()
        self.mic_combo.addItem("System default", None)
        self.mic_test = QPushButton("Test")
        self.mic_test.setToolTip("Record 1.5 seconds and show the level")
        self.mic_test.clicked.connect(self._test_mic)
        self.mic_result = _note("")
        form.addRow("Microphone", self._with_button(self.mic_combo, self.mic_test))
        form.addRow("", self.mic_result)
        self.speaker_combo = QComboBox()
        self.speaker_combo.addItem("System default", None)
        self.speaker_test = QPushButton("Play tone")
        self.speaker_test.clicked.connect(self._test_speaker)
        self.speaker_result = _note("")
        form.addRow("Speaker", self._with_button(self.speaker_combo, self.speaker_test))
        form.addRow("", self.speaker_result)
        self.camera_combo = QComboBox()
        self.camera_combo.setEditable(True)
        self.camera_combo.addItem("Off", "")
        camera_edit = self.camera_combo.lineEdit()
        if camera_edit is not None:
            camera_edit.setPlaceholderText("Camera number, video file or stream URL")
        browse = QPushButton("File…")
        browse.clicked.connect(self._browse_video)
        self.camera_test = QPushButton("Preview")
        self.camera_test.clicked.connect(self._test_camera)
        row = QHBoxLayout()
        row.addWidget(self.camera_combo, 1)
        row.addWidget(browse)
        row.addWidget(self.camera_test)
        form.addRow("Camera", row)
        self.camera_preview = QLabel()
        self.camera_preview.setFixedSize(QSize(256, 144))
        self.camera_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.camera_preview.setStyleSheet(
            f"background: {COLORS['video_bg']}; border-radius: 8px; color: {COLORS['faint']};"
        )
        self.camera_preview.setText("No preview")
        form.addRow("", self.camera_preview)
        self.echo = QCheckBox("Echo cancellation (turn off when wearing headphones)")
        self.noise = QCheckBox("Noise suppression")
        form.addRow("Processing", self.echo)
        form.addRow("", self.noise)
        page.setLayout(form)
        return page

    def _video_tab(self) -> QWidget:
        page = QWidget()
        form = _form()
        self.video_fps = QDoubleSpinBox()
        self.video_fps.setRange(0.2, 2.0)
        self.video_fps.setSingleStep(0.1)
        self.video_fps.setDecimals(1)
        self.video_fps.setSuffix(" frames/s")
        form.addRow("Frames to Gemini", self.video_fps)
        self.video_size = QSpinBox()
        self.video_size.setRange(64, 4096)
        self.video_size.setSingleStep(64)
        self.video_size.setSuffix(" px")
        form.addRow("Longest side", self.video_size)
        self.video_quality = QSpinBox()
        self.video_quality.setRange(10, 100)
        self.video_quality.setSuffix(" %")
        form.addRow("JPEG quality", self.video_quality)
        form.addRow(
            "", _note("The preview always runs at the camera's own rate; only these frames are sent.")
        )
        self.relay_port = QSpinBox()
        self.relay_port.setRange(0, 65535)
        self.relay_port.setSpecialValueText("any free port")
        form.addRow("Browser relay port", self.relay_port)
        form.addRow(
            "",
            _note("The relay serves the browser page on this machine only (127.0.0.1)."),
        )
        page.setLayout(form)
        return page

    @staticmethod
    def _with_button(combo: QComboBox, button: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(combo, 1)
        row.addWidget(button)
        return row

    # --- values ------------------------------------------------------------------------------------

    def _load(self, s: Settings) -> None:
        _set_combo_data(self.backend, s.backend)
        if self.model.findData(s.model) < 0:
            self.model.addItem(s.model, s.model)
        _set_combo_data(self.model, s.model)
        if self.voice.findData(s.voice) < 0:
            self.voice.addItem(s.voice, s.voice)
        _set_combo_data(self.voice, s.voice)
        _set_combo_data(self.modality, s.response_modality)
        self.system_instruction.setPlainText(s.system_instruction)
        _set_combo_data(self.vad_start, s.vad_start_sensitivity)
        _set_combo_data(self.vad_end, s.vad_end_sensitivity)
        self.vad_silence.setValue(s.vad_silence_ms)
        self.vad_padding.setValue(s.vad_prefix_padding_ms)
        self.input_transcription.setChecked(s.input_transcription)
        self.output_transcription.setChecked(s.output_transcription)
        self.record_audio.setChecked(s.record_audio)
        for combo, value in ((self.mic_combo, s.input_device), (self.speaker_combo, s.output_device)):
            if value and combo.findData(value) < 0:
                combo.addItem(value, value)
            _set_combo_data(combo, value)
        if s.video_source and self.camera_combo.findData(s.video_source) < 0:
            self.camera_combo.addItem(self._camera_label(s.video_source), s.video_source)
        _set_combo_data(self.camera_combo, s.video_source or "")
        self.echo.setChecked(s.echo_cancellation)
        self.noise.setChecked(s.noise_suppression)
        self.video_fps.setValue(s.video_fps)
        self.video_size.setValue(s.video_max_side)
        self.video_quality.setValue(s.video_jpeg_quality)
        self.relay_port.setValue(s.relay_port)

    def _camera_spec(self) -> str | None:
        text = self.camera_combo.currentText().strip()
        index = self.camera_combo.findText(text)
        if index >= 0:
            data = self.camera_combo.itemData(index)
            return str(data) if data else None
        return text or None

    def _changes(self) -> dict[str, Any]:
        model = self.model.currentText().strip() or DEFAULT_MODEL
        return {
            "backend": self.backend.currentData(),
            "model": model,
            "voice": self.voice.currentData(),
            "response_modality": self.modality.currentData(),
            "system_instruction": self.system_instruction.toPlainText().strip(),
            "vad_start_sensitivity": self.vad_start.currentData(),
            "vad_end_sensitivity": self.vad_end.currentData(),
            "vad_silence_ms": self.vad_silence.value(),
            "vad_prefix_padding_ms": self.vad_padding.value(),
            "input_transcription": self.input_transcription.isChecked(),
            "output_transcription": self.output_transcription.isChecked(),
            "record_audio": self.record_audio.isChecked(),
            "input_device": self.mic_combo.currentData(),
            "output_device": self.speaker_combo.currentData(),
            "video_source": self._camera_spec(),
            "echo_cancellation": self.echo.isChecked(),
            "noise_suppression": self.noise.isChecked(),
            "video_fps": round(self.video_fps.value(), 2),
            "video_max_side": self.video_size.value(),
            "video_jpeg_quality": self.video_quality.value(),
            "relay_port": self.relay_port.value(),
            "api_key": self._key_value(),
        }

    def _key_value(self) -> str | None:
        typed = self.api_key.text().strip()
        if typed:
            return typed
        if self._forget:
            return None
        return self._original.api_key

    def edited_settings(self) -> Settings:
        """The settings as edited so far. Raises ConfigError for a value out of range."""
        return dataclasses.replace(self._original, **self._changes())

    def result_settings(self) -> Settings:
        """The accepted settings (call after Accepted)."""
        if self._result is None:
            raise RuntimeError("the dialog was not accepted")
        return self._result

    def changed_fields(self) -> set[str]:
        try:
            edited = self.edited_settings()
        except ConfigError:
            return set()
        return {
            f.name
            for f in dataclasses.fields(Settings)
            if getattr(edited, f.name) != getattr(self._original, f.name)
        }

    def needs_new_session(self) -> bool:
        return bool(self.changed_fields() & session_fields())

    # --- behaviour ---------------------------------------------------------------------------------

    def _connect_changes(self) -> None:
        for combo in (self.backend, self.model, self.voice, self.modality, self.vad_start, self.vad_end):
            combo.currentIndexChanged.connect(self._update_note)
        self.model.editTextChanged.connect(self._update_note)
        for spin in (self.vad_silence, self.vad_padding):
            spin.valueChanged.connect(self._update_note)
        self.system_instruction.textChanged.connect(self._update_note)
        self.api_key.textChanged.connect(self._update_note)
        for box in (self.input_transcription, self.output_transcription):
            box.toggled.connect(self._update_note)

    def _update_note(self) -> None:
        changed = self.changed_fields() & session_fields()
        if not changed:
            self.reconnect_note.setText("")
            self.save_button.setText("Save")
            return
        names = sorted({_FIELD_NAMES.get(name, name.replace("_", " ")) for name in changed})
        self.reconnect_note.setText(
            f"Changing the {', '.join(names)} starts a new session: the conversation reconnects on Save."
        )
        self.save_button.setText("Save and reconnect")

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
        self.api_key.setPlaceholderText("Paste your Gemini API key (from aistudio.google.com)")
        self.forget_key.setEnabled(False)
        self.key_status.setText(self._key_status_text())
        self._update_note()

    def _on_save(self) -> None:
        try:
            settings = self.edited_settings()
        except ConfigError as err:
            self.error.setText(str(err))
            self.error.setVisible(True)
            return
        if self.api_key.text().strip():
            self.key_action = KeyAction.SAVE
        elif self._forget:
            self.key_action = KeyAction.FORGET
        else:
            self.key_action = KeyAction.KEEP
        self._result = settings
        self.accept()

    # --- devices -----------------------------------------------------------------------------------

    def _fill_devices(self, lists: DeviceLists) -> None:
        for combo, devices in ((self.mic_combo, lists.inputs), (self.speaker_combo, lists.outputs)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("System default", None)
            for d in devices:
                combo.addItem(f"{d.name} ({d.hostapi})", d.name)
            if current and combo.findData(current) < 0:
                combo.addItem(f"{current} (not connected)", current)
            _set_combo_data(combo, current)
            combo.blockSignals(False)

    def _devices_failed(self, message: str) -> None:
        self.mic_result.setText(message)

    def _fill_cameras(self, numbers: Iterable[str]) -> None:
        for n in numbers:
            if self.camera_combo.findData(n) < 0:
                self.camera_combo.addItem(self._camera_label(n), n)

    @staticmethod
    def _camera_label(spec: str) -> str:
        return f"Camera {spec}" if spec.isdigit() else spec

    def _busy(self, button: QPushButton, label: QLabel, text: str) -> Callable[[], None]:
        button.setEnabled(False)
        label.setText(text)
        return lambda: button.setEnabled(True)

    def _test_mic(self) -> None:
        done = self._busy(self.mic_test, self.mic_result, "Listening for 1.5 seconds… say something.")

        def shown(check: MicCheck) -> None:
            done()
            verdict = (
                "it works." if check.heard_something else "that is near silence: is the microphone muted?"
            )
            levels = f"{check.rms_dbfs:.0f} dBFS average, {check.peak_dbfs:.0f} dBFS peak"
            self.mic_result.setText(f"{check.device}: {levels}; {verdict}")

        def failed(message: str) -> None:
            done()
            self.mic_result.setText(message)

        self._runner.run_blocking(
            "Testing the microphone", check_microphone, self.mic_combo.currentData(),
            on_result=shown, on_error=failed, owner=self,
        )  # fmt: skip

    def _test_speaker(self) -> None:
        done = self._busy(self.speaker_test, self.speaker_result, "Playing a short chime…")

        def shown(name: str) -> None:
            done()
            self.speaker_result.setText(f"Played a chime on {name}. Did you hear two notes?")

        def failed(message: str) -> None:
            done()
            self.speaker_result.setText(message)

        self._runner.run_blocking(
            "Testing the speaker", play_test_tone, self.speaker_combo.currentData(),
            on_result=shown, on_error=failed, owner=self,
        )  # fmt: skip

    def _test_camera(self) -> None:
        spec = self._camera_spec()
        if not spec:
            self.camera_preview.setText("Choose a camera first")
            return
        self.camera_test.setEnabled(False)
        self.camera_preview.setText("Opening…")

        def shown(frame: npt.NDArray[np.uint8]) -> None:
            self.camera_test.setEnabled(True)
            image = bgr_image(np.ascontiguousarray(frame)).copy()
            self.camera_preview.setPixmap(
                QPixmap.fromImage(image).scaled(
                    self.camera_preview.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

        def failed(message: str) -> None:
            self.camera_test.setEnabled(True)
            self.camera_preview.setText(message)
            self.camera_preview.setWordWrap(True)

        self._runner.run_blocking(
            "Previewing the camera", camera_snapshot, spec, on_result=shown, on_error=failed, owner=self
        )

    def _browse_video(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            "Use a video file as the camera",
            "",
            "Videos (*.mp4 *.mkv *.avi *.mov *.webm);;All files (*)",
        )
        if path:
            self.camera_combo.addItem(path, path)
            self.camera_combo.setCurrentIndex(self.camera_combo.count() - 1)
