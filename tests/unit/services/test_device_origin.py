"""A device named on the command line is said to come from there, not from the saved settings."""

from __future__ import annotations

import dataclasses

from desktop_app.audio.devices import resolve_device
from desktop_app.core.events import Event
from desktop_app.services.audio import AudioService
from tests.unit.services.test_device_watch import Devices, _said, _service


async def test_a_missing_device_from_the_command_line_is_said_to_come_from_there() -> None:
    devices, events, sinks = Devices(), [], []  # type: ignore[var-annotated]
    devices.connected["Headset"] = False
    service = _service(devices, events, sinks, interval=3600)
    service.named_on_command_line = {"output_device": "Headset"}
    await service.start()
    assert _said(events) == [
        "The speaker named on the command line (--output-device) 'Headset' is not connected; using default."
    ]
    await service.stop()


async def test_once_the_user_chose_another_device_it_is_the_saved_one_again() -> None:
    devices, events, sinks = Devices(), [], []  # type: ignore[var-annotated]
    devices.connected["Desk speaker"] = False
    service = _service(devices, events, sinks, interval=3600)
    service.named_on_command_line = {"output_device": "Headset"}
    await service.start()
    await service.apply_settings(dataclasses.replace(service._settings, output_device="Desk speaker"))
    assert _said(events)[-1] == "The saved speaker 'Desk speaker' is not connected; using default."
    await service.stop()


def test_the_wording_it_rewrites_is_the_one_resolve_device_uses() -> None:
    from desktop_app.audio.devices import AudioDevice

    mic = AudioDevice(0, "Built-in", "ALSA", 1, 0, 48_000.0, is_default_input=True)
    notice = resolve_device("USB Mic", "input", fallback=True, devices=[mic]).notice
    service: AudioService = _service(Devices(), [], [], interval=3600)
    service.named_on_command_line = {"input_device": "USB Mic"}
    service._settings = dataclasses.replace(service._settings, input_device="USB Mic")
    said: list[Event] = []
    service._bus = type(service._bus)(said.append)
    service._notice(notice, "audio_notice")
    assert _said(said) == [
        "The microphone named on the command line (--input-device) 'USB Mic' is not connected; "
        "using the default microphone 'Built-in' instead."
    ]
