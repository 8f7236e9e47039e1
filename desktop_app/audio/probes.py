"""Blocking audio device look-ups and checks for the settings dialog: list, record a moment, play a chime.

The lists are the sound server's own devices, by description, when one answers and PortAudio reaches it
(:mod:`desktop_app.audio.pulse`); else PortAudio's list (pure ALSA). Either way a :class:`DeviceChoice`'s
``value`` is what the settings store and what :func:`check_microphone` / :func:`play_test_tone` and the
audio service open.

Every function may block (PortAudio), so callers run them in a worker thread (the window does so through
``CommandRunner.run_blocking``), never on a UI thread. Failures raise
:class:`~desktop_app.core.errors.MediaError` with a sentence for people. ``sounddevice`` is imported only
when a device is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from desktop_app.audio.devices import AudioDevice, DeviceKind, list_devices
from desktop_app.audio.levels import LevelMeter, to_dbfs
from desktop_app.audio.pulse import (
    ServerDevice,
    portaudio_reaches_server,
    resolve_choice,
    routed_to,
    server_devices,
)
from desktop_app.core.errors import MediaError

__all__ = [
    "DeviceChoice",
    "DeviceLists",
    "MicCheck",
    "audio_devices",
    "check_microphone",
    "chime",
    "play_test_tone",
]

LEVEL_INTERVAL_S = 0.05
"""How often :func:`check_microphone` reports the level while it records (a meter that follows speech)."""


@dataclass(frozen=True, slots=True)
class DeviceChoice:
    """One entry of a device list: ``value`` is stored in the settings, ``label`` is shown to people,
    ``is_default`` marks the system's current default device, ``is_monitor`` a source that records what
    a speaker plays (not a microphone)."""

    value: str
    label: str
    is_default: bool = False
    is_monitor: bool = False


@dataclass(frozen=True, slots=True)
class DeviceLists:
    """The microphones and speakers to choose from. ``from_server``: the sound server's devices (names
    and descriptions); False: PortAudio's list (no sound server, or PortAudio cannot reach it)."""

    inputs: tuple[DeviceChoice, ...]
    outputs: tuple[DeviceChoice, ...]
    from_server: bool = False


@dataclass(frozen=True, slots=True)
class MicCheck:
    """What the microphone heard: RMS and peak in dBFS, and the device's name."""

    device: str
    rms_dbfs: float
    peak_dbfs: float

    @property
    def heard_something(self) -> bool:
        return self.peak_dbfs > -50.0


def _server_choice(d: ServerDevice) -> DeviceChoice:
    label = f"{d.description} (default)" if d.is_default else d.description
    return DeviceChoice(d.name, label, d.is_default, d.is_monitor)


def _portaudio_choice(d: AudioDevice, kind: DeviceKind) -> DeviceChoice:
    label = f"{d.name} ({d.hostapi})"
    return DeviceChoice(d.name, f"{label} (default)" if d.is_default(kind) else label, d.is_default(kind))


def audio_devices(include_monitors: bool = False) -> DeviceLists:
    """The devices to choose from (see the module docstring); sources that monitor a sink (what a speaker
    plays) only with ``include_monitors``. Blocks: call it in a worker thread. Raises MediaError when
    neither the sound server nor PortAudio can list anything."""
    sinks = server_devices(DeviceKind.OUTPUT)
    sources = server_devices(DeviceKind.INPUT, include_monitors=include_monitors)
    if sinks is not None and sources is not None and portaudio_reaches_server():
        return DeviceLists(
            inputs=tuple(_server_choice(d) for d in sources),
            outputs=tuple(_server_choice(d) for d in sinks),
            from_server=True,
        )
    devices = list_devices()
    return DeviceLists(
        inputs=tuple(_portaudio_choice(d, DeviceKind.INPUT) for d in devices if d.supports(DeviceKind.INPUT)),
        outputs=tuple(
            _portaudio_choice(d, DeviceKind.OUTPUT) for d in devices if d.supports(DeviceKind.OUTPUT)
        ),
    )


def _sd() -> Any:
    import sounddevice

    return sounddevice


def check_microphone(
    device: str | None, seconds: float = 1.5, on_level: Callable[[float], None] | None = None
) -> MicCheck:
    """Record ``seconds`` from ``device`` (a listed value, a PortAudio name or index, or None for the
    default) and measure the level. ``on_level(peak_dbfs)`` is called from this (worker) thread every
    :data:`LEVEL_INTERVAL_S` while it records: hand the value to the UI thread, do nothing slow in it."""
    resolved, route = resolve_choice(device, DeviceKind.INPUT)
    sd = _sd()
    rate = int(resolved.device.default_samplerate) or 48_000
    piece = max(1, int(rate * LEVEL_INTERVAL_S))
    meter = LevelMeter()
    shown = route or resolved.device.name
    try:
        with routed_to(DeviceKind.INPUT, route):  # the route is read when the stream opens
            stream = sd.InputStream(device=resolved.index, channels=1, samplerate=rate, dtype="float32")
        with stream:
            left = int(rate * seconds)
            while left > 0:
                data, _overflowed = stream.read(min(left, piece))
                block = np.ascontiguousarray(data[:, 0])
                meter.add(block)
                if on_level is not None and len(block):
                    on_level(to_dbfs(float(np.max(np.abs(block)))))
                left -= len(data)
    except Exception as err:  # PortAudio errors carry no common base class worth naming
        raise MediaError(f"The microphone {shown!r} could not be opened: {err}.") from err
    rms, peak = meter.take()
    return MicCheck(shown, rms, peak)


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
    """Play the chime on ``device`` (a listed value, a PortAudio name or index, or None); returns the
    device name it played on."""
    resolved, route = resolve_choice(device, DeviceKind.OUTPUT)
    sd = _sd()
    rate = int(resolved.device.default_samplerate) or 48_000
    samples = chime(rate)
    shown = route or resolved.device.name
    try:
        with routed_to(DeviceKind.OUTPUT, route):  # the route is read when the stream opens
            stream = sd.OutputStream(device=resolved.index, channels=1, samplerate=rate, dtype="float32")
        with stream:
            stream.write(samples.reshape(-1, 1))
            stream.write(np.zeros((rate // 10, 1), dtype=np.float32))  # let the tail leave the buffer
    except Exception as err:
        raise MediaError(f"The speaker {shown!r} could not be opened: {err}.") from err
    return shown
