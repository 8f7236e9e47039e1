"""The Devices page (issue 18, "Real device names"): the sound server's descriptions shown, its stable
names stored, monitors only when asked for, and a microphone test whose live meter moves while the rows
below it stay where they are."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.audio.probes import DeviceChoice, DeviceLists, MicCheck
from desktop_app.config import Settings
from desktop_app.runtime.loop_thread import LoopThread
from desktop_app.ui import settings_devices
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.settings_devices import METER_FLOOR_DB, DevicesPage

HEADSET = DeviceChoice("alsa_input.usb-Jabra_Evolve2-00.mono-fallback", "Jabra Evolve2 Mono")
BUILT_IN = DeviceChoice(
    "alsa_input.pci-0000_00_1f.3.analog-stereo", "Built-in Audio Analog Stereo (default)", True
)
MONITOR = DeviceChoice(
    "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
    "Monitor of Built-in Audio Analog Stereo",
    is_monitor=True,
)
SPEAKERS = DeviceChoice(
    "alsa_output.pci-0000_00_1f.3.analog-stereo", "Built-in Audio Analog Stereo (default)", True
)
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")  # show() offscreen

LISTS = DeviceLists(inputs=(BUILT_IN, HEADSET, MONITOR), outputs=(SPEAKERS,), from_server=True)


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[CommandRunner]:
    loop = LoopThread("devices-page-loop")
    loop.start()
    yield CommandRunner(loop)
    loop.stop()


@pytest.fixture
def page(qtbot: QtBot, runner: CommandRunner, monkeypatch: pytest.MonkeyPatch) -> DevicesPage:
    monkeypatch.setattr(settings_devices, "_all_audio_devices", lambda: LISTS)
    monkeypatch.setattr(settings_devices, "camera_choices", lambda: [])
    p = DevicesPage(runner)
    qtbot.addWidget(p)
    p.load(Settings())
    p.resize(640, 560)
    p.show()
    qtbot.waitUntil(lambda: p.mic_combo.count() > 1)
    return p


def _items(combo: object) -> list[tuple[str, object]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]  # type: ignore[attr-defined]


def test_descriptions_are_shown_and_names_stored(page: DevicesPage) -> None:
    assert _items(page.mic_combo) == [
        ("System default", None),
        (BUILT_IN.label, BUILT_IN.value),
        (HEADSET.label, HEADSET.value),
    ]
    page.mic_combo.setCurrentIndex(2)
    assert page.values()["input_device"] == HEADSET.value
    assert _items(page.speaker_combo)[1] == (SPEAKERS.label, SPEAKERS.value)


def test_monitors_are_listed_only_when_asked_for_or_already_chosen(
    qtbot: QtBot, runner: CommandRunner, page: DevicesPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MONITOR.value not in [data for _text, data in _items(page.mic_combo)]
    page.show_monitors.setChecked(True)
    assert (MONITOR.label, MONITOR.value) in _items(page.mic_combo)
    page.show_monitors.setChecked(False)
    assert MONITOR.value not in [data for _text, data in _items(page.mic_combo)]

    chosen = DevicesPage(runner)
    qtbot.addWidget(chosen)
    chosen.load(Settings(input_device=MONITOR.value))
    qtbot.waitUntil(lambda: chosen.mic_combo.count() > 2)
    assert chosen.mic_combo.currentText() == MONITOR.label, "a saved monitor shows by its description"


def test_the_microphone_test_moves_a_live_meter_and_the_rows_below_stay_still(
    qtbot: QtBot, page: DevicesPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard = threading.Event()
    release = threading.Event()

    def fake_check(device: str | None, seconds: float = 1.5, on_level: object = None) -> MicCheck:
        assert callable(on_level)
        assert threading.current_thread() is not threading.main_thread()
        on_level(-12.0)  # from the worker thread, as the real check does
        heard.set()
        release.wait(10)
        return MicCheck(
            device or "default",
            -30.0,
            -12.0,
        )

    monkeypatch.setattr(settings_devices, "check_microphone", fake_check)
    below = [page.speaker_combo, page.speaker_result, page.camera_combo, page.echo]
    before = [w.mapTo(page, w.rect().topLeft()) for w in below]
    assert page.mic_meter.value() == METER_FLOOR_DB
    page.mic_test.click()
    qtbot.waitUntil(lambda: page.mic_meter.value() == -12)
    assert not page.mic_test.isEnabled()
    assert [w.mapTo(page, w.rect().topLeft()) for w in below] == before
    release.set()
    qtbot.waitUntil(page.mic_test.isEnabled)
    assert page.mic_result.text().endswith("it works.")
    assert page.mic_result.toolTip() == page.mic_result.text(), "a cut answer is whole in the tooltip"
    page.mic_result.setText(page.mic_result.text() + " " + "a long answer that wraps " * 12)
    qtbot.wait(0)  # let the layout run (a zero-length event spin, not a timing wait)
    page.form.activate()  # the page scrolls: its form is on page.body
    assert [w.mapTo(page, w.rect().topLeft()) for w in below] == before
