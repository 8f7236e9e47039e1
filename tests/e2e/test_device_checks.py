"""The settings dialog's device checks on real PortAudio devices (PulseAudio null sinks): the microphone
check hears what is played into the virtual microphone, the speaker chime reaches the virtual speaker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from desktop_app.audio.devices import list_devices
from desktop_app.audio.probes import check_microphone, play_test_tone
from desktop_app.config import Settings
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.settings_dialog import SettingsDialog
from tests.support.pulse_rig import PulseRig


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_the_microphone_check_hears_the_virtual_microphone(routed: PulseRig, question_wav: Path) -> None:
    quiet = check_microphone(None, seconds=0.5)
    assert not quiet.heard_something, f"silence read as {quiet.peak_dbfs:.0f} dBFS"
    player = routed.play_into_mic(question_wav)
    try:
        heard = check_microphone(None, seconds=1.5)
    finally:
        player.wait(30)
    assert heard.heard_something and heard.peak_dbfs > -30, heard
    assert heard.rms_dbfs < heard.peak_dbfs


def test_the_speaker_chime_reaches_the_virtual_speaker(routed: PulseRig) -> None:
    recorder = routed.record_speaker()
    try:
        name = play_test_tone(None)
        recorder.wait_frames(routed.rate, 10)
    finally:
        recorded = recorder.stop()
    assert name in {d.name for d in list_devices()}, "the default is PortAudio's own device"
    loud = np.flatnonzero(np.abs(recorded) > 0.05)
    assert len(loud) > routed.rate // 2, "the chime did not reach the speaker"
    first = recorded[loud[0] : loud[0] + routed.rate // 4]
    last = recorded[loud[-1] - routed.rate // 4 : loud[-1]]
    assert abs(_dominant_hz(first, routed.rate) - 660) < 15
    assert abs(_dominant_hz(last, routed.rate) - 880) < 15


@pytest.fixture
def runner() -> Iterator[CommandRunner]:
    loop = LoopThread("device-check-loop")
    loop.start()
    yield CommandRunner(loop)
    loop.stop()


def test_the_dialog_mic_button_reports_a_working_microphone(
    qtbot: QtBot, routed: PulseRig, question_wav: Path, runner: CommandRunner
) -> None:
    dialog = SettingsDialog(Settings(), runner)
    qtbot.addWidget(dialog)
    dialog.open()
    # the device list arrived (the rig has no microphone but monitors, which the list leaves out)
    qtbot.waitUntil(lambda: dialog.devices.speaker_combo.count() > 1, timeout=10_000)
    player = routed.play_into_mic(question_wav)
    try:
        dialog.devices.mic_test.click()
        qtbot.waitUntil(dialog.devices.mic_test.isEnabled, timeout=15_000)
    finally:
        player.wait(30)
    assert dialog.devices.mic_result.text().endswith("it works."), dialog.devices.mic_result.text()
    dialog.devices.speaker_test.click()
    qtbot.waitUntil(dialog.devices.speaker_test.isEnabled, timeout=15_000)
    assert dialog.devices.speaker_result.text().startswith("Played a chime on ")
