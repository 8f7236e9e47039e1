"""The window's application (``build_app(…, Mode.WINDOW, …)``) on the real emulator and relay, with an
in-memory microphone and speaker."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from desktop_app import resources
from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.events import (
    BackendInfo,
    ErrorEvent,
    InputState,
    RelayStatus,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
    TurnLatency,
    VoiceActivity,
)
from desktop_app.services.app_controller import AppController
from tests.support.audio import read_stereo, silence, speech_like
from tests.unit.services.fakes import Events, FakeAudio

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(backend="emulator", emulator_pace=0.0, relay_port=0)


async def start(settings: Settings, audio: FakeAudio, rec: Events, saved: list[Settings]) -> AppController:
    controller = build_app(
        settings,
        Mode.WINDOW,
        rec,
        audio_opener=lambda options, loop, publish: audio,  # type: ignore[arg-type,return-value]
        save=saved.append,
    )
    await controller.start()
    return controller


async def test_start_speak_type_and_stop(settings: Settings) -> None:
    audio, rec, saved = FakeAudio(), Events(), []
    controller = await start(settings, audio, rec, saved)
    try:
        info = await rec.wait_for(lambda e: isinstance(e, BackendInfo))
        assert isinstance(info, BackendInfo) and info.name == "emulator" and "Offline demo" in info.notice
        relay = await rec.wait_for(lambda e: isinstance(e, RelayStatus))
        assert isinstance(relay, RelayStatus) and relay.url.startswith("http://127.0.0.1:")
        await rec.wait_for(lambda e: isinstance(e, SessionState) and e.phase is SessionPhase.LIVE)

        audio.source.speak(speech_like(1.0) + silence(1.0))  # the emulator's VAD ends the utterance
        await rec.wait_for(lambda e: isinstance(e, TurnComplete))
        latency = await rec.wait_for(lambda e: isinstance(e, TurnLatency), timeout=1)
        assert isinstance(latency, TurnLatency) and latency.ms >= 0
        assert sum(len(p) for p in audio.sink.played) > 0

        await controller.send_text("typed words")
        said = await rec.wait_for(
            lambda e: isinstance(e, Transcript) and e.role is Role.MODEL and "typed words" in e.text
        )
        assert said
    finally:
        await controller.stop()
    assert controller.running().conversation is None and controller.running().relay is None
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert tasks == []


async def test_muting_stops_the_microphone_and_flushes_the_turn(settings: Settings) -> None:
    audio, rec, saved = FakeAudio(), Events(), []
    controller = await start(settings, audio, rec, saved)
    try:
        await rec.wait_for(lambda e: isinstance(e, SessionState) and e.phase is SessionPhase.LIVE)
        audio.source.speak(speech_like(0.6))
        await rec.wait_for(lambda e: isinstance(e, VoiceActivity) and e.speaking)  # the model hears us
        await controller.set_mic_muted(True)  # sends audio_stream_end: the emulator answers what it heard
        state = await rec.wait_for(lambda e: isinstance(e, InputState) and e.mic_muted)
        assert isinstance(state, InputState)
        conv = controller.running().conversation
        assert conv is not None
        sent_before = conv.stats.blocks_sent
        audio.source.speak(speech_like(0.5))  # muted: never sent
        await audio.source.consumed()
        assert conv.stats.blocks_sent == sent_before
        await rec.wait_for(lambda e: isinstance(e, TurnComplete))  # the answer to what was heard
        await controller.set_mic_muted(False)
        audio.source.speak(silence(0.1))
        await audio.source.consumed()
        assert conv.stats.blocks_sent == sent_before + 5
    finally:
        await controller.stop()


async def test_settings_that_shape_the_session_reconnect(settings: Settings) -> None:
    audio, rec, saved = FakeAudio(), Events(), []
    controller = await start(settings, audio, rec, saved)
    try:
        await rec.wait_for(lambda e: isinstance(e, SessionState) and e.phase is SessionPhase.LIVE)
        first = controller.running().conversation
        assert (
            await controller.apply_settings(
                Settings(**{**settings.public_dict(), "voice": "Kore", "relay_allow_origins": ()})
            )
            is True
        )
        assert (
            controller.running().conversation is not None and controller.running().conversation is not first
        )
        assert saved and saved[-1].voice == "Kore"
        assert await controller.apply_settings(saved[-1]) is False  # nothing changed: no reconnect
    finally:
        await controller.stop()


async def test_a_refused_model_is_a_notice_not_a_crash(settings: Settings) -> None:
    audio, rec, saved = FakeAudio(), Events(), []
    bad = Settings(backend="emulator", emulator_pace=0.0, relay_port=0, model="gemini-0.0-gone")
    controller = await start(bad, audio, rec, saved)
    try:
        unknown = await rec.wait_for(lambda e: isinstance(e, ErrorEvent))  # said before connecting
        assert isinstance(unknown, ErrorEvent) and unknown.code == "model_setup"
        assert unknown.message.startswith("gemini-0.0-gone is not in this version's model list")
        notice = await rec.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code != "model_setup")
        assert isinstance(notice, ErrorEvent) and notice.code == "model_not_found"
        await controller.send_text("hello?")
        not_live = await rec.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "not_live")
        assert not_live
    finally:
        await controller.stop()


async def test_a_missing_web_page_is_a_relay_notice_and_the_conversation_still_runs(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "ASSETS_PACKAGE", "desktop_app._no_such_assets")  # a broken install
    audio, rec, saved = FakeAudio(), Events(), []
    controller = await start(settings, audio, rec, saved)
    try:
        notice = await rec.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "relay")
        assert isinstance(notice, ErrorEvent) and "assets" in notice.message
        await rec.wait_for(lambda e: isinstance(e, SessionState) and e.phase is SessionPhase.LIVE)
        await controller.send_text("still here")
        said = await rec.wait_for(
            lambda e: isinstance(e, Transcript) and e.role is Role.MODEL and "still here" in e.text
        )
        assert said and controller.running().relay is None
    finally:
        await controller.stop()


async def test_the_conversation_is_kept_in_history(settings: Settings) -> None:
    from desktop_app.history import HistoryStore, to_markdown
    from desktop_app.history.reader import load_session

    audio, rec, saved = FakeAudio(), Events(), []
    controller = await start(settings, audio, rec, saved)
    try:
        await rec.wait_for(lambda e: isinstance(e, SessionState) and e.phase is SessionPhase.LIVE)
        await controller.send_text("remember this line")
        await rec.wait_for(lambda e: isinstance(e, TurnComplete))
    finally:
        await controller.stop()
    sessions = HistoryStore().list_sessions()
    assert len(sessions) == 1 and sessions[0].turns == 1
    markdown = to_markdown(load_session(sessions[0].path))
    assert "remember this line" in markdown


# --- recording both sides ---------------------------------------------------------------------------


def _voiced_s(channel: npt.NDArray[np.float64], rate: int = 24_000) -> float:
    """Seconds of 20 ms windows louder than -40 dBFS."""
    size = rate // 50
    windows = channel[: len(channel) // size * size].reshape(-1, size)
    loud = np.sqrt(np.mean(windows**2, axis=1)) > 10 ** (-40 / 20)
    return float(np.count_nonzero(loud)) / 50


def _energy(channel: npt.NDArray[np.float64], rate: int) -> float:
    """Mean square times duration: the same for one signal at any sample rate."""
    return float(np.sum(channel**2)) / rate


async def test_record_audio_writes_the_user_left_and_the_model_right(settings: Settings) -> None:
    from desktop_app.history import HistoryStore, load_session

    audio, rec, saved = FakeAudio(), Events(), []
    controller = await start(dataclasses.replace(settings, record_audio=True), audio, rec, saved)
    spoken = speech_like(1.0)
    try:
        await rec.wait_for(lambda e: isinstance(e, SessionState) and e.phase is SessionPhase.LIVE)
        path = controller.running().recording_path
        assert path is not None and path.suffix == ".wav"
        audio.source.speak(spoken + silence(1.0))  # the emulator's VAD ends the utterance and echoes it
        await rec.wait_for(lambda e: isinstance(e, TurnComplete))
        played = b"".join(audio.sink.played)
    finally:
        await controller.stop()
    assert controller.running().recording_path is None
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert tasks == []

    [session] = HistoryStore().list_sessions()
    assert path == session.path.with_suffix(".wav"), "the WAV sits beside the history file, same id"
    assert path.stat().st_mode & 0o777 == 0o600, "the recording holds the user's voice: private"
    assert {"type": "recording", "path": path.name}.items() <= next(
        r for r in map(json.loads, session.path.read_text().splitlines()) if r["type"] == "recording"
    ).items()
    assert load_session(session.path).turns[0].complete

    user, model, _ = read_stereo(path, 24_000)
    sent = np.frombuffer(spoken, dtype="<i2").astype(np.float64) / 32768
    assert _voiced_s(user) == pytest.approx(1.0, abs=0.06), "the user channel holds the speech sent"
    assert _energy(user, 24_000) == pytest.approx(_energy(sent, 16_000), rel=0.05)
    echo = np.frombuffer(played, dtype="<i2").astype(np.float64) / 32768
    assert _voiced_s(echo) == pytest.approx(1.0, abs=0.1), "the emulator echoes the utterance"
    assert _voiced_s(model) == pytest.approx(_voiced_s(echo), abs=0.04), "the model channel holds the reply"
    assert _energy(model, 24_000) == pytest.approx(_energy(echo, 24_000), rel=0.05)


async def test_without_record_audio_no_wav_is_written_and_turning_it_on_starts_one(
    settings: Settings,
) -> None:
    from desktop_app.history import history_dir

    audio, rec, saved = FakeAudio(), Events(), []
    controller = await start(settings, audio, rec, saved)
    try:
        await rec.wait_for(lambda e: isinstance(e, SessionState) and e.phase is SessionPhase.LIVE)
        audio.source.speak(speech_like(0.5) + silence(1.0))
        await rec.wait_for(lambda e: isinstance(e, TurnComplete))
        assert controller.running().recording_path is None
        assert list(history_dir().glob("*.wav")) == []

        await controller.apply_settings(dataclasses.replace(settings, record_audio=True))
        path = controller.running().recording_path
        assert path is not None and path.exists()
        assert saved[-1].record_audio, "the choice is saved with the settings"
        await controller.apply_settings(settings)  # off again: the file is finished and closed
        assert controller.running().recording_path is None
    finally:
        await controller.stop()
    assert list(history_dir().glob("*.wav")) == [path]
    read_stereo(path, 24_000)  # a valid, readable two-channel WAV
