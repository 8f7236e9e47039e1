"""The one LiveSession fake: scripted events, recorded sends, refusals, the echo mode."""

from __future__ import annotations

import pytest

from desktop_app.core.commands import AudioStreamEnd, UserAudio, UserText
from desktop_app.core.errors import AuthError, ServerError
from desktop_app.core.events import ModelAudio, TurnComplete
from desktop_app.live.fake_session import FakeConnector
from desktop_app.live.options import SessionOptions


async def test_sends_are_recorded_and_events_are_replayed_in_order() -> None:
    connector = FakeConnector()
    async with connector.connect(SessionOptions(voice="Puck")) as session:
        await session.send(UserText("hi"))
        await session.send(AudioStreamEnd())
        session.emit(ModelAudio(b"\0\0"), TurnComplete())
        session.end()
        events = [event async for event in session.events()]
    assert session.sent == [UserText("hi"), AudioStreamEnd()]
    assert session.kinds() == ["UserText", "AudioStreamEnd"]
    assert events == [ModelAudio(b"\0\0"), TurnComplete()]
    assert session.closed and connector.attempts[0].voice == "Puck"


async def test_a_scripted_failure_ends_the_stream_and_sends_can_fail() -> None:
    async with FakeConnector().connect(SessionOptions()) as session:
        session.fail(ServerError("internal", code=1011))
        with pytest.raises(ServerError):
            async for _ in session.events():
                pass
        session.fail_sends_with = ServerError("internal", code=1011)
        with pytest.raises(ServerError):
            await session.send(UserText("lost"))
    assert session.sent == []


async def test_refusals_are_raised_in_order_then_connects_succeed() -> None:
    connector = FakeConnector(refusals=[AuthError("bad key")])
    with pytest.raises(AuthError):
        async with connector.connect(SessionOptions()):
            pass
    async with connector.connect(SessionOptions()):
        pass
    assert len(connector.attempts) == 2 and len(await connector.wait_sessions(1)) == 1


async def test_the_echo_mode_answers_audio_with_the_same_bytes() -> None:
    async with FakeConnector(echo_audio=True).connect(SessionOptions()) as session:
        await session.send(UserAudio(b"\x01\x02"))
        await session.send(UserText("not echoed"))
        await session.send(UserAudio(b"\x03\x04"))
        session.end()
        assert [event async for event in session.events()] == [
            ModelAudio(b"\x01\x02"),
            ModelAudio(b"\x03\x04"),
        ]
