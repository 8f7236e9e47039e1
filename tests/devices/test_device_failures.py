"""Real device lists, missing devices, and streams that fail under the app (a sound server killed)."""

from __future__ import annotations

import asyncio

import pytest

from desktop_app.audio.capture import CaptureConfig, MicCapture
from desktop_app.audio.devices import DeviceKind, format_device_list, list_devices, resolve_device
from desktop_app.audio.factory import AudioOptions, open_audio, open_microphone, open_speaker
from desktop_app.audio.playback import PlaybackConfig, SpeakerPlayback
from desktop_app.audio.streams import ShellWiring
from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.core.errors import MediaError
from desktop_app.core.events import ErrorEvent, Event, MicAudio, ModelAudio
from tests.support.pulse_rig import PrivateDaemon, PulseRig

pytestmark = [pytest.mark.devices, pytest.mark.timeout(60)]


def test_portaudio_lists_the_pulse_devices_with_rates_and_defaults(pulse_daemon: None) -> None:
    devices = list_devices()
    names = [d.name for d in devices]
    assert "pulse" in names and "default" in names
    default_in = resolve_device(None, DeviceKind.INPUT, devices=devices).device
    assert default_in.is_default_input and default_in.default_samplerate > 0
    text = format_device_list(devices)
    assert f"*{default_in.index:3d}  {default_in.name}" in text
    assert "Hz" in text


@pytest.mark.parametrize("spec", ["No Such Microphone 3000", 4242])
def test_a_missing_device_is_a_clear_media_error(pulse_daemon: None, spec: str | int) -> None:
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(MediaError, match=r"^No microphone matches .*--list-devices"):
            open_microphone(AudioOptions(input_device=spec), loop)
        with pytest.raises(MediaError, match=r"^No speaker matches"):
            open_speaker(AudioOptions(output_device=spec), loop)
    finally:
        loop.close()


async def test_a_vanished_saved_device_falls_back_to_the_default_with_a_notice(routed: PulseRig) -> None:
    events: list[Event] = []
    io = open_audio(
        AudioOptions(input_device="Headset That Was Unplugged", devices_from_settings=True),
        asyncio.get_running_loop(),
        on_event=events.append,
    )
    try:
        assert len(io.notices) == 1
        assert "'Headset That Was Unplugged' is not connected" in io.notices[0]
        assert isinstance(io.source, MicCapture) and isinstance(io.sink, SpeakerPlayback)
    finally:
        await io.aclose()


async def test_a_failing_microphone_publishes_an_error_event_and_the_source_keeps_waiting(
    pulse_daemon: None,
) -> None:
    daemon = PrivateDaemon()
    events: list[Event] = []
    failed = asyncio.Event()

    def on_event(event: Event) -> None:
        events.append(event)
        if isinstance(event, ErrorEvent):
            failed.set()

    try:
        with daemon.route():
            device = resolve_device("pulse", DeviceKind.INPUT)
            mic = MicCapture(
                CaptureConfig(device=device.index, device_name="pulse"),
                asyncio.get_running_loop(),
                ShellWiring(on_event=on_event),
            )
            mic.start()
        got: list[MicAudio] = []

        async def consume() -> None:
            async for block in mic.blocks():
                got.append(block)

        consumer = asyncio.create_task(consume())
        assert await mic.wait_ready(15), "the private daemon's stream never started"
        daemon.kill()
        async with asyncio.timeout(15):
            await failed.wait()
        err = [e for e in events if isinstance(e, ErrorEvent)]
        assert len(err) == 1 and err[0].code == "audio_input"
        assert "stopped working" in err[0].message and "Typed messages still work" in err[0].message
        assert not consumer.done(), "the source does not end: the conversation goes on with text"
        assert got, "blocks flowed before the failure"
        await mic.aclose()
        async with asyncio.timeout(5):
            await consumer
    finally:
        daemon.kill()


async def test_a_failing_speaker_publishes_an_error_event_and_later_audio_is_dropped(
    pulse_daemon: None,
) -> None:
    daemon = PrivateDaemon()
    events: list[Event] = []
    try:
        with daemon.route():
            device = resolve_device("pulse", DeviceKind.OUTPUT)
            sp = SpeakerPlayback(
                PlaybackConfig(device=device.index, device_name="pulse"),
                asyncio.get_running_loop(),
                ShellWiring(on_event=events.append),
            )
            sp.start()
        assert await sp.wait_ready(15)
        sp.play(ModelAudio(bytes(MODEL_FORMAT.bytes_for_ms(2000))))
        daemon.kill()
        await sp.wait_for(lambda: sp.error is not None, 15)
        assert [e.code for e in events if isinstance(e, ErrorEvent)] == ["audio_output"]
        sp.play(ModelAudio(bytes(MODEL_FORMAT.bytes_for_ms(100))))
        async with asyncio.timeout(5):
            await sp.drain()
        await sp.aclose()
    finally:
        daemon.kill()
