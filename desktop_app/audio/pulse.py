"""The sound server's own devices (PulseAudio, or PipeWire's pulse server): names, descriptions, the default.

PortAudio reaches PulseAudio through ALSA's ``pulse`` device, so its own list shows ``pulse`` and
``default``, never the sinks behind them (a user could not pick their USB headset), and that list is frozen
until PortAudio is re-initialised (which closes every stream). So the devices a user chooses from are asked
of the sound server itself, through ``pulsectl`` (ctypes over libpulse): each sink or source has a stable
``name`` (``alsa_output.usb-…``, what the settings store) and a ``description`` for people ("Built-in Audio
Analog Stereo"). A source that is the monitor of a sink (what a speaker plays) is marked, and left out of
the microphone list unless asked for.

Routing: a chosen server device is opened on PortAudio's ``pulse`` device with ``PULSE_SINK`` /
``PULSE_SOURCE`` set for the open (:func:`routed_to`); the ALSA plugin reads them when the stream is
created, so the stream is born on the right device. Moving the stream afterwards (``move-sink-input``)
would need our own stream's index found among the server's streams, and the first blocks would play on
the default device: the variable is simpler and exact.

Presence is polled (:func:`presence`, once a second by the audio service), not subscribed: a subscription
is one more connection and thread to keep alive for a check that a poll answers within a second. Every call
here connects to the server (a few ms): call it off the loop thread (``asyncio.to_thread``). The connection
is made without pulsectl's ``timeout`` argument, which (pulsectl 24.x) waits out the whole timeout even
when the server answers at once; a refused or vanished server fails at once, and a server that accepts
but never answers would hang its streams too. Without a server (pure ALSA), or without libpulse, every
query answers None and callers keep PortAudio's own list.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from desktop_app.audio.devices import DeviceKind, ResolvedDevice, list_devices, resolve_device
from desktop_app.core.errors import MediaError

__all__ = [
    "PORTAUDIO_PULSE",
    "ServerDevice",
    "format_server_devices",
    "portaudio_reaches_server",
    "presence",
    "pulse_names",
    "resolve_choice",
    "routed_to",
    "server_devices",
]

PORTAUDIO_PULSE = "pulse"
"""PortAudio's (ALSA's) device that reaches the sound server; routed streams open on it."""

_ENV = {DeviceKind.OUTPUT: "PULSE_SINK", DeviceKind.INPUT: "PULSE_SOURCE"}
_env_lock = threading.Lock()
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ServerDevice:
    """One sink (OUTPUT) or source (INPUT) of the sound server.

    ``name`` is stable across restarts and replugging: store it. ``description`` is what people read.
    ``is_monitor``: a source that records what a sink plays (only ever an INPUT).
    """

    name: str
    description: str
    kind: DeviceKind
    is_default: bool = False
    is_monitor: bool = False


def _ask(query: Callable[[Any], T]) -> T | None:
    """Connect to the sound server, run ``query(pulse)``, disconnect. None when there is no server or no
    libpulse."""
    try:
        import pulsectl  # loads libpulse through ctypes: absent on a pure-ALSA system
    except (ImportError, OSError):
        return None
    try:
        pulse = pulsectl.Pulse("gemini-live-desktop", connect=False)
    except (pulsectl.PulseError, OSError):
        return None
    try:
        pulse.connect(autospawn=False)  # never start a daemon of our own
        return query(pulse)
    except (pulsectl.PulseError, OSError):
        return None
    finally:
        pulse.close()


def _list(pulse: Any, kind: DeviceKind) -> list[ServerDevice]:
    info = pulse.server_info()
    if kind is DeviceKind.OUTPUT:
        default = info.default_sink_name
        return [
            ServerDevice(s.name, s.description or s.name, kind, is_default=s.name == default)
            for s in pulse.sink_list()
        ]
    default = info.default_source_name
    return [
        ServerDevice(
            s.name,
            s.description or s.name,
            kind,
            is_default=s.name == default,
            is_monitor=bool(s.monitor_of_sink_name) or s.name.endswith(".monitor"),
        )
        for s in pulse.source_list()
    ]


def server_devices(kind: DeviceKind, *, include_monitors: bool = False) -> list[ServerDevice] | None:
    """The sound server's sinks (OUTPUT) or sources (INPUT) in the server's order, the default marked;
    monitors of sinks only with ``include_monitors``. None when no sound server answers."""
    found = _ask(lambda pulse: _list(pulse, kind))
    if found is None:
        return None
    return [d for d in found if include_monitors or not d.is_monitor]


def format_server_devices() -> str | None:
    """The ``--list-devices`` section for the sound server's devices (names to pass to
    ``--input-device`` / ``--output-device``, descriptions, ``*`` on the defaults), or None without a
    server. Connects to the server: call it off the loop thread."""
    both = _ask(lambda pulse: (_list(pulse, DeviceKind.INPUT), _list(pulse, DeviceKind.OUTPUT)))
    if both is None:
        return None
    sources, sinks = both
    sections = (
        ("Microphones", [d for d in sources if not d.is_monitor]),
        ("Speakers", sinks),
        ("Monitors (what a speaker plays, usable as an input)", [d for d in sources if d.is_monitor]),
    )
    lines = ["Sound server devices (PulseAudio / PipeWire):"]
    for title, found in sections:
        lines.append(f"{title}:")
        lines += [f" {'*' if d.is_default else ' '} {d.name}  ({d.description})" for d in found]
        if not found:
            lines.append("   (none)")
    lines.append("* = the server's default. Choose one by its name with --input-device / --output-device.")
    return "\n".join(lines)


def pulse_names(kind: DeviceKind) -> frozenset[str] | None:
    """Every sink (OUTPUT) or source (INPUT, monitors included) name; None when no server answers."""
    found = server_devices(kind, include_monitors=True)
    return None if found is None else frozenset(d.name for d in found)


def resolve_choice(
    spec: str | int | None, kind: DeviceKind, *, fallback: bool = False
) -> tuple[ResolvedDevice, str | None]:
    """The PortAudio device to open for the user's choice ``spec``, and the server device to route it to
    (None: no routing; open it inside :func:`routed_to` either way).

    A name of a sound-server device opens PortAudio's ``pulse`` device routed to it; anything else
    (a PortAudio name or index, None for the default) is :func:`~desktop_app.audio.devices.resolve_device`
    with ``fallback`` (a saved choice that vanished: the default and a notice). Raises MediaError.
    """
    if isinstance(spec, str) and spec.strip().casefold() not in ("", "default"):
        try:
            return resolve_device(spec, kind), None
        except MediaError:  # not a PortAudio device: perhaps one of the sound server's
            names = pulse_names(kind)
            if names is not None and spec in names:
                return resolve_device(PORTAUDIO_PULSE, kind), spec
    return resolve_device(spec, kind, fallback=fallback), None


def portaudio_reaches_server() -> bool:
    """Whether PortAudio lists the ``pulse`` device that routed streams open on (ALSA's pulse plugin)."""
    try:
        return any(d.name == PORTAUDIO_PULSE for d in list_devices())
    except MediaError:
        return False


@contextlib.contextmanager
def routed_to(kind: DeviceKind, name: str | None) -> Iterator[None]:
    """While the block runs, streams opened on PortAudio's ``pulse`` device go to sink/source ``name``
    (None: no change). Open the stream inside the block; the variable is restored after it."""
    if name is None:
        yield
        return
    key = _ENV[kind]
    with _env_lock:
        saved = os.environ.get(key)
        os.environ[key] = name
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = saved


def presence(kind: DeviceKind, spec: str | int | None) -> bool | None:
    """Whether the chosen device ``spec`` is connected now: True or False when it names a sound-server
    sink (OUTPUT) or source (INPUT); None when that cannot be told here — the default device, a PortAudio
    device (PortAudio's list is frozen while streams are open), or no server. Call it off the loop thread."""
    if spec is None or isinstance(spec, int) or spec.strip().casefold() in ("", "default"):
        return None
    try:
        resolve_device(spec, kind)
    except MediaError:
        names = pulse_names(kind)
        return None if names is None else spec in names
    return None
