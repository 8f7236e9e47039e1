"""PulseAudio (or PipeWire's pulse server) sinks and sources as device choices, and whether one is present.

PortAudio reaches PulseAudio through ALSA's ``pulse`` device, so its own list shows ``pulse`` and
``default``, never the sinks behind them, and that list is frozen until PortAudio is re-initialised (which
closes every stream). A device *choice* may therefore also be a PulseAudio sink name (speaker) or source
name (microphone): the stream is opened on PortAudio's ``pulse`` device with ``PULSE_SINK`` /
``PULSE_SOURCE`` set for the open (the ALSA plugin reads them when the stream is created).

Presence is asked of the sound server with ``pactl list short sinks|sources``. This module polls; it does
not subscribe: ``pulsectl`` is not installed, and a long-lived ``pactl subscribe`` would be one more
process to keep alive and parse, for a check that a once-a-second poll answers within a second. Every
call here runs ``pactl`` (a few ms): call it off the loop thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator

from desktop_app.audio.devices import DeviceKind, resolve_device
from desktop_app.core.errors import MediaError

__all__ = ["presence", "pulse_names", "routed_to"]

_ENV = {DeviceKind.OUTPUT: "PULSE_SINK", DeviceKind.INPUT: "PULSE_SOURCE"}
_env_lock = threading.Lock()


def pulse_names(kind: DeviceKind) -> frozenset[str] | None:
    """The sound server's sink (OUTPUT) or source (INPUT) names; None when ``pactl`` is missing or no
    server answers (then nothing can be said about presence)."""
    if shutil.which("pactl") is None:
        return None
    what = "sinks" if kind is DeviceKind.OUTPUT else "sources"
    try:
        proc = subprocess.run(
            ["pactl", "list", "short", what], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return frozenset(line.split("\t")[1] for line in proc.stdout.splitlines() if line.count("\t") >= 1)


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
    """Whether the chosen device ``spec`` is connected now: True or False when it names a PulseAudio sink
    (OUTPUT) or source (INPUT); None when that cannot be told here — the default device, a PortAudio device
    (PortAudio's list is frozen while streams are open), or no ``pactl``/server. Runs ``pactl``: call it
    off the loop thread."""
    if spec is None or isinstance(spec, int) or spec.strip().casefold() in ("", "default"):
        return None
    try:
        resolve_device(spec, kind)
    except MediaError:
        names = pulse_names(kind)
        return None if names is None else spec in names
    return None
