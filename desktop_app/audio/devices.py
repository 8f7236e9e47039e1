"""Audio devices: list them, print them for ``--list-devices``, and resolve a user's choice to one.

Choices come from flags (``--input-device``/``--output-device``) or saved settings, as a name (a
case-insensitive substring of the PortAudio name), an index, or nothing (the default device).

* An explicit choice that matches nothing raises :class:`~desktop_app.core.errors.MediaError` with a
  sentence naming what is available.
* A *saved* choice (``fallback=True``) that has vanished falls back to the default device and returns
  a :attr:`ResolvedDevice.notice` for the caller to show; nothing is only logged.
* No device of that kind at all raises :class:`MediaError`.

PortAudio takes its device list once, when it is initialised; :func:`rescan` re-initialises it to see
devices plugged in (or sound servers started) since. Call it only while no stream is open.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.core.errors import MediaError

__all__ = [
    "AudioDevice",
    "DeviceKind",
    "ResolvedDevice",
    "format_device_list",
    "list_devices",
    "rescan",
    "resolve_device",
]


class DeviceKind(enum.StrEnum):
    INPUT = "input"
    OUTPUT = "output"

    @property
    def noun(self) -> str:
        return "microphone" if self is DeviceKind.INPUT else "speaker"


@dataclass(frozen=True, slots=True)
class AudioDevice:
    """One PortAudio device as the user sees it."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool = False
    is_default_output: bool = False

    def supports(self, kind: DeviceKind) -> bool:
        channels = self.max_input_channels if kind is DeviceKind.INPUT else self.max_output_channels
        return channels > 0

    def is_default(self, kind: DeviceKind) -> bool:
        return self.is_default_input if kind is DeviceKind.INPUT else self.is_default_output


@dataclass(frozen=True, slots=True)
class ResolvedDevice:
    """The device to open, and a notice for the user when it is not the one they asked for."""

    device: AudioDevice
    notice: str | None = None

    @property
    def index(self) -> int:
        return self.device.index


def _sd() -> Any:
    import sounddevice  # a late import: it loads PortAudio, which the headless WAV path never needs

    return sounddevice


def rescan() -> None:
    """Re-initialise PortAudio so it sees devices that appeared since. No stream may be open."""
    sd = _sd()
    sd._terminate()
    sd._initialize()


def list_devices() -> list[AudioDevice]:
    """Every device PortAudio knows, inputs and outputs, with the defaults marked."""
    sd = _sd()
    try:
        raw = sd.query_devices()
        hostapis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    except Exception as err:  # PortAudio missing or broken: say so in one sentence
        raise MediaError(f"Audio devices cannot be listed: {err}.") from err
    devices: list[AudioDevice] = []
    for info in raw:
        index = int(info["index"])
        devices.append(
            AudioDevice(
                index=index,
                name=str(info["name"]),
                hostapi=str(hostapis[int(info["hostapi"])]["name"]),
                max_input_channels=int(info["max_input_channels"]),
                max_output_channels=int(info["max_output_channels"]),
                default_samplerate=float(info["default_samplerate"]),
                is_default_input=index == default_in,
                is_default_output=index == default_out,
            )
        )
    return devices


def format_device_list(devices: Sequence[AudioDevice]) -> str:
    """The ``--list-devices`` text: inputs then outputs, one per line, ``*`` marks the default."""
    lines: list[str] = []
    for kind, title in ((DeviceKind.INPUT, "Input devices"), (DeviceKind.OUTPUT, "Output devices")):
        lines.append(f"{title}:")
        found = [d for d in devices if d.supports(kind)]
        if not found:
            lines.append("  (none)")
        for d in found:
            mark = "*" if d.is_default(kind) else " "
            channels = d.max_input_channels if kind is DeviceKind.INPUT else d.max_output_channels
            lines.append(
                f" {mark}{d.index:3d}  {d.name}  ({d.hostapi}, {d.default_samplerate:g} Hz, {channels} ch)"
            )
    lines.append("* = default. Choose with --input-device / --output-device NAME-or-INDEX.")
    return "\n".join(lines)


def _default(devices: Sequence[AudioDevice], kind: DeviceKind) -> AudioDevice:
    for d in devices:
        if d.is_default(kind) and d.supports(kind):
            return d
    for d in devices:  # no default declared: the first device that can do it
        if d.supports(kind):
            return d
    raise MediaError(
        f"No {kind.noun} was found. Connect one (or start the sound server) and try again; "
        "text input still works without it."
    )


def _match(devices: Sequence[AudioDevice], spec: str | int, kind: DeviceKind) -> AudioDevice | None:
    usable = [d for d in devices if d.supports(kind)]
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().lstrip("-").isdigit()):
        index = int(spec)
        return next((d for d in usable if d.index == index), None)
    wanted = spec.strip().casefold()
    exact = [d for d in usable if d.name.casefold() == wanted]
    if exact:
        return exact[0]
    partial = [d for d in usable if wanted in d.name.casefold()]
    return partial[0] if partial else None


def resolve_device(
    spec: str | int | None,
    kind: DeviceKind | str,
    *,
    fallback: bool = False,
    devices: Sequence[AudioDevice] | None = None,
) -> ResolvedDevice:
    """Find the device meant by ``spec`` (name substring, index, or None/"" /"default" for the default).

    ``fallback=True`` is for a saved setting: a vanished device gives the default plus a notice instead
    of an error. An exact (case-insensitive) name wins over a substring; among substrings, the lowest index.
    """
    kind = DeviceKind(kind)
    devices = list_devices() if devices is None else list(devices)
    if spec is None or (isinstance(spec, str) and spec.strip().casefold() in ("", "default")):
        return ResolvedDevice(_default(devices, kind))
    found = _match(devices, spec, kind)
    if found is not None:
        return ResolvedDevice(found)
    names = ", ".join(f"{d.index}: {d.name}" for d in devices if d.supports(kind)) or "none"
    if fallback:
        default = _default(devices, kind)
        return ResolvedDevice(
            default,
            notice=(
                f"The saved {kind.noun} {spec!r} is not connected; using the default "
                f"{kind.noun} {default.name!r} instead."
            ),
        )
    raise MediaError(
        f"No {kind.noun} matches {spec!r}. Available {kind.value} devices: {names}. "
        "Run with --list-devices to see them all."
    )
