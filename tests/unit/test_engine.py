import asyncio
from collections.abc import AsyncIterator

import pytest

from desktop_app.core.errors import AuthError, LiveError, ServerError
from desktop_app.core.events import (
    ErrorEvent,
    Event,
    Interaction,
    InteractionUpdate,
    Interrupted,
    MicAudio,
    ModelAudio,
    SessionPhase,
    SessionState,
    TurnComplete,
)
from desktop_app.engine import Conversation
from desktop_app.live.fake_session import FakeConnector
from desktop_app.live.options import SessionOptions


class RecordingSink:
    def __init__(self) -> None:
        self.played: list[bytes] = []
        self.interrupts = 0

    def play(self, chunk: ModelAudio) -> None:
        self.played.append(chunk.pcm)

    def interrupt(self) -> None:
        self.interrupts += 1

    async def drain(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class ListSource:
    def __init__(self, blocks: list[bytes]) -> None:
        self._blocks = blocks

    async def blocks(self) -> AsyncIterator[MicAudio]:
        for i, pcm in enumerate(self._blocks):
            yield MicAudio(pcm, captured_at=float(i + 1))

    async def aclose(self) -> None:
        return None


async def test_audio_is_sent_and_replies_reach_the_sink() -> None:
    connector, sink, seen = FakeConnector(), RecordingSink(), []
    async with Conversation(connector, SessionOptions(), sink=sink, on_event=seen.append) as conv:
        await conv.stream_audio(ListSource([b"\x00\x01" * 320, b"\x00\x02" * 320]))
        await conv.end_audio_stream()
        session = connector.sessions[0]
        assert session.kinds() == ["UserAudio", "UserAudio", "AudioStreamEnd"]
        session.emit(ModelAudio(b"ab"), ModelAudio(b"cd"), TurnComplete())
        await conv.wait_for_reply(since_turns=0, timeout=5)
    assert sink.played == [b"ab", b"cd"]
    assert conv.stats.blocks_sent == 2 and conv.stats.turns == 1
    phases = [e.phase for e in seen if isinstance(e, SessionState)]
    assert phases == [SessionPhase.CONNECTING, SessionPhase.LIVE, SessionPhase.CLOSED]


async def test_audio_of_an_interrupted_turn_is_dropped_until_the_turn_ends() -> None:
    connector, sink = FakeConnector(), RecordingSink()
    async with Conversation(connector, SessionOptions(), sink=sink) as conv:
        session = connector.sessions[0]
        session.emit(ModelAudio(b"old1"), Interrupted(), ModelAudio(b"stale"), TurnComplete())
        session.emit(ModelAudio(b"new"), TurnComplete())
        await conv.wait_for_reply(since_turns=1, timeout=5)
    assert sink.played == [b"old1", b"new"]
    assert sink.interrupts == 1
    assert conv.stats.stale_chunks_dropped == 1 and conv.stats.interruptions == 1


async def test_a_server_close_surfaces_as_a_classified_error() -> None:
    connector, seen = FakeConnector(), []
    async with Conversation(connector, SessionOptions(), sink=RecordingSink(), on_event=seen.append) as conv:
        connector.sessions[0].fail(ServerError("The Live API had a server-side problem", code=1011))
        with pytest.raises(ServerError):
            await conv.wait_for_reply(since_turns=0, timeout=5)
        with pytest.raises(ServerError):
            await conv.send_text("still there?")
    errors = [e for e in seen if isinstance(e, ErrorEvent)]
    assert errors and errors[0].retryable and errors[0].code == "server_error"


async def test_a_refused_connect_raises_and_reports_closed() -> None:
    seen: list[Event] = []
    connector = FakeConnector(refusals=[AuthError("The API key was refused.", code=1007)])
    with pytest.raises(AuthError):
        async with Conversation(connector, SessionOptions(), sink=RecordingSink(), on_event=seen.append):
            pass
    assert isinstance(seen[-1], SessionState) and seen[-1].phase is SessionPhase.CLOSED


async def test_wait_for_reply_times_out() -> None:
    async with Conversation(FakeConnector(), SessionOptions(), sink=RecordingSink()) as conv:
        with pytest.raises(asyncio.TimeoutError):
            await conv.wait_for_reply(since_turns=0, timeout=0.05)


class BrokenSink(RecordingSink):
    def play(self, chunk: ModelAudio) -> None:
        raise RuntimeError("speaker bug")


@pytest.mark.allow_warnings("desktop_app.engine", "receive loop failed")
async def test_a_bug_in_the_receive_loop_closes_the_session_plainly(caplog: pytest.LogCaptureFixture) -> None:
    connector, seen = FakeConnector(), []
    async with Conversation(connector, SessionOptions(), sink=BrokenSink(), on_event=seen.append) as conv:
        connector.sessions[0].emit(ModelAudio(b"ab"), TurnComplete())
        with pytest.raises(LiveError, match="internal error"):
            await conv.wait_for_reply(since_turns=0, timeout=5)
        assert conv.failure is not None
        with pytest.raises(LiveError):
            await conv.send_text("still there?")
    [error] = [e for e in seen if isinstance(e, ErrorEvent)]
    assert error.code == "internal" and "speaker bug" in error.message and not error.retryable
    closed = [e for e in seen if isinstance(e, SessionState) and e.phase is SessionPhase.CLOSED]
    assert closed[0].detail.startswith("The live session stopped")  # the reason, not an empty CLOSED
    assert "Traceback" in caplog.text and "speaker bug" in caplog.text


async def test_wait_for_reply_waits_for_idle_on_a_background_model() -> None:
    # the extended-thinking model keeps working after turn_complete (interaction_status IN_PROGRESS)
    connector, sink = FakeConnector(), RecordingSink()
    options = SessionOptions(model="gemini-3.8-live-extended-thinking")
    async with Conversation(connector, options, sink=sink) as conv:
        waiting = asyncio.create_task(conv.wait_for_reply(since_turns=0, timeout=5))
        connector.sessions[0].emit(
            ModelAudio(b"ab"), TurnComplete(), InteractionUpdate(status=Interaction.IN_PROGRESS)
        )
        for _ in range(20):  # let the receive loop hand every event over
            await asyncio.sleep(0)
        assert conv.stats.turns == 1
        assert not waiting.done()  # the turn ended, the work did not
        connector.sessions[0].emit(InteractionUpdate(waiting_for_input=True))  # no status: still working
        for _ in range(20):
            await asyncio.sleep(0)
        assert not waiting.done()
        connector.sessions[0].emit(InteractionUpdate(status=Interaction.IDLE))
        await waiting


async def test_wait_for_reply_does_not_wait_for_idle_on_other_models() -> None:
    connector, sink = FakeConnector(), RecordingSink()
    async with Conversation(connector, SessionOptions(model="gemini-3.8-live"), sink=sink) as conv:
        connector.sessions[0].emit(ModelAudio(b"ab"), TurnComplete())
        await conv.wait_for_reply(since_turns=0, timeout=5)
