"""Device-fault benchmarks on real PulseAudio: how long the user goes without audio after a device fault.

Each ``bench_*`` returns ``[(metric, value, unit), ...]``. Needs ``pulseaudio`` and ``pulseaudio-utils``;
:func:`tests.support.pulse_rig.ensure_daemon` starts the daemon of DESIGN.md §7 if none runs, and every
scenario uses its own null sinks (``gldd<pid>_…``) so concurrent runs do not meet.

The audio service runs as in the app (its device watcher polls every second). Times are medians over
``REPEATS`` faults, from the fault (``pactl unload-module`` / ``load-module``, or the daemon killed and
started again) to the first block the new stream handled, as seen on the loop (``…_to_audio_ms``), and to
the first notice the user reads (``…_to_notice_ms``: "not connected; using the default", "connected
again", "stopped working"):

* ``speaker_unplugged_to_audio_ms``: the chosen speaker's sink unloaded → the fallback speaker plays;
* ``speaker_replugged_to_audio_ms``: the sink loaded again → the chosen speaker plays again;
* ``microphone_unplugged_to_audio_ms`` / ``microphone_replugged_to_audio_ms``: the same for a microphone
  (PulseAudio moves its recording without a word: only the watcher's poll notices);
* ``sound_server_restart_to_audio_ms``: a private daemon killed and restarted on the same socket → both
  the speaker and the microphone run again.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable, Coroutine
from typing import Any

from desktop_app.audio import devices
from desktop_app.audio.factory import AudioIO
from desktop_app.bench.audio_flow import devices_flow
from desktop_app.config import Settings
from desktop_app.core.events import ErrorEvent, Event, MicAudio
from desktop_app.services.audio import AudioService, open_real_audio
from desktop_app.services.bus import Bus
from tests.support.pulse_rig import PrivateDaemon, PulseRig, ensure_daemon

Metric = tuple[str, float, str]

REPEATS = 3
TIMEOUT_S = 20.0


async def _ignore(_block: MicAudio) -> None:
    pass


class _Notices:
    """The service's notices, with the moment each was published (monotonic)."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, Event]] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, ErrorEvent):
            self.seen.append((time.monotonic(), event))

    def first_after(self, started: float) -> float | None:
        return next((t - started for t, _ in self.seen if t >= started), None)


def _service(settings: Settings, notices: _Notices) -> AudioService:
    return AudioService(settings, Bus(notices), open_real_audio, _ignore)


async def _flowing(audio: AudioIO | None, *, speaker: bool, microphone: bool) -> bool:
    return await devices_flow(audio, speaker=speaker, microphone=microphone, timeout_s=TIMEOUT_S)


async def _time_to_audio(
    service: AudioService,
    notices: _Notices,
    fault: Callable[[], object],
    *,
    speaker: bool,
    microphone: bool,
) -> tuple[float, float]:
    """Seconds from ``fault()`` to the first block handled by the devices opened after it, and to the
    first notice (NaN if none came by then)."""
    opened = service.openings
    started = time.monotonic()
    fault()
    while True:
        audio = await service.wait_opened(opened + 1, TIMEOUT_S)
        opened = service.openings
        if await _flowing(audio, speaker=speaker, microphone=microphone):
            flowing = time.monotonic() - started
            told = notices.first_after(started)
            return flowing, float("nan") if told is None else told


def _run(main: Callable[[], Coroutine[Any, Any, list[Metric]]]) -> list[Metric]:
    ensure_daemon()
    devices.rescan()
    return asyncio.run(main())


class _Unplug:
    def __init__(self, rig: PulseRig, module: str) -> None:
        self.rig, self.module = rig, module

    def __call__(self) -> None:
        self.rig.unload(self.module)


class _Replug:
    def __init__(self, rig: PulseRig, sink: str) -> None:
        self.rig, self.sink, self.module = rig, sink, ""

    def __call__(self) -> None:
        self.module = self.rig.load_sink(self.sink)


async def _unplug_and_replug(kind: str) -> list[Metric]:
    rig = PulseRig(f"gldd{os.getpid()}_{kind}")
    sink = f"{rig.prefix}_dev"
    chosen = sink if kind == "speaker" else f"{sink}.monitor"
    module = rig.load_sink(sink)
    settings = Settings(output_device=chosen) if kind == "speaker" else Settings(input_device=chosen)
    notices = _Notices()
    service = _service(settings, notices)
    speaker, microphone = kind == "speaker", kind == "microphone"
    gone: list[tuple[float, float]] = []
    back: list[tuple[float, float]] = []
    try:
        await service.start()
        assert await _flowing(service.audio, speaker=speaker, microphone=microphone)
        for _ in range(REPEATS):
            unplug = _Unplug(rig, module)
            gone.append(
                await _time_to_audio(service, notices, unplug, speaker=speaker, microphone=microphone)
            )
            replug = _Replug(rig, sink)
            back.append(
                await _time_to_audio(service, notices, replug, speaker=speaker, microphone=microphone)
            )
            module = replug.module
    finally:
        await service.stop()
        rig.teardown()
    return [
        *_medians(f"{kind}_unplugged", gone),
        *_medians(f"{kind}_replugged", back),
    ]


def _medians(name: str, samples: list[tuple[float, float]]) -> list[Metric]:
    return [
        (f"{name}_to_audio_ms", statistics.median(a for a, _ in samples) * 1000, "ms"),
        (f"{name}_to_notice_ms", statistics.median(n for _, n in samples) * 1000, "ms"),
    ]


def bench_speaker_unplugged() -> list[Metric]:
    return _run(lambda: _unplug_and_replug("speaker"))


def bench_microphone_unplugged() -> list[Metric]:
    return _run(lambda: _unplug_and_replug("microphone"))


async def _server_restart() -> list[Metric]:
    daemon = PrivateDaemon()
    times: list[tuple[float, float]] = []
    try:
        with daemon.route():
            notices = _Notices()
            service = _service(Settings(), notices)
            try:
                await service.start()
                assert await _flowing(service.audio, speaker=True, microphone=True)
                for _ in range(REPEATS):
                    restart = daemon.restart
                    times.append(
                        await _time_to_audio(service, notices, restart, speaker=True, microphone=True)
                    )
            finally:
                await service.stop()
    finally:
        daemon.kill()
    return _medians("sound_server_restart", times)


def bench_sound_server_restart() -> list[Metric]:
    return _run(_server_restart)
