"""Blocking audio device look-ups and checks for the settings dialog: list, record a moment, play a chime.

Every function may block (PortAudio), so callers run them in a worker thread (the window does so through
``CommandRunner.run_blocking``), never on a UI thread. Failures raise
:class:`~desktop_app.core.errors.MediaError` with a sentence for people. ``sounddevice`` is imported only
when a device is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from desktop_app.audio.devices import AudioDevice, DeviceKind, list_devices, resolve_device
from desktop_app.audio.levels import LevelMeter
from desktop_app.core.errors import MediaError

__all__ = ["DeviceLists", "MicCheck", "audio_devices", "check_microphone", "chime", "play_test_tone"]


@dataclass(frozen=True, slots=True)
class DeviceLists:
    inputs: tuple[AudioDevice, ...]
    outputs: tuple[AudioDevice, ...]


@dataclass(frozen=True, slots=True)
class MicCheck:
    """What the microphone heard: RMS and peak in dBFS, and the device's name."""

    device: str
    rms_dbfs: float
    peak_dbfs: float

    @property
    def heard_something(self) -> bool:
        return self.peak_dbfs > -50.0


def audio_devices() -> DeviceLists:
    devices = list_devices()
    return DeviceLists(
        inputs=tuple(d for d in devices if d.supports(DeviceKind.INPUT)),
        outputs=tuple(d for d in devices if d.supports(DeviceKind.OUTPUT)),
    )


def _sd() -> Any:
    import sounddevice

    return sounddevice


def check_microphone(device: str | None, seconds: float = 1.5) -> MicCheck:
    """Record ``seconds`` from ``device`` (name, index or None for the default) and measure the level."""
    resolved = resolve_device(device, DeviceKind.INPUT)
    sd = _sd()
    rate = int(resolved.device.default_samplerate) or 48_000
    meter = LevelMeter()
    try:
        with sd.InputStream(device=resolved.index, channels=1, samplerate=rate, dtype="float32") as stream:
            left = int(rate * seconds)
            while left > 0:
                data, _overflowed = stream.read(min(left, rate // 10))
                meter.add(np.ascontiguousarray(data[:, 0]))
                left -= len(data)
    except Exception as err:  # PortAudio errors carry no common base class worth naming
        raise MediaError(f"The microphone {resolved.device.name!r} could not be opened: {err}.") from err
    rms, peak = meter.take()
    return MicCheck(resolved.device.name, rms, peak)


def chime(rate: int, seconds: float = 0.9) -> npt.NDArray[np.float32]:
    """A soft two-note chime (about -14 dBFS) with gentle fades, as float32 mono."""
    t = np.arange(int(rate * seconds), dtype=np.float64) / rate
    half = len(t) // 2
    freq = np.where(np.arange(len(t)) < half, 660.0, 880.0)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    tone = 0.28 * np.sin(phase)
    fade = min(len(t) // 8, int(rate * 0.03))
    envelope = np.ones(len(t))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        envelope[:fade] = ramp
        envelope[-fade:] = ramp[::-1]
        envelope[half - fade // 2 : half + fade // 2] *= 0.6
    out: npt.NDArray[np.float32] = (tone * envelope).astype(np.float32)
    return out


def play_test_tone(device: str | None) -> str:
    """Play the chime on ``device`` (name, index or None); returns the device name it played on."""
    resolved = resolve_device(device, DeviceKind.OUTPUT)
    sd = _sd()
    rate = int(resolved.device.default_samplerate) or 48_000
    samples = chime(rate)
    try:
        with sd.OutputStream(device=resolved.index, channels=1, samplerate=rate, dtype="float32") as stream:
            stream.write(samples.reshape(-1, 1))
            stream.write(np.zeros((rate // 10, 1), dtype=np.float32))  # let the tail leave the buffer
    except Exception as err:
        raise MediaError(f"The speaker {resolved.device.name!r} could not be opened: {err}.") from err
    return resolved.device.name
