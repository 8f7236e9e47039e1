"""The resilient session's async shell over a scripted in-memory connector (no sockets; see the
integration tests for the real SDK against the emulator)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from desktop_app.core.audio_format import MIC_FORMAT
from desktop_app.core.commands import AudioStreamEnd, Command, UserAudio, UserImage, UserText
from desktop_app.core.errors import (
    ConnectionLostError,
    InvalidRequestError,
    LiveError,
    ServerError,
    SessionNotFoundError,
)
from desktop_app.core.events import (
    GoAway,
    Interrupted,
    LiveEvent,
    ModelAudio,
    ResumptionUpdate,
    Role,
    SessionPhase,
    SessionState,
    SetupComplete,
    Transcript,
    TurnComplete,
)
from desktop_app.live.fake_session import FakeSession
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectGaveUpError, ReconnectPolicy
from desktop_app.live.resilient_link import INCOMING_EVENTS
from desktop_app.live.resilient_session import ResilientConnector, ResilientEvent, ResilientSession

FAST = ReconnectPolicy(backoff_base_s=0.0, backoff_max_s=0.0, max_failures=3)


@dataclass
class LoggedSession(FakeSession):
    log: list[tuple[str, int]] = field(default_factory=list)
    number: int = 0
    pulled: asyncio.Event = field(default_factory=asyncio.Event)  # set when the reader waits for an event

    async def events(self) -> AsyncIterator[LiveEvent]:
        stream = super().events()
        while True:
            self.pulled.set()
            try:
                event = await anext(stream)
            except StopAsyncIteration:
                return
            self.pulled.clear()
            yield event

    async def close(self) -> None:
        if not self.closed:
            self.log.append(("close", self.number))
        await super().close()


@dataclass
class ScriptedConnector:
    """Each connect pops the next entry of ``refusals`` (None = accept); ``gate`` holds connects back."""

    backend_name: str = "scripted"
    refusals: list[LiveError | None] = field(default_factory=list)
    refuse_all: LiveError | None = None
    sessions: list[LoggedSession] = field(default_factory=list)
    options: list[SessionOptions] = field(default_factory=list)
    log: list[tuple[str, int]] = field(default_factory=list)
    gate: asyncio.Event | None = None

    @asynccontextmanager
    async def connect(self, options: SessionOptions) -> AsyncIterator[LoggedSession]:
        self.options.append(options)
        attempt = len(self.options)
        if self.gate is not None:
            await self.gate.wait()
        self.log.append(("open", attempt))
        refusal = self.refusals.pop(0) if self.refusals else self.refuse_all
        if refusal is not None:
            raise refusal
        session = LoggedSession(log=self.log, number=attempt)
        session.emit(SetupComplete(session_id=f"s{attempt}"))
        self.sessions.append(session)
        try:
            yield session
        finally:
            await session.close()


async def next_matching(
    events: AsyncIterator[ResilientEvent],
    test: Callable[[ResilientEvent], bool],
    seen: list[ResilientEvent],
) -> ResilientEvent:
    async def scan() -> ResilientEvent:
        async for event in events:
            seen.append(event)
            if test(event):
                return event
        raise AssertionError(f"the stream ended first: {seen}")

    return await asyncio.wait_for(scan(), 5.0)


def is_state(phase: SessionPhase) -> Callable[[ResilientEvent], bool]:
    return lambda event: isinstance(event, SessionState) and event.phase is phase


def loud_block(tag: int) -> bytes:
    pcm = bytearray(b"\x00\x40" * MIC_FORMAT.frames_for_ms(20))  # loud enough to count as speech
    pcm[0:2] = tag.to_bytes(2, "little")
    return bytes(pcm)


def audio_tags(session: FakeSession) -> list[int]:
    return [int.from_bytes(sent.pcm[0:2], "little") for sent in session.sent if isinstance(sent, UserAudio)]


Opened = tuple[ResilientSession, AsyncIterator[ResilientEvent], list[ResilientEvent]]
Opener = Callable[..., Awaitable[Opened]]


@pytest.fixture
async def open_session() -> AsyncIterator[Opener]:
    """Opens a resilient session over a connector; every one opened is left (closed) at teardown."""
    async with contextlib.AsyncExitStack() as stack:

        async def opener(
            connector: ScriptedConnector, policy: ReconnectPolicy = FAST, **options: object
        ) -> Opened:
            resilient = ResilientConnector(connector, policy)
            session = await stack.enter_async_context(
                resilient.connect(SessionOptions(**options))  # type: ignore[arg-type]
            )
            return session, session.events(), []

        yield opener


async def test_go_away_closes_the_old_socket_then_resumes_with_the_newest_handle(
    open_session: Opener,
) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector)
    first = connector.sessions[0]
    first.emit(ResumptionUpdate("h0", True), Transcript(Role.MODEL, "hello"), TurnComplete())
    first.emit(ResumptionUpdate("h1", True), GoAway(time_left_s=20.0))
    reconnecting = await next_matching(events, is_state(SessionPhase.RECONNECTING), seen)
    live = await next_matching(events, is_state(SessionPhase.LIVE), seen)
    assert isinstance(reconnecting, SessionState) and "goAway" in reconnecting.detail
    assert isinstance(live, SessionState) and "resumed" in live.detail
    assert connector.log == [("open", 1), ("close", 1), ("open", 2)]
    assert connector.options[1].resume_handle == "h1"
    assert not any(isinstance(e, GoAway | Interrupted) for e in seen)
    assert sum(isinstance(e, SetupComplete) for e in seen) == 1
    assert session.stats.go_away_reconnects == 1 and len(session.stats.go_away_gaps_ms) == 1
    connector.sessions[1].emit(Transcript(Role.MODEL, "still here"))
    assert await next_matching(events, lambda e: isinstance(e, Transcript), seen) == Transcript(
        Role.MODEL, "still here"
    )
    await session.close()


async def test_a_drop_mid_utterance_replays_it_whole_after_the_resume(open_session: Opener) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector)
    connector.sessions[0].emit(ResumptionUpdate("h1", True))
    await next_matching(events, lambda e: isinstance(e, ResumptionUpdate), seen)
    for tag in range(10):
        await session.send(UserAudio(loud_block(tag)))
    connector.gate = asyncio.Event()  # hold the reconnect so the app can talk into the gap
    connector.sessions[0].fail(ConnectionLostError("lost", code=1006))
    await next_matching(events, is_state(SessionPhase.RECONNECTING), seen)
    for tag in range(10, 15):
        await session.send(UserAudio(loud_block(tag)))
    await session.send(AudioStreamEnd())
    connector.gate.set()
    await next_matching(events, is_state(SessionPhase.LIVE), seen)
    second = connector.sessions[1]
    assert audio_tags(connector.sessions[0]) == list(range(10))
    assert audio_tags(second) == list(range(15))
    assert second.sent[-1] == AudioStreamEnd()
    assert connector.options[1].resume_handle == "h1"
    assert not any(isinstance(e, Interrupted) for e in seen)
    assert session.stats.buffer.audio_buffered_s == pytest.approx(0.1)
    assert session.stats.buffer.audio_replayed_s == pytest.approx(0.3)
    assert session.stats.failure_reconnects == 1
    await session.close()


async def test_an_answered_utterance_is_not_replayed(open_session: Opener) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector)
    for tag in range(5):
        await session.send(UserAudio(loud_block(tag)))
    await session.send(AudioStreamEnd())
    connector.sessions[0].emit(ModelAudio(b"\0\0"), TurnComplete(), ResumptionUpdate("h1", True))
    await next_matching(events, lambda e: isinstance(e, ResumptionUpdate), seen)
    connector.sessions[0].fail(ServerError("internal", code=1011))
    await next_matching(events, is_state(SessionPhase.LIVE), seen)
    assert connector.sessions[1].sent == []
    await session.close()


async def test_text_and_frames_sent_during_the_gap_arrive_afterwards(open_session: Opener) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector)
    connector.sessions[0].emit(ResumptionUpdate("h1", True))
    await next_matching(events, lambda e: isinstance(e, ResumptionUpdate), seen)
    connector.gate = asyncio.Event()
    connector.sessions[0].fail(ConnectionLostError("lost"))
    await next_matching(events, is_state(SessionPhase.RECONNECTING), seen)
    for n in range(3):
        await session.send(UserImage(bytes([n]), "image/jpeg"))
    await session.send(UserText("are you there?"))
    connector.gate.set()
    await next_matching(events, is_state(SessionPhase.LIVE), seen)
    assert connector.sessions[1].sent == [UserImage(bytes([2])), UserText("are you there?")]
    assert session.stats.buffer.video_frames_dropped == 2
    await session.close()


async def test_a_fatal_close_is_reported_and_never_retried(open_session: Opener) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector)
    connector.sessions[0].emit(ResumptionUpdate("h1", True))
    connector.sessions[0].fail(InvalidRequestError("Request contains an invalid argument.", code=1007))
    with pytest.raises(InvalidRequestError):
        await next_matching(events, lambda e: False, seen)
    closed = [e for e in seen if isinstance(e, SessionState)]
    assert closed == [SessionState(SessionPhase.CLOSED, "Request contains an invalid argument.")]
    assert len(connector.options) == 1
    with pytest.raises(InvalidRequestError):
        await session.send(UserAudio(loud_block(0)))
    assert session.stats.gave_up
    await session.close()


async def test_repeated_failures_reach_the_cap_and_say_so(open_session: Opener) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector)
    connector.sessions[0].emit(ResumptionUpdate("h1", True))
    connector.refuse_all = ServerError("The service is currently unavailable.", code=1011)
    connector.sessions[0].fail(ServerError("Internal error encountered.", code=1011))
    with pytest.raises(ReconnectGaveUpError) as caught:
        await next_matching(events, lambda e: False, seen)
    assert caught.value.attempts == FAST.max_failures and not caught.value.retryable
    assert "currently unavailable" in str(caught.value)
    assert len(connector.options) == 1 + FAST.max_failures
    states = [e.phase for e in seen if isinstance(e, SessionState)]
    assert states == [SessionPhase.RECONNECTING] * FAST.max_failures + [SessionPhase.CLOSED]
    assert session.stats.failed_attempts == FAST.max_failures
    await session.close()


async def test_a_refused_handle_falls_back_to_a_fresh_session_with_context(
    open_session: Opener,
) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector, system_instruction="Be brief.")
    connector.sessions[0].emit(
        ResumptionUpdate("h1", True),
        Transcript(Role.USER, "my name is Ada"),
        Transcript(Role.MODEL, "Hello Ada."),
        TurnComplete(),
    )
    await next_matching(events, lambda e: isinstance(e, TurnComplete), seen)
    connector.refusals = [SessionNotFoundError("BidiGenerateContent session not found", code=1008)]
    connector.sessions[0].fail(ConnectionLostError("lost"))
    live = await next_matching(events, is_state(SessionPhase.LIVE), seen)
    assert isinstance(live, SessionState) and "fresh session with 2 recent transcript entries" in live.detail
    assert [o.resume_handle for o in connector.options] == [None, "h1", None]
    instruction = connector.options[2].system_instruction or ""
    assert instruction.startswith("Be brief.")
    assert "User: my name is Ada" in instruction and "Model: Hello Ada." in instruction
    assert session.stats.fresh_sessions == 1
    await session.close()


async def test_a_stream_that_just_ends_counts_as_a_lost_connection(open_session: Opener) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector)
    connector.sessions[0].emit(ResumptionUpdate("h1", True))
    await next_matching(events, lambda e: isinstance(e, ResumptionUpdate), seen)
    await connector.sessions[0].close()  # the inner stream ends without an error
    await next_matching(events, is_state(SessionPhase.LIVE), seen)
    assert connector.options[1].resume_handle == "h1"
    await session.close()


async def test_closing_during_the_backoff_ends_the_stream_promptly(open_session: Opener) -> None:
    connector = ScriptedConnector()
    slow = ReconnectPolicy(backoff_base_s=30.0, backoff_max_s=30.0, jitter=0.0)
    session, events, seen = await open_session(connector, slow)
    connector.refusals = [ConnectionLostError("still down")]
    connector.sessions[0].fail(ConnectionLostError("lost"))
    await next_matching(events, is_state(SessionPhase.RECONNECTING), seen)
    waiting = await next_matching(events, is_state(SessionPhase.RECONNECTING), seen)
    assert isinstance(waiting, SessionState) and "in 30.0 s" in waiting.detail
    consumer = asyncio.ensure_future(next_matching(events, lambda e: False, seen))
    await session.close()
    with pytest.raises(AssertionError, match="the stream ended first"):
        await asyncio.wait_for(consumer, 2.0)
    assert len(connector.options) == 2


async def test_the_first_connection_raises_unless_retrying_was_asked_for() -> None:
    refused = ScriptedConnector(refusals=[ConnectionLostError("down")])
    with pytest.raises(ConnectionLostError):
        async with ResilientConnector(refused, FAST).connect(SessionOptions()):
            pass
    retrying = ScriptedConnector(refusals=[ConnectionLostError("down")])
    policy = ReconnectPolicy(retry_first_connect=True, backoff_base_s=0.0)
    async with ResilientConnector(retrying, policy).connect(SessionOptions()) as session:
        assert session.phase is SessionPhase.LIVE
    assert len(retrying.options) == 2


async def test_sends_after_close_raise() -> None:
    connector = ScriptedConnector()
    async with ResilientConnector(connector, FAST).connect(SessionOptions()) as session:
        pass
    with pytest.raises(ConnectionLostError, match="closed"):
        await session.send(UserText("late"))
    assert connector.sessions[0].closed


async def test_closing_while_a_go_away_waits_for_quiet_ends_the_stream_quietly(open_session: Opener) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector)
    connector.sessions[0].emit(
        ResumptionUpdate("h1", True),
        ModelAudio(b"\0\0"),
        GoAway(time_left_s=60.0),
        Transcript(Role.MODEL, "x"),
    )
    await next_matching(events, lambda e: isinstance(e, Transcript), seen)  # the goAway is being waited on
    assert session.core.go_away_pending
    consumer = asyncio.ensure_future(next_matching(events, lambda e: False, seen))
    await asyncio.wait_for(connector.sessions[0].pulled.wait(), 2.0)  # the reader is waiting on the socket
    await session.close()
    with pytest.raises(AssertionError, match="the stream ended first"):
        await asyncio.wait_for(consumer, 2.0)
    assert len(connector.options) == 1 and session.stats.go_aways == 1


async def test_a_stalled_send_counts_as_a_silent_drop_and_reconnects(open_session: Opener) -> None:
    connector = ScriptedConnector()
    policy = ReconnectPolicy(backoff_base_s=0.0, send_timeout_s=0.2)
    session, events, seen = await open_session(connector, policy)
    first = connector.sessions[0]
    first.emit(ResumptionUpdate("h1", True))
    await next_matching(events, lambda e: isinstance(e, ResumptionUpdate), seen)
    await session.send(UserAudio(loud_block(0)))
    never = asyncio.Event()

    async def stuck(command: Command) -> None:
        await never.wait()  # the network went away without a word: the socket stops draining

    first.send = stuck  # type: ignore[method-assign]
    consumer = asyncio.ensure_future(next_matching(events, is_state(SessionPhase.LIVE), seen))
    await session.send(UserAudio(loud_block(1)))  # returns after send_timeout_s, kept for the replay
    await session.send(UserAudio(loud_block(2)))  # the gap: buffered
    await asyncio.wait_for(consumer, 5.0)
    [reconnecting] = [e for e in seen if isinstance(e, SessionState) and e.phase is SessionPhase.RECONNECTING]
    assert "stalled" in reconnecting.detail
    assert audio_tags(connector.sessions[1]) == [0, 1, 2]
    assert session.stats.stalled_sends == 1 and connector.options[1].resume_handle == "h1"


async def test_one_reader_task_per_connection_and_a_burst_arrives_whole_in_order(
    open_session: Opener,
) -> None:
    connector = ScriptedConnector()
    session, events, seen = await open_session(connector)
    burst = [ModelAudio(n.to_bytes(2, "little")) for n in range(3 * INCOMING_EVENTS)]
    connector.sessions[0].emit(*burst)  # more than the queue holds: the reader waits, nothing is dropped
    await next_matching(events, lambda e: e == burst[-1], seen)
    readers = [t for t in asyncio.all_tasks() if t.get_name() == "resilient-session-reader"]
    assert len(readers) == 1
    assert [e for e in seen if isinstance(e, ModelAudio)] == burst
    await session.close()
    assert readers[0].done()
