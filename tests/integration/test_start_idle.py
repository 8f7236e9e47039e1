"""Nothing leaves the machine before the user acts (issue 18): the window's application built with
``start_idle`` on the real emulator, with an in-memory microphone that is spoken into from the start.

The emulator's own counters are the witness: no connection before "Start talking" (or another deliberate
act), and no audio while the settings' microphone test runs.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.app_events import InputState
from desktop_app.core.events import Role, SessionPhase, SessionState, Transcript
from desktop_app.emulator import Emulator
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.services.app_controller import AppController
from tests.support.audio import silence, speech_like
from tests.unit.services.fakes import Events, FakeAudio, fake_backend

pytestmark = pytest.mark.integration


@pytest.fixture
def settings() -> Settings:
    return Settings(backend="emulator", emulator_pace=0.0, relay_port=0, video_source="0")


async def start_idle(
    settings: Settings, connector: GenaiConnector, audio: FakeAudio, rec: Events
) -> AppController:
    controller = build_app(
        settings,
        Mode.WINDOW,
        rec,
        audio_opener=lambda options, loop, publish: audio,  # type: ignore[arg-type,return-value]
        backend_opener=fake_backend(lambda: connector),
        save=lambda _s: None,
        start_idle=True,
    )
    await controller.start()
    return controller


def live(e: object) -> bool:
    return isinstance(e, SessionState) and e.phase is SessionPhase.LIVE


async def test_nothing_is_sent_before_start_talking(
    settings: Settings, emulator: Emulator, connector: GenaiConnector
) -> None:
    audio, rec = FakeAudio(), Events()
    controller = await start_idle(settings, connector, audio, rec)
    try:
        state = await rec.wait_for(lambda e: isinstance(e, InputState))
        assert isinstance(state, InputState) and not state.listening and state.camera is None
        audio.source.speak(speech_like(1.0) + silence(0.5))  # the room talks before the user acts
        await audio.source.consumed()
        new_session = dataclasses.replace(settings, voice="Kore")  # a session setting changes while idle
        await controller.apply_settings(new_session)
        assert controller.running().conversation is None
        assert controller.services.vision is not None and controller.services.vision.camera is None
        assert emulator.stats.connections == 0 and emulator.stats.audio_in_s == 0.0

        await controller.set_listening(True)  # the deliberate act
        await rec.wait_for(live)
        assert controller.input_state.listening
        audio.source.speak(speech_like(0.5))
        await audio.source.consumed()
        await emulator.wait_until(lambda s: s.audio_in_s > 0.4)
        assert emulator.stats.connections == 1
    finally:
        await controller.stop()


async def test_a_typed_message_opens_the_session_but_not_the_microphone(
    settings: Settings, emulator: Emulator, connector: GenaiConnector
) -> None:
    audio, rec = FakeAudio(), Events()
    controller = await start_idle(settings, connector, audio, rec)
    try:
        await controller.send_text("hello there")
        said = await rec.wait_for(
            lambda e: isinstance(e, Transcript) and e.role is Role.MODEL and "hello there" in e.text
        )
        assert said and emulator.stats.connections == 1
        audio.source.speak(speech_like(0.5))
        await audio.source.consumed()
        conv = controller.running().conversation
        assert conv is not None and conv.stats.blocks_sent == 0
        assert emulator.stats.audio_in_s == 0.0
    finally:
        await controller.stop()


async def test_the_microphone_test_is_not_sent(
    settings: Settings, emulator: Emulator, connector: GenaiConnector
) -> None:
    audio, rec = FakeAudio(), Events()
    controller = await start_idle(settings, connector, audio, rec)
    try:
        await controller.set_listening(True)
        await rec.wait_for(live)
        conv = controller.running().conversation
        assert conv is not None
        await controller.set_mic_test(True)
        assert controller.input_state.mic_test
        audio.source.speak(speech_like(1.0))  # the user says "testing, testing" into the settings' test
        await audio.source.consumed()
        assert conv.stats.blocks_sent == 0 and emulator.stats.audio_in_s == 0.0
        await controller.set_mic_test(False)
        audio.source.speak(silence(0.1))
        await audio.source.consumed()
        assert conv.stats.blocks_sent == 5  # listening again once the test ended
    finally:
        await controller.stop()


async def test_listening_at_launch_is_todays_behaviour(
    settings: Settings, emulator: Emulator, connector: GenaiConnector
) -> None:
    audio, rec = FakeAudio(), Events()
    controller = build_app(
        settings,
        Mode.WINDOW,
        rec,
        audio_opener=lambda options, loop, publish: audio,  # type: ignore[arg-type,return-value]
        backend_opener=fake_backend(lambda: connector),
        save=lambda _s: None,
    )
    await controller.start()
    try:
        await rec.wait_for(live)
        assert controller.input_state.listening
        audio.source.speak(speech_like(0.3))
        await audio.source.consumed()
        await emulator.wait_until(lambda s: s.audio_in_s > 0.2)
    finally:
        await controller.stop()


async def test_two_acts_at_once_open_one_session(
    settings: Settings, emulator: Emulator, connector: GenaiConnector
) -> None:
    audio, rec = FakeAudio(), Events()
    controller = await start_idle(settings, connector, audio, rec)
    try:
        await asyncio.gather(controller.set_listening(True), controller.send_text("hello"))
        await rec.wait_for(lambda e: isinstance(e, Transcript) and e.role is Role.MODEL and "hello" in e.text)
        assert emulator.stats.connections == 1
    finally:
        await controller.stop()
