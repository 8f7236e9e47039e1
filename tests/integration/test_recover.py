"""Errors you can act on, through the real controller and emulator (issue 18, parts 2 and 6): Retry after a
backend that could not open and after a refused session, typed text reported unsent, a saved key checked the
way the service refuses a bad one, and a voice preview the emulator speaks in the chosen voice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import numpy as np
import pytest

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.errors import ConfigError
from desktop_app.core.events import ErrorEvent, SessionPhase, SessionState
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.emulator.media import voice_pitch
from desktop_app.live.backend import Backend
from desktop_app.services.app_controller import AppController
from desktop_app.services.backend import BackendHandle, _resilient
from tests.unit.services.fakes import Events, FakeAudio

pytestmark = pytest.mark.integration

BAD_KEY = "AIzaSy-not-a-real-key-000000000000000"


def _backend(emulator: Emulator, key: str = "test-key") -> Backend:
    return Backend("emulator", key, emulator.base_url, emulator.client_ssl_context())


def _settings() -> Settings:
    return Settings(backend="emulator", emulator_pace=0.0, relay_port=0)


def _app(emulator: Emulator, rec: Events, audio: FakeAudio, *, fail_opens: int = 0) -> AppController:
    """The window's app on ``emulator``; its first ``fail_opens`` backend openings fail."""
    failures = [fail_opens]

    @asynccontextmanager
    async def opener(_settings: Settings) -> AsyncIterator[BackendHandle]:
        if failures[0] > 0:
            failures[0] -= 1
            raise ConfigError("The backend could not be started (test).")
        backend = _backend(emulator)
        yield BackendHandle(_resilient(backend), backend)

    controller = build_app(
        _settings(),
        Mode.WINDOW,
        rec,
        audio_opener=lambda options, loop, publish: audio,  # type: ignore[arg-type,return-value]
        backend_opener=opener,
        save=lambda _s: None,
    )
    controller.services.backend.key_target = lambda key: _backend(emulator, key)
    return controller


def _live(event: object) -> bool:
    return isinstance(event, SessionState) and event.phase is SessionPhase.LIVE


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(pace=0.0, rejected_keys=frozenset({BAD_KEY}))) as emu:
        yield emu


async def test_retry_starts_everything_a_failed_backend_held_back(emulator: Emulator) -> None:
    rec, audio = Events(), FakeAudio()
    controller = _app(emulator, rec, audio, fail_opens=1)
    try:
        await controller.start()
        failed = await rec.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "backend")
        assert isinstance(failed, ErrorEvent) and controller.running().conversation is None
        await controller.retry()
        await rec.wait_for(_live)
        running = controller.running()
        assert running.conversation is not None and running.relay is not None and running.audio is not None
        assert await controller.send_text("hello again") is True
    finally:
        await controller.stop()


async def test_a_refused_session_reports_unsent_text_and_retry_opens_a_new_one(emulator: Emulator) -> None:
    rec, audio = Events(), FakeAudio()
    emulator.faults.close_after_client_messages = 1  # the setup is refused once, as an unknown model is
    emulator.faults.close_code, emulator.faults.close_reason = (
        1008,
        "models/x is not found for API version v1beta",
    )
    controller = _app(emulator, rec, audio)
    try:
        await controller.start()
        refused = await rec.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "model_not_found")
        assert refused
        assert await controller.send_text("anyone there?") is False, "not connected: not sent"
        seen = len(rec.seen)
        await controller.retry()
        assert any(_live(e) for e in rec.seen[seen:]), "Retry opened a new session"
        assert await controller.send_text("anyone there?") is True
        await controller.retry()  # live: nothing to do
        assert not [e for e in rec.seen[seen:] if isinstance(e, ErrorEvent)]
    finally:
        await controller.stop()


async def test_a_saved_key_is_checked_as_the_service_refuses_a_bad_one(emulator: Emulator) -> None:
    rec, audio = Events(), FakeAudio()
    controller = _app(emulator, rec, audio)
    bad = await controller.check_key(BAD_KEY)
    # the emulator closes 1007 "API Key not found. Please pass a valid API key." as the service does
    # (research/protocol.md §2.10; desktop_app/emulator/protocol_errors.API_KEY_INVALID)
    assert bad.checked and bad.refused and not bad.accepted
    assert "API Key not found" in bad.message and BAD_KEY not in bad.message
    good = await controller.check_key("AIzaSy-a-good-key-11111111111111111")
    assert good.accepted and good.message == ""
    controller.services.backend.key_target = lambda key: Backend(
        "emulator", key, "https://127.0.0.1:9", emulator.client_ssl_context()
    )  # nothing listens there
    unreachable = await controller.check_key("AIzaSy-a-good-key-11111111111111111")
    assert not unreachable.checked and not unreachable.refused
    assert unreachable.message.startswith("The key could not be checked now")


def _pitch(pcm: bytes, rate: int = 24_000) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


async def test_a_voice_preview_speaks_in_the_chosen_voice(emulator: Emulator) -> None:
    rec, audio = Events(), FakeAudio()
    controller = _app(emulator, rec, audio)
    try:
        await controller.start()
        await rec.wait_for(_live)
        heard: dict[str, float] = {}
        for voice in ("Kore", "Charon"):
            audio.sink.played.clear()
            assert await controller.preview_voice(voice) == ""
            assert audio.sink.played, "the preview reached the speaker"
            heard[voice] = _pitch(b"".join(audio.sink.played))
        assert heard["Kore"] == pytest.approx(voice_pitch("Kore"), abs=3)
        assert heard["Charon"] == pytest.approx(voice_pitch("Charon"), abs=3)
        assert voice_pitch("Kore") != voice_pitch("Charon")
        assert controller.running().conversation is not None, "the conversation's session is untouched"
    finally:
        await controller.stop()


async def test_a_preview_without_a_connection_says_why(emulator: Emulator) -> None:
    rec, audio = Events(), FakeAudio()
    controller = _app(emulator, rec, audio, fail_opens=1)
    try:
        await controller.start()
        assert (await controller.preview_voice("Kore")).startswith("The preview needs a connection")
    finally:
        await controller.stop()
