"""The audio service's device watcher with a fake opener and device list: when it reopens, what it says,
and that it says it once (tests/devices/test_device_recovery.py runs the same on real PulseAudio).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import pytest

from desktop_app.audio.devices import DeviceKind
from desktop_app.audio.factory import AudioIO, AudioOptions, NullSink
from desktop_app.config import Settings
from desktop_app.core.events import ErrorEvent, Event, MicAudio
from desktop_app.core.ports import AudioSink
from desktop_app.services.audio import AudioService
from desktop_app.services.bus import Bus
from tests.unit.services.fakes import FakeAudio, MemorySink


class Devices:
    """A fake sound system: which chosen devices are connected, and whether the server answers."""

    def __init__(self) -> None:
        self.connected = {"Headset": True}
        self.server_up = True
        self.opened: list[AudioOptions] = []
        self.on_event: Callable[[Event], None] | None = None

    def presence(self, _kind: DeviceKind, spec: str | int | None) -> bool | None:
        return None if spec is None else self.connected.get(str(spec), False)

    def open(self, options: AudioOptions, _loop: asyncio.AbstractEventLoop, on_event: Any) -> AudioIO:
        self.opened.append(options)
        self.on_event = on_event
        audio = FakeAudio()
        if not self.server_up:
            audio.sink = cast(MemorySink, NullSink())
            audio.notices.append("No speaker was found.")
        elif not self.connected.get(str(options.output_device), True):
            audio.fallbacks = frozenset({DeviceKind.OUTPUT})
            audio.notices.append(
                f"The saved speaker {options.output_device!r} is not connected; using default."
            )
        return cast(AudioIO, audio)


async def _ignore(_block: MicAudio) -> None:
    pass


def _service(devices: Devices, events: list[Event], sinks: list[AudioSink], interval: float) -> AudioService:
    return AudioService(
        Settings(output_device="Headset"),
        Bus(events.append),
        devices.open,
        _ignore,
        on_new_sink=sinks.append,
        presence=devices.presence,
        watch_interval_s=interval,
    )


def _said(events: list[Event]) -> list[str]:
    return [e.message for e in events if isinstance(e, ErrorEvent)]


async def test_a_device_that_stops_working_is_reopened_at_once_not_at_the_next_poll() -> None:
    devices, events, sinks = Devices(), [], []  # type: ignore[var-annotated]
    service = _service(devices, events, sinks, interval=3600)
    await service.start()
    assert devices.on_event is not None
    devices.on_event(ErrorEvent("The speaker 'Headset' stopped working.", code="audio_output"))
    audio = await service.wait_opened(2, 5)
    assert _said(events) == ["The speaker 'Headset' stopped working."]  # the device's own event goes on
    assert audio is not None and len(sinks) == 2 and sinks[-1] is audio.sink, "the session gets the new one"
    await service.stop()


async def test_a_chosen_device_that_goes_falls_back_with_a_notice_and_returns_when_back() -> None:
    devices, events, sinks = Devices(), [], []  # type: ignore[var-annotated]
    service = _service(devices, events, sinks, interval=0.01)
    await service.start()
    devices.connected["Headset"] = False
    fallback = await service.wait_opened(2, 5)
    assert fallback is not None and fallback.fallbacks == {DeviceKind.OUTPUT}
    assert _said(events) == ["The saved speaker 'Headset' is not connected; using default."]
    with pytest.raises(TimeoutError):  # ten polls while it stays away: nothing reopened or repeated
        await service.wait_opened(3, 0.1)
    assert len(_said(events)) == 1
    devices.connected["Headset"] = True
    back = await service.wait_opened(3, 5)
    assert back is not None and not back.fallbacks and devices.opened[-1].output_device == "Headset"
    assert _said(events)[-1] == "The speaker 'Headset' is connected again; using it."
    assert len(sinks) == 3
    await service.stop()


async def test_a_sound_server_that_is_down_is_retried_each_poll_and_said_once() -> None:
    devices, events, sinks = Devices(), [], []  # type: ignore[var-annotated]
    service = _service(devices, events, sinks, interval=0.01)
    await service.start()
    devices.server_up = False
    assert devices.on_event is not None
    devices.on_event(ErrorEvent("The speaker 'Headset' stopped working.", code="audio_output"))
    await service.wait_opened(5, 5)  # the failed reopen is retried
    assert _said(events).count("No speaker was found.") == 1
    devices.server_up = True
    opened = service.openings
    audio = await service.wait_opened(opened + 1, 5)
    assert audio is not None and isinstance(audio.sink, MemorySink)
    with pytest.raises(TimeoutError):  # once both sides are open, no more reopening
        await service.wait_opened(service.openings + 1, 0.1)
    await service.stop()


async def test_stop_ends_the_watcher_and_a_later_failure_reopens_nothing() -> None:
    devices, events, sinks = Devices(), [], []  # type: ignore[var-annotated]
    service = _service(devices, events, sinks, interval=0.01)
    await service.start()
    await service.stop()
    assert devices.on_event is not None
    devices.on_event(ErrorEvent("late", code="audio_output"))
    with pytest.raises(TimeoutError):
        await service.wait_opened(2, 0.1)
    assert service.audio is None
