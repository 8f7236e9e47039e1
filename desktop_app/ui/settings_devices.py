"""The settings dialog's Devices page: microphone, speaker and camera, each with a test, and audio processing.

:class:`DevicesPage` lists the devices and runs the three tests (microphone level, speaker chime, camera
picture) through the window's :class:`~desktop_app.ui.bridge.CommandRunner` in worker threads, so the
dialog never blocks; every answer, a failure included, is shown as a sentence beside the device. It starts
listing as soon as it is built. The lists show the sound server's descriptions ("Built-in Audio Analog
Stereo", the default marked) and store its stable names; sources that only monitor a speaker are listed
when :attr:`DevicesPage.show_monitors` is ticked (or when one is the saved choice). The microphone test
moves a live meter while it records; the rows below it never move (the answer lines have fixed heights).
Like the other pages (:mod:`desktop_app.ui.settings_fields`), :meth:`load`
fills it and :meth:`values` returns its fields as ``Settings`` keyword arguments.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from desktop_app.controller_api import (
    DeviceLists,
    MicCheck,
    Settings,
    audio_devices,
    camera_choices,
    camera_snapshot,
    check_microphone,
    play_test_tone,
)
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.settings_fields import SettingsPage, select
from desktop_app.ui.theme import COLORS
from desktop_app.ui.widgets.video_view import bgr_image

__all__ = ["DevicesPage"]

T = TypeVar("T")

METER_FLOOR_DB = -60
"""The microphone meter's empty end in dBFS (its full end is 0 dBFS)."""
ANSWER_LINES = 2
"""Lines an answer under a device row holds; its height is fixed so the rows below never move (a longer
answer is cut, and whole in the label's tooltip)."""


class _Levels(QObject):
    """Carries the microphone test's levels from its worker thread to the Qt thread (a queued signal)."""

    level = Signal(float)

    def emit_safely(self, dbfs: float) -> None:
        """Callable from any thread; a level that arrives after the page closed is dropped."""
        with contextlib.suppress(RuntimeError):  # the QObject was deleted with the page
            self.level.emit(dbfs)


def _camera_label(spec: str) -> str:
    return f"Camera {spec}" if spec.isdigit() else spec


def _all_audio_devices() -> DeviceLists:
    """Every device, monitors included: the page filters them itself (:attr:`DevicesPage.show_monitors`)."""
    return audio_devices(include_monitors=True)


def _shown(combo: QComboBox, device: str) -> str:
    """How the device a test ran on is called in ``combo`` (its description), else its own name."""
    index = combo.findData(device)
    return combo.itemText(index) if index > 0 else device


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(widgets[0], 1)
    for widget in widgets[1:]:
        row.addWidget(widget)
    return row


class DevicesPage(SettingsPage):
    """See the module docstring. ``runner`` runs the blocking device work off the Qt thread.
    ``mic_test_running`` says when the microphone test starts (True) and ends: the window keeps the
    microphone from Gemini meanwhile, so the test stays on this machine."""

    mic_test_running = Signal(bool)

    def __init__(self, runner: CommandRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._lists: DeviceLists | None = None
        self.mic_test = QPushButton("Test")
        self.mic_test.setToolTip("Record 1.5 seconds and show the level")
        self.mic_test.clicked.connect(self._test_mic)
        self.mic_combo = self._device_row("Microphone", "input_device", self.mic_test)
        self.mic_meter = QProgressBar()
        self.mic_meter.setRange(METER_FLOOR_DB, 0)
        self.mic_meter.setValue(METER_FLOOR_DB)
        self.mic_meter.setTextVisible(False)
        self.mic_meter.setFixedHeight(8)
        self.mic_meter.setAccessibleName("Microphone level")
        self.row("", self.mic_meter)
        self._levels = _Levels(self)
        self._levels.level.connect(self._show_level)
        self.mic_result = self._answer_line()
        self.show_monitors = QCheckBox("Also list what the speakers play (monitor sources)")
        self.show_monitors.toggled.connect(self._refill)
        self.row("", self.show_monitors)
        self.speaker_test = QPushButton("Play tone")
        self.speaker_test.clicked.connect(self._test_speaker)
        self.speaker_combo = self._device_row("Speaker", "output_device", self.speaker_test)
        self.speaker_result = self._answer_line()
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
        self.row("Camera", _row(self.camera_combo, browse, self.camera_test))
        self.camera_preview = QLabel()
        self.camera_preview.setFixedSize(QSize(256, 144))
        self.camera_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.camera_preview.setStyleSheet(
            f"background: {COLORS['video_bg']}; border-radius: 8px; color: {COLORS['faint']};"
        )
        self.camera_preview.setText("No preview")
        self.row("", self.camera_preview)
        self.echo = self.field(
            "Processing",
            "echo_cancellation",
            QCheckBox("Echo cancellation (turn off when wearing headphones)"),
        )
        self.noise = self.field("", "noise_suppression", QCheckBox("Noise suppression"))
        self.listen = self.field(
            "At launch", "listen_at_launch", QCheckBox("Start listening when the app opens (else: idle)")
        )
        self.barge_in = self.field(
            "", "local_barge_in", QCheckBox("Lower Gemini's voice at once when you talk over it")
        )
        self._query("Listing audio devices", _all_audio_devices, self._fill_devices, self.mic_result)
        self._query("Listing cameras", camera_choices, self._fill_cameras, self.camera_preview)

    def _query(self, what: str, query: Callable[[], T], fill: Callable[[T], None], report: QLabel) -> None:
        """Run the blocking device ``query`` off the Qt thread: its answer goes to ``fill``, a failure
        (an expected answer, e.g. no sound system) to ``report``."""
        self._runner.run_blocking(what, query, on_result=fill, on_error=report.setText, owner=self)

    def _device_row(self, label: str, name: str, test: QPushButton) -> QComboBox:
        """A row with the device list bound to ``name`` ("System default" first) and its ``test`` button."""
        combo = self.fields.bind(name, QComboBox())
        combo.addItem("System default", None)
        self.row(label, _row(combo, test))
        return combo

    def _answer_line(self) -> QLabel:
        """The line under a device row where its test answers: :data:`ANSWER_LINES` lines high, always."""
        label = self.explain("")
        label.setFixedHeight(label.fontMetrics().lineSpacing() * ANSWER_LINES + 4)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return label

    # --- values ------------------------------------------------------------------------------------

    def load(self, s: Settings) -> None:
        super().load(s)
        camera = s.video_source or ""
        select(self.camera_combo, camera, _camera_label(camera))

    def values(self) -> dict[str, Any]:
        return super().values() | {"video_source": self.camera_spec()}

    def camera_spec(self) -> str | None:
        """The chosen camera: a listed one's spec, else the typed text (None for "Off" or nothing)."""
        text = self.camera_combo.currentText().strip()
        index = self.camera_combo.findText(text)
        if index >= 0:
            data = self.camera_combo.itemData(index)
            return str(data) if data else None
        return text or None

    # --- device lists ------------------------------------------------------------------------------

    def _fill_devices(self, lists: DeviceLists) -> None:
        """Show ``lists`` (monitor sources among the inputs only when asked for, or chosen)."""
        self._lists = lists
        self._refill()

    def _refill(self) -> None:
        lists = self._lists
        if lists is None:
            return
        chosen = self.mic_combo.currentData()
        inputs = [
            d for d in lists.inputs if not d.is_monitor or self.show_monitors.isChecked() or d.value == chosen
        ]
        for combo, devices in ((self.mic_combo, inputs), (self.speaker_combo, list(lists.outputs))):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("System default", None)
            for d in devices:
                combo.addItem(d.label, d.value)
            if current and combo.findData(current) < 0:
                combo.addItem(f"{current} (not connected)", current)
            select(combo, current)
            combo.blockSignals(False)

    def _fill_cameras(self, numbers: Iterable[str]) -> None:
        for n in numbers:
            if self.camera_combo.findData(n) < 0:
                self.camera_combo.addItem(_camera_label(n), n)

    # --- tests -------------------------------------------------------------------------------------

    def _check(
        self,
        what: str,
        probe: Callable[[str | None], Any],
        combo: QComboBox,
        show: tuple[QPushButton, QLabel],
        busy_text: str,
        describe: Callable[[Any], str],
        on_done: Callable[[], None] = lambda: None,
    ) -> None:
        """Run ``probe`` on ``combo``'s device off the Qt thread, its button disabled meanwhile, and show
        ``describe(answer)`` (or the failure) in its label."""
        button, label = show
        button.setEnabled(False)
        label.setText(busy_text)

        def shown(answer: Any) -> None:
            button.setEnabled(True)
            label.setText(describe(answer))
            label.setToolTip(label.text())
            on_done()

        def failed(message: str) -> None:
            button.setEnabled(True)
            label.setText(message)
            label.setToolTip(message)
            on_done()

        self._runner.run_blocking(
            what, probe, combo.currentData(), on_result=shown, on_error=failed, owner=self
        )

    def _show_level(self, dbfs: float) -> None:
        self.mic_meter.setValue(round(max(float(METER_FLOOR_DB), min(0.0, dbfs))))

    def _test_mic(self) -> None:
        self.mic_meter.setValue(METER_FLOOR_DB)

        def describe(check: MicCheck) -> str:
            verdict = (
                "it works." if check.heard_something else "that is near silence: is the microphone muted?"
            )
            levels = f"{check.rms_dbfs:.0f} dBFS average, {check.peak_dbfs:.0f} dBFS peak"
            return f"{_shown(self.mic_combo, check.device)}: {levels}; {verdict}"

        levels = self._levels

        def record(device: str | None) -> MicCheck:
            return check_microphone(device, on_level=levels.emit_safely)

        self.mic_test_running.emit(True)  # before the test records: nothing of it reaches Gemini
        self._check(
            "Testing the microphone",
            record,
            self.mic_combo,
            (self.mic_test, self.mic_result),
            "Listening for 1.5 seconds… say something.",
            describe,
            on_done=lambda: self.mic_test_running.emit(False),
        )

    def _test_speaker(self) -> None:
        self._check(
            "Testing the speaker",
            play_test_tone,
            self.speaker_combo,
            (self.speaker_test, self.speaker_result),
            "Playing a short chime…",
            lambda name: f"Played a chime on {_shown(self.speaker_combo, name)}. Did you hear two notes?",
        )

    def _test_camera(self) -> None:
        spec = self.camera_spec()
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
