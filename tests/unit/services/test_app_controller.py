"""The façade applies new settings through changed_sections(): each service hears only of what concerns it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.events import ErrorEvent, Event, InputState, ModelAudio, TurnComplete
from desktop_app.live.fake_session import FakeConnector
from desktop_app.services import relay as relay_module
from desktop_app.services import vision as vision_module
from desktop_app.services.app_controller import AppController
from tests.unit.services.fakes import FakeAudio, FakeCamera, FakeRelay, fake_backend


@dataclass
class Rig:
    connectors: list[FakeConnector] = field(default_factory=list)
    audios: list[FakeAudio] = field(default_factory=list)
    relays: list[FakeRelay] = field(default_factory=list)
    saved: list[Settings] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    save_error: OSError | None = None

    def save(self, settings: Settings) -> None:
        if self.save_error is not None:
            raise self.save_error
        self.saved.append(settings)

    def build(self, settings: Settings) -> AppController:
        def new_connector() -> FakeConnector:
            self.connectors.append(FakeConnector())
            return self.connectors[-1]

        def open_audio(*_args: object) -> FakeAudio:
            self.audios.append(FakeAudio())
            return self.audios[-1]

        return build_app(
            settings,
            Mode.WINDOW,
            self.events.append,
            audio_opener=open_audio,  # type: ignore[arg-type]
            backend_opener=fake_backend(new_connector),
            save=self.save,
        )

    @property
    def sessions(self) -> int:
        return sum(len(c.sessions) for c in self.connectors)


@pytest.fixture
def rig(monkeypatch: pytest.MonkeyPatch) -> Rig:
    rig = Rig()

    def build_relay(_connector: object, settings: Settings) -> FakeRelay:
        rig.relays.append(FakeRelay(settings))
        return rig.relays[-1]

    monkeypatch.setattr(relay_module, "build_relay", build_relay)
    monkeypatch.setattr(vision_module, "open_video_source", lambda _spec: FakeCamera())
    return rig


START = Settings(history=False)


async def test_a_session_setting_opens_a_new_session_and_nothing_else(rig: Rig) -> None:
    app = rig.build(START)
    await app.start()
    try:
        assert await app.apply_settings(replace(START, voice="Kore")) is True
        assert rig.sessions == 2 and len(rig.connectors) == 1, "same backend, new session"
        assert len(rig.relays) == 1 and len(rig.audios) == 1, "relay and devices untouched"
        assert rig.saved[-1].voice == "Kore"
        assert await app.apply_settings(rig.saved[-1]) is False  # nothing changed
        assert rig.sessions == 2
    finally:
        await app.stop()


async def test_a_relay_setting_restarts_only_the_relay(rig: Rig) -> None:
    app = rig.build(START)
    await app.start()
    try:
        assert await app.apply_settings(replace(START, relay_port=9999)) is False
        assert [r.settings.relay_port for r in rig.relays] == [START.relay_port, 9999]
        assert rig.relays[0].stopped and rig.sessions == 1 and len(rig.audios) == 1
    finally:
        await app.stop()


async def test_a_backend_setting_reopens_the_backend_with_its_session_and_relay(rig: Rig) -> None:
    app = rig.build(START)
    await app.start()
    try:
        assert await app.apply_settings(replace(START, emulator_pace=0.5)) is True
        assert len(rig.connectors) == 2 and len(rig.connectors[1].sessions) == 1
        assert len(rig.relays) == 2 and rig.relays[0].stopped
        assert len(rig.audios) == 1, "the devices stay open"
    finally:
        await app.stop()


async def test_an_audio_setting_reopens_the_devices_and_the_session_plays_through_the_new_speaker(
    rig: Rig,
) -> None:
    app = rig.build(START)
    await app.start()
    try:
        assert await app.apply_settings(replace(START, echo_cancellation=False)) is False
        assert len(rig.audios) == 2 and rig.audios[0].source.closed
        assert app.input_state.headphones and rig.sessions == 1
        conv = app.running().conversation
        assert conv is not None
        since = conv.stats.turns
        rig.connectors[0].sessions[0].emit(ModelAudio(b"ab"), TurnComplete())
        await conv.wait_for_reply(since, timeout=5)
        assert rig.audios[1].sink.played == [b"ab"] and rig.audios[0].sink.played == []
    finally:
        await app.stop()


async def test_volume_applies_at_once_and_video_settings_reach_the_running_pump(rig: Rig) -> None:
    app = rig.build(START)
    await app.start()
    try:
        await app.set_camera("0")
        await app.apply_settings(replace(START, output_volume=0.5, video_fps=2.0))
        assert rig.audios[0].sink.volume == 0.5 and len(rig.audios) == 1
        state = [e for e in rig.events if isinstance(e, InputState)][-1]
        assert state.volume == 0.5 and state.camera == "0"
        vision = app.services.vision
        assert vision is not None and vision.pump is not None and vision.pump.state().pacing.fps == 2.0
        assert rig.sessions == 1
    finally:
        await app.stop()


async def test_settings_that_cannot_be_saved_are_a_notice_and_still_applied(rig: Rig) -> None:
    rig.save_error = OSError("disk full")
    app = rig.build(START)
    await app.start()
    try:
        assert await app.apply_settings(replace(START, voice="Kore")) is True
        [notice] = [e for e in rig.events if isinstance(e, ErrorEvent)]
        assert notice.code == "settings" and "disk full" in notice.message
    finally:
        await app.stop()
