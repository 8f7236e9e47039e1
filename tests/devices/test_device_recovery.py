"""Device faults under a running audio service, on real PulseAudio: a chosen speaker or microphone that is
unplugged (``pactl unload-module`` of its null sink) and plugged back, and a sound server that restarts.

Each test names its own sinks (``gldr<pid>_<n>_…``), so concurrent runs on the shared daemon do not meet.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator

import pytest

from desktop_app.audio.capture import MicCapture
from desktop_app.audio.devices import DeviceKind
from desktop_app.audio.playback import SpeakerPlayback
from desktop_app.config import Settings
from desktop_app.core.events import ErrorEvent, Event, MicAudio
from desktop_app.services.audio import AudioService, open_real_audio
from desktop_app.services.bus import Bus
from tests.support.pulse_rig import PrivateDaemon, PulseRig

pytestmark = [pytest.mark.devices, pytest.mark.timeout(90)]

_ids = itertools.count()
FLOW_S = 15  # the PulseAudio ALSA plugin can stall a new stream ~2 s; under load more


@pytest.fixture
def rig(pulse_daemon: None) -> PulseRig:
    r = PulseRig(f"gldr{os.getpid()}_{next(_ids)}")
    yield r
    r.teardown()


async def _ignore(_block: MicAudio) -> None:
    pass


def _notices(events: list[Event]) -> list[str]:
    return [e.message for e in events if isinstance(e, ErrorEvent)]


@pytest.fixture
async def service_for(pulse_daemon: None) -> AsyncIterator[object]:
    made: list[AudioService] = []

    def make(settings: Settings, events: list[Event]) -> AudioService:
        service = AudioService(settings, Bus(events.append), open_real_audio, _ignore, watch_interval_s=0.5)
        made.append(service)
        return service

    yield make
    for service in made:
        await service.stop()


async def _speaker_flows(audio: object) -> SpeakerPlayback:
    sink = getattr(audio, "sink", None)
    assert isinstance(sink, SpeakerPlayback), f"no real speaker: {sink!r}"
    start = sink.callbacks
    await sink.wait_for(lambda: sink.callbacks > start + 10, FLOW_S)
    return sink


async def _microphone_flows(audio: object) -> MicCapture:
    source = getattr(audio, "source", None)
    assert isinstance(source, MicCapture), f"no real microphone: {source!r}"
    start = source.callbacks
    await source.wait_for(lambda: source.callbacks > start + 5, FLOW_S)
    return source


async def test_an_unplugged_speaker_falls_back_to_the_default_and_returns_when_plugged_back(
    rig: PulseRig, service_for: object
) -> None:
    name = f"{rig.prefix}_out"
    module = rig.load_sink(name)
    events: list[Event] = []
    service: AudioService = service_for(Settings(output_device=name), events)  # type: ignore[operator]
    await service.start()
    sink = await _speaker_flows(service.audio)
    assert sink.config.device_name == name and rig.streams_on(name) == 1

    rig.unload(module)
    fallback = await service.wait_opened(2, FLOW_S)
    sink = await _speaker_flows(fallback)
    assert fallback is not None and DeviceKind.OUTPUT in fallback.fallbacks
    said = _notices(events)
    # the watcher's poll usually sees the sink gone before the stream fails (~2 s): either way, one notice
    assert any(f"saved speaker '{name}' is not connected; using the default speaker" in m for m in said), said

    rig.load_sink(name)
    back = await service.wait_opened(3, FLOW_S)
    sink = await _speaker_flows(back)
    assert back is not None and not back.fallbacks and sink.config.device_name == name
    assert rig.streams_on(name) == 1
    assert f"The speaker '{name}' is connected again; using it." in _notices(events)


async def test_an_unplugged_microphone_falls_back_to_the_default_and_returns_when_plugged_back(
    rig: PulseRig, service_for: object
) -> None:
    mic = f"{rig.prefix}_in"
    source = f"{mic}.monitor"
    module = rig.load_sink(mic)
    events: list[Event] = []
    service: AudioService = service_for(Settings(input_device=source), events)  # type: ignore[operator]
    await service.start()
    await _microphone_flows(service.audio)
    assert rig.streams_on(source) == 1

    rig.unload(module)  # PulseAudio moves the recording elsewhere without a word: the watcher notices
    fallback = await service.wait_opened(2, FLOW_S)
    await _microphone_flows(fallback)
    assert fallback is not None and fallback.fallbacks == {DeviceKind.INPUT}
    said = _notices(events)
    assert any(f"saved microphone '{source}' is not connected; using the default" in m for m in said), said

    rig.load_sink(mic)
    back = await service.wait_opened(3, FLOW_S)
    await _microphone_flows(back)
    assert back is not None and not back.fallbacks and rig.streams_on(source) == 1
    assert f"The microphone '{source}' is connected again; using it." in _notices(events)


async def test_audio_flows_again_after_the_sound_server_restarts(service_for: object) -> None:
    daemon = PrivateDaemon()
    try:
        with daemon.route():  # every stream the service opens goes to this daemon
            events: list[Event] = []
            service: AudioService = service_for(Settings(), events)  # type: ignore[operator]
            await service.start()
            await _speaker_flows(service.audio)
            await _microphone_flows(service.audio)
            opened = service.openings
            daemon.restart()
            # the streams fail, the reopen is retried each poll until the new server answers
            audio = await service.wait_opened(opened + 1, FLOW_S)
            while not (
                isinstance(getattr(audio, "sink", None), SpeakerPlayback)
                and isinstance(getattr(audio, "source", None), MicCapture)
            ):
                audio = await service.wait_opened(service.openings + 1, FLOW_S)
            await _speaker_flows(audio)
            await _microphone_flows(audio)
            said = _notices(events)
            assert any("stopped working" in m for m in said), said
            await service.stop()  # while its server still runs
    finally:
        daemon.kill()


async def test_audio_flows_again_when_the_default_device_goes_and_the_default_changes(
    service_for: object,
) -> None:
    daemon = PrivateDaemon()
    try:
        module = daemon.pactl("load-module", "module-null-sink", "sink_name=second", "channels=1").strip()
        daemon.pactl("set-default-sink", "second")
        daemon.pactl("set-default-source", "second.monitor")
        with daemon.route(pin=False):  # the service follows the daemon's defaults
            events: list[Event] = []
            service: AudioService = service_for(Settings(), events)  # type: ignore[operator]
            await service.start()
            await _speaker_flows(service.audio)
            await _microphone_flows(service.audio)
            assert PulseRig.streams_on("second") == 1
            daemon.pactl("unload-module", module)  # the default sink goes; the server picks ``priv``
            # streams that follow the default are moved by the server: audio flows on without a reopen
            await _speaker_flows(service.audio)
            await _microphone_flows(service.audio)
            assert PulseRig.streams_on("priv") == 1, "the speaker now plays into the new default"
            assert PulseRig.streams_on("priv.monitor") == 1, "the microphone now hears the new default"
            await service.stop()  # while its server still runs
    finally:
        daemon.kill()
