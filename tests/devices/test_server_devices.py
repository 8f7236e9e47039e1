"""The sound server's own devices (issue 18, "Real device names"): listed by description with the stable
name behind it, the default marked, monitors apart, and a stream routed to the one chosen.

The rig's null sinks are the devices: two sinks with distinct descriptions stand in for a USB headset and
built-in speakers; a tone played on the one picked by its description must arrive on that sink's monitor
and not on the other's.
"""

from __future__ import annotations

import os
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio.devices import DeviceKind
from desktop_app.audio.probes import audio_devices, check_microphone, play_test_tone
from desktop_app.audio.pulse import format_server_devices, presence, pulse_names, server_devices
from desktop_app.core.audio_format import float_to_pcm16
from tests.support.pulse_rig import PulseRig, Recorder

pytestmark = [pytest.mark.devices, pytest.mark.timeout(60)]

HEADSET = f"GLD-Test-Headset-{os.getpid()}"
SPEAKERS = f"GLD-Test-Speakers-{os.getpid()}"


@pytest.fixture
def two_sinks(rig: PulseRig) -> Iterator[tuple[str, str]]:
    """Two sinks of the rig, named ``<prefix>_headset`` / ``<prefix>_speakers``, described apart."""
    headset, speakers = f"{rig.prefix}_headset", f"{rig.prefix}_speakers"
    modules = [rig.load_sink(headset, HEADSET), rig.load_sink(speakers, SPEAKERS)]
    try:
        yield headset, speakers
    finally:
        for module in modules:
            rig.unload(module)


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0


def test_sinks_are_listed_by_description_with_their_stable_name(two_sinks: tuple[str, str]) -> None:
    headset, speakers = two_sinks
    sinks = server_devices(DeviceKind.OUTPUT)
    assert sinks is not None
    by_name = {d.name: d for d in sinks}
    assert by_name[headset].description == HEADSET
    assert by_name[speakers].description == SPEAKERS
    assert sum(d.is_default for d in sinks) == 1, "exactly the server's default sink is marked"

    lists = audio_devices()
    assert lists.from_server
    assert [c.value for c in lists.outputs if c.label == HEADSET] == [headset]


def test_monitors_are_left_out_of_the_microphones_unless_asked(two_sinks: tuple[str, str]) -> None:
    headset, _speakers = two_sinks
    plain = server_devices(DeviceKind.INPUT)
    assert plain is not None
    assert f"{headset}.monitor" not in {d.name for d in plain}
    with_monitors = server_devices(DeviceKind.INPUT, include_monitors=True)
    assert with_monitors is not None
    monitor = next(d for d in with_monitors if d.name == f"{headset}.monitor")
    assert monitor.is_monitor and HEADSET in monitor.description
    inputs = audio_devices(include_monitors=True).inputs
    assert any(c.value == f"{headset}.monitor" and c.is_monitor for c in inputs)
    assert not any(c.is_monitor for c in audio_devices().inputs)


def test_a_tone_on_the_sink_picked_by_description_arrives_there_and_nowhere_else(
    two_sinks: tuple[str, str],
) -> None:
    headset, speakers = two_sinks
    choice = next(c for c in audio_devices().outputs if c.label == HEADSET)
    on_headset, on_speakers = Recorder(f"{headset}.monitor"), Recorder(f"{speakers}.monitor")
    try:
        on_headset.wait_frames(4800, timeout=10)  # both recorders run before the tone starts
        on_speakers.wait_frames(4800, timeout=10)
        play_test_tone(choice.value)
        on_headset.wait_frames(on_headset.frames + 9600, timeout=10)
    finally:
        heard, elsewhere = on_headset.stop(), on_speakers.stop()
    assert _rms(heard) > 0.05, "the chime reached the chosen sink"
    assert _rms(elsewhere) < 0.001, "and nothing reached the other one"


@pytest.fixture(scope="module")
def long_tone_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten seconds of 1 kHz: longer than any wait below, so the tone is still playing while we record."""
    rate = 48_000
    t = np.arange(rate * 10) / rate
    path = tmp_path_factory.mktemp("wav") / "long_tone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(float_to_pcm16(0.5 * np.sin(2 * np.pi * 1000 * t)))
    return path


def test_a_microphone_picked_by_name_is_recorded_with_a_live_level(
    two_sinks: tuple[str, str], long_tone_wav: Path
) -> None:
    headset, _speakers = two_sinks
    levels: list[float] = []
    listening = Recorder(f"{headset}.monitor")
    player = subprocess.Popen(
        ["paplay", f"--device={headset}", str(long_tone_wav)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        listening.wait_frames(9600, timeout=10)
        while _rms(listening.samples()[-4800:]) < 0.05:  # the tone plays before we start recording
            listening.wait_frames(listening.frames + 2400, timeout=10)
        check = check_microphone(f"{headset}.monitor", seconds=1.0, on_level=levels.append)
    finally:
        player.kill()
        player.wait(5)
        listening.stop()
    assert check.heard_something, check
    assert len(levels) >= 10, "a level about every 50 ms while it records"
    assert max(levels) > -20.0


def test_presence_follows_the_sink_and_no_server_means_no_answer(
    rig: PulseRig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    name = f"{rig.prefix}_plugged"
    module = rig.load_sink(name)
    assert presence(DeviceKind.OUTPUT, name) is True
    rig.unload(module)
    assert presence(DeviceKind.OUTPUT, name) is False
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-such-socket'}")
    assert pulse_names(DeviceKind.OUTPUT) is None
    assert presence(DeviceKind.OUTPUT, name) is None
    lists = audio_devices()
    assert not lists.from_server, "without a server, PortAudio's own list stays"
    assert any(c.value == "pulse" for c in lists.outputs)


def test_list_devices_names_the_server_devices_to_choose_from(two_sinks: tuple[str, str]) -> None:
    headset, _speakers = two_sinks
    text = format_server_devices()
    assert text is not None
    speakers = text.split("Speakers:")[1].split("Monitors")[0]
    assert f"   {headset}  ({HEADSET})" in speakers.splitlines()
    monitors = text.split("Monitors")[1]
    assert f"{headset}.monitor" in monitors and f"{headset}.monitor" not in text.split("Speakers:")[0]
    assert sum(line.startswith(" * ") for line in speakers.splitlines()) == 1
