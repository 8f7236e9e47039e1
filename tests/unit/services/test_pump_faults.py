"""Fault injection: an unexpected exception in any pump is logged with its traceback, becomes an ErrorEvent,
and that part restarts or says plainly that it stopped (never a window that still says "Live")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.commands import Command, UserAudio
from desktop_app.core.events import (
    ErrorEvent,
    InputState,
    MicAudio,
    ModelAudio,
    RelayStatus,
    SessionPhase,
    SessionState,
    TurnComplete,
)
from desktop_app.history import TwoChannelRecorder
from desktop_app.live.fake_session import FakeConnector, FakeSession
from desktop_app.services import relay as relay_module
from desktop_app.services import vision as vision_module
from desktop_app.services.app_controller import AppController
from tests.unit.services.fakes import (
    Events,
    FakeAudio,
    FakeCamera,
    FakeRelay,
    MemorySink,
    QueueSource,
    fake_backend,
)

# Each test injects a fault on purpose: the failure is logged with its traceback, which is the point.
pytestmark = [
    pytest.mark.allow_warnings("desktop_app.runtime.tasks", " failed ("),
    pytest.mark.allow_warnings("desktop_app.engine", "receive loop failed"),
]


@dataclass
class FlakySession(FakeSession):
    """Its first audio send raises a bug (not a LiveError); ``audio_sent`` is set by the next."""

    tripped: bool = False
    audio_sent: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, command: Command) -> None:
        if not isinstance(command, UserAudio):
            await super().send(command)
            return
        if not self.tripped:
            self.tripped = True
            raise RuntimeError("bug in the send path")
        await super().send(command)
        self.audio_sent.set()


@dataclass
class FlakyConnector(FakeConnector):
    @asynccontextmanager
    async def connect(self, options: Any) -> AsyncIterator[FakeSession]:
        session = FlakySession()
        self.sessions.append(session)
        try:
            yield session
        finally:
            await session.close()


def _app(
    settings: Settings, mode: Mode, events: Events, connector: FakeConnector, audio: FakeAudio
) -> AppController:
    return build_app(
        settings,
        mode,
        events,
        audio_opener=lambda _options, _loop, _publish: audio,  # type: ignore[arg-type,return-value]
        backend_opener=fake_backend(lambda: connector),
        save=lambda _s: None,
    )


SETTINGS = Settings(history=False)


async def test_a_bug_in_the_microphone_pump_is_reported_and_the_pump_restarts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events, connector, audio = Events(), FlakyConnector(), FakeAudio()
    app = _app(SETTINGS, Mode.HEADLESS_LIVE, events, connector, audio)
    await app.start()
    try:
        for block in (b"\x01\x00" * 320, b"\x02\x00" * 320):
            audio.source.queue.put_nowait(block)
        error = await events.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "internal")
        assert isinstance(error, ErrorEvent)
        assert "microphone" in error.message and "restarted" in error.message
        session = connector.sessions[0]
        assert isinstance(session, FlakySession)
        await asyncio.wait_for(session.audio_sent.wait(), 10)  # the restarted pump goes on
        assert session.sent == [UserAudio(b"\x02\x00" * 320)]
    finally:
        await app.stop()
    assert "bug in the send path" in caplog.text and "Traceback" in caplog.text


class BrokenSource(QueueSource):
    """A microphone whose own block generator fails after one block."""

    async def blocks(self) -> AsyncIterator[MicAudio]:
        yield MicAudio(b"\x01\x00" * 320)
        raise RuntimeError("capture bug")


async def test_a_microphone_that_fails_itself_is_reported_then_said_to_have_stopped() -> None:
    events, connector = Events(), FakeConnector()
    app = _app(SETTINGS, Mode.HEADLESS_LIVE, events, connector, FakeAudio(source=BrokenSource()))
    await app.start()
    try:
        stopped = await events.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "audio")
        assert isinstance(stopped, ErrorEvent) and "stopped delivering audio" in stopped.message
        [bug] = [e for e in events.errors() if e.code == "internal"]
        assert "capture bug" in bug.message
        assert connector.sessions[0].sent == [UserAudio(b"\x01\x00" * 320)]
    finally:
        await app.stop()
    assert [e.code for e in events.errors()] == ["internal", "audio"], "stopping adds no notice"


async def test_a_bug_in_the_receive_loop_closes_the_session_plainly() -> None:
    events, connector, audio = Events(), FakeConnector(), FakeAudio(sink=MemorySink(broken=True))
    app = _app(SETTINGS, Mode.HEADLESS_LIVE, events, connector, audio)
    await app.start()
    try:
        connector.sessions[0].emit(ModelAudio(b"ab"), TurnComplete())
        closed = await events.wait_for(
            lambda e: isinstance(e, SessionState) and e.phase is SessionPhase.CLOSED
        )
        assert isinstance(closed, SessionState) and "internal error" in closed.detail
        assert any(e.code == "internal" and "speaker bug" in e.message for e in events.errors())
        await app.send_text("anyone?")
        assert events.errors()[-1].code == "not_live"
    finally:
        await app.stop()


async def test_a_bug_in_the_vision_pump_stops_vision_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vision_module, "open_video_source", lambda _spec: FakeCamera(broken=True))
    events, connector, audio = Events(), FakeConnector(), FakeAudio()
    app = _app(SETTINGS, Mode.HEADLESS_LIVE, events, connector, audio)
    await app.start()
    try:
        await app.set_camera("0")
        error = await events.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "internal")
        assert isinstance(error, ErrorEvent) and "Vision" in error.message and "stopped" in error.message
        off = await events.wait_for(lambda e: isinstance(e, InputState) and e is events.seen[-1])
        assert isinstance(off, InputState) and off.camera is None, "the window must not show a dead camera"
        assert app.services.vision is not None and app.services.vision.pump is None
    finally:
        await app.stop()


async def test_a_bug_in_the_relay_status_watcher_is_reported_and_it_restarts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    relay = FakeRelay(broken_status=True)
    monkeypatch.setattr(relay_module, "build_relay", lambda _connector, _settings: relay)
    events = Events()
    app = _app(SETTINGS, Mode.RELAY_ONLY, events, FakeConnector(), FakeAudio())
    await app.start()
    try:
        status = await events.wait_for(lambda e: isinstance(e, RelayStatus))
        assert isinstance(status, RelayStatus) and status.url == relay.url and relay.status_calls == 2
        [error] = events.errors()
        assert "relay status" in error.message and "restarted" in error.message
    finally:
        await app.stop()
    assert relay.stopped


async def test_a_bug_in_the_recorder_tick_is_reported_and_the_tick_restarts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticks = 0
    ticked_again = asyncio.Event()
    original = TwoChannelRecorder.tick

    def flaky_tick(self: TwoChannelRecorder) -> None:
        nonlocal ticks
        ticks += 1
        if ticks == 1:
            raise RuntimeError("tick bug")
        ticked_again.set()
        original(self)

    monkeypatch.setattr(TwoChannelRecorder, "tick", flaky_tick)
    events = Events()
    app = _app(replace(SETTINGS, record_audio=True), Mode.HEADLESS_LIVE, events, FakeConnector(), FakeAudio())
    await app.start()
    try:
        assert app.running().recording_path is not None
        error = await events.wait_for(lambda e: isinstance(e, ErrorEvent) and e.code == "internal")
        assert isinstance(error, ErrorEvent) and "recording" in error.message and "restarted" in error.message
        await asyncio.wait_for(ticked_again.wait(), 10)  # the restarted tick runs again
        assert app.running().recording_path is not None, "the recording goes on"
    finally:
        await app.stop()
