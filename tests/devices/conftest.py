"""Real-device fixtures: a PulseAudio daemon with null sinks gives PortAudio real devices (DESIGN.md §7).

* ``pulse_daemon`` (session): starts the shared daemon of DESIGN.md §7 unless one answers, then
  re-initialises PortAudio so it sees it. The daemon is left running for other suites (it is cheap and
  other fixtures may share it); CI ends it with the run.
* ``rig`` (session): a private pair of null sinks (``gldt<pid>_spk``/``_mic``) in that daemon, so other
  suites playing into the shared ``micsink`` at the same time cannot disturb a measurement.
* ``routed`` (function): PortAudio's ``pulse``/``default`` devices point at the rig while the test runs.
* WAVs: ``far_speech_wav``/``near_speech_wav`` come from espeak-ng (two voices), ``tone_wav`` from numpy.

A missing ``pulseaudio``/``pactl``/``paplay``/``parec``/``espeak-ng`` fails the tests (it is an install
step that is missing, not a reason to skip). A WARNING log during a device test fails it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio import devices
from desktop_app.core.audio_format import float_to_pcm16, pcm16_to_float
from tests.support.pulse_rig import PulseRig, ensure_daemon

TOOLS = ("pulseaudio", "pactl", "paplay", "parec", "espeak-ng")


@pytest.fixture(scope="session")
def pulse_daemon() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(
            f"device tests need {', '.join(missing)} "
            "(apt-get install pulseaudio pulseaudio-utils espeak-ng libportaudio2)"
        )
    ensure_daemon()
    devices.rescan()  # PortAudio lists devices once: make it see the daemon


@pytest.fixture(scope="session")
def rig(pulse_daemon: None) -> Iterator[PulseRig]:
    r = PulseRig(f"gldt{os.getpid()}")
    r.setup()
    try:
        yield r
    finally:
        r.teardown()


@pytest.fixture
def routed(rig: PulseRig) -> Iterator[PulseRig]:
    with rig.route():
        yield rig


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(float_to_pcm16(samples))
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return pcm16_to_float(w.readframes(w.getnframes())), w.getframerate()


def espeak(path: Path, text: str, voice: str) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, timeout=60)
    return path


@pytest.fixture(scope="session")
def far_speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return espeak(
        tmp_path_factory.mktemp("wav") / "far.wav",
        "This is the model talking through the loudspeaker. Every word of this reply should be removed "
        "from the microphone signal by the echo canceller, while the person in the room is still heard "
        "clearly. One, two, three, four, five, six, seven, eight, nine, ten.",
        "en-us",
    )


@pytest.fixture(scope="session")
def near_speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return espeak(
        tmp_path_factory.mktemp("wav") / "near.wav",
        "Hello, this is the user speaking at the same time. Please keep my voice.",
        "en-gb+f3",
    )


@pytest.fixture(scope="session")
def tone_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rate = 48_000
    t = np.arange(int(rate * 2.5)) / rate
    return write_wav(tmp_path_factory.mktemp("wav") / "tone.wav", 0.5 * np.sin(2 * np.pi * 1000 * t), rate)
