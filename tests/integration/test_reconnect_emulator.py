"""Seamless reconnects through the real stack: ResilientConnector → GenaiConnector → google-genai SDK → the
emulator over TLS on loopback, with the emulator's fault injection (goAway, drops, refusals, close codes)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable

import pytest

from desktop_app.core.audio_format import MODEL_FORMAT
from desktop_app.core.commands import AudioStreamEnd, UserAudio, UserText
from desktop_app.core.errors import InvalidRequestError
from desktop_app.core.events import (
    Event,
    Interrupted,
    ModelAudio,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
)
from desktop_app.emulator import Emulator, EmulatorConfig, Faults
from desktop_app.engine import Conversation
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectGaveUpError, ReconnectPolicy
from desktop_app.live.resilient_session import ResilientConnector, ResilientEvent, ResilientSession
from tests.support.audio import blocks, speech_like

pytestmark = pytest.mark.integration

WAIT = 20.0


def resilient(emu: Emulator, policy: ReconnectPolicy | None = None) -> ResilientConnector:
    inner = GenaiConnector(Backend("emulator", "test-key", emu.base_url, emu.client_ssl_context()))
    return ResilientConnector(inner, policy)


class Recorder:
    """Consumes ``events()`` in a task, keeps everything, and lets the test await conditions."""

    def __init__(self, session: ResilientSession, on_event: Callable[[ResilientEvent], None] | None = None):
        self.seen: list[ResilientEvent] = []
        self.error: BaseException | None = None
        self._changed = asyncio.Condition()
        self._on_event = on_event
        self._task = asyncio.get_running_loop().create_task(self._run(session.events()))

    async def _run(self, events: AsyncIterator[ResilientEvent]) -> None:
        try:
            async for event in events:
                self.seen.append(event)
                if self._on_event is not None:
                    self._on_event(event)
                async with self._changed:
                    self._changed.notify_all()
        except Exception as exc:
            self.error = exc
        finally:
            async with self._changed:
                self._changed.notify_all()

    async def until(self, test: Callable[[list[ResilientEvent]], bool], timeout: float = WAIT) -> None:
        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: test(self.seen) or self._task.done())

        await asyncio.wait_for(wait(), timeout)
        if not test(self.seen):
            raise AssertionError(f"the stream ended first ({self.error!r}): {summary(self.seen)}")

    async def ended(self, timeout: float = WAIT) -> BaseException | None:
        await asyncio.wait_for(asyncio.shield(self._task), timeout)
        return self.error

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def summary(events: list[ResilientEvent]) -> list[str]:
    return [type(e).__name__ for e in events if not isinstance(e, ModelAudio)]


def count(kind: type[Event]) -> Callable[[list[ResilientEvent]], int]:
    return lambda seen: sum(isinstance(e, kind) for e in seen)


def states(seen: list[ResilientEvent], phase: SessionPhase) -> list[SessionState]:
    return [e for e in seen if isinstance(e, SessionState) and e.phase is phase]


def turns(seen: list[ResilientEvent]) -> list[list[ResilientEvent]]:
    """The events of each completed turn (between TurnCompletes)."""
    out: list[list[ResilientEvent]] = [[]]
    for event in seen:
        out[-1].append(event)
        if isinstance(event, TurnComplete):
            out.append([])
    return out[:-1]


def model_text(events: list[ResilientEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, Transcript) and e.role is Role.MODEL)


def echoed_s(events: list[ResilientEvent]) -> float:
    return MODEL_FORMAT.duration_s(sum(len(e.pcm) for e in events if isinstance(e, ModelAudio)))


async def say(session: ResilientSession, seconds: float) -> None:
    for block in blocks(speech_like(seconds)):
        await session.send(UserAudio(block))
    await session.send(AudioStreamEnd())


FULL_REPLY = re.compile(
    r"^Offline emulator, turn (\d+): I heard ([\d.]+) s of speech at -?\d+ dBFS and am playing it back to "
    r"you\. No camera frame received\.$"
)


async def test_go_away_mid_reply_lets_the_reply_finish_then_resumes() -> None:
    async with Emulator(EmulatorConfig(pace=1.0)) as emu, resilient(emu).connect(SessionOptions()) as session:
        started_go_away = False

        def on_event(event: ResilientEvent) -> None:
            nonlocal started_go_away
            if isinstance(event, ModelAudio) and not started_go_away:
                started_go_away = True
                emu.go_away(time_left_s=8.0)  # mid-reply, with time to finish it

        rec = Recorder(session, on_event)
        await say(session, 1.5)
        await rec.until(lambda seen: bool(states(seen, SessionPhase.LIVE)))
        await say(session, 0.8)
        await rec.until(lambda seen: count(TurnComplete)(seen) >= 2)
        await rec.stop()
    first, second = turns(rec.seen)
    assert emu.stats.go_aways == 1
    match = FULL_REPLY.match(model_text(first))
    assert match and match.group(1) == "1", model_text(first)  # the reply is whole
    assert echoed_s(first) == pytest.approx(1.5, rel=0.1)
    reconnecting = states(rec.seen, SessionPhase.RECONNECTING)
    assert len(reconnecting) == 1 and "quiet moment" in reconnecting[0].detail
    assert rec.seen.index(reconnecting[0]) > rec.seen.index(first[-1])  # after the turn, not during it
    match = FULL_REPLY.match(model_text(second))
    assert match and match.group(1) == "2"  # resumed: the emulator's session remembered turn 1
    assert emu.stats.resumptions == 1 and emu.stats.connections == 2
    assert 1011 not in emu.stats.close_codes  # we left before the server cut us off
    assert not any(isinstance(e, Interrupted) for e in rec.seen)
    assert session.stats.go_away_reconnects == 1 and len(session.stats.go_away_gaps_ms) == 1


async def test_go_away_too_short_to_finish_resumes_the_reply_in_full() -> None:
    async with Emulator(EmulatorConfig(pace=1.0)) as emu, resilient(emu).connect(SessionOptions()) as session:
        started_go_away = False

        def on_event(event: ResilientEvent) -> None:
            nonlocal started_go_away
            if isinstance(event, ModelAudio) and not started_go_away:
                started_go_away = True
                emu.go_away(time_left_s=1.0)  # less than the margin: reconnect at once

        rec = Recorder(session, on_event)
        await say(session, 2.0)
        await rec.until(lambda seen: count(TurnComplete)(seen) >= 1)
        await rec.stop()
    live_at = rec.seen.index(states(rec.seen, SessionPhase.LIVE)[0])
    after = rec.seen[live_at:]
    assert FULL_REPLY.match(model_text(after)), model_text(after)
    assert echoed_s(after) == pytest.approx(2.0, rel=0.1)  # the utterance was replayed whole
    assert "before the deadline" in states(rec.seen, SessionPhase.RECONNECTING)[0].detail
    assert emu.stats.resumptions == 1 and emu.stats.turns >= 1


async def test_a_drop_mid_utterance_reconnects_and_the_utterance_arrives_whole() -> None:
    faults = Faults(drop_after_client_messages=1 + 30)  # setup, then 0.6 s of the 1.5 s utterance
    async with (
        Emulator(EmulatorConfig(pace=0.0, faults=faults)) as emu,
        resilient(emu).connect(SessionOptions()) as session,
    ):
        rec = Recorder(session)
        await say(session, 1.5)
        await rec.until(lambda seen: count(TurnComplete)(seen) >= 1)
        await rec.stop()
    [turn] = turns(rec.seen)
    assert emu.stats.drops == 1 and emu.stats.resumptions == 1
    [reconnecting] = states(rec.seen, SessionPhase.RECONNECTING)
    assert "1006" in reconnecting.detail and "attempt 1 of" in reconnecting.detail
    assert " in " not in reconnecting.detail.split("attempt")[1]  # the first retry is immediate
    match = FULL_REPLY.match(model_text(turn))
    assert match and float(match.group(2)) == pytest.approx(1.5, abs=0.1), model_text(turn)
    assert echoed_s(turn) == pytest.approx(1.5, rel=0.1)  # the whole utterance, not its tail
    assert emu.stats.turns == 1  # answered once, not twice
    assert session.stats.buffer.audio_replayed_s >= 0.6
    assert session.stats.buffer.audio_dropped_s == 0
    assert len(session.stats.failure_gaps_ms) == 1


async def test_a_refused_handle_starts_a_fresh_session_seeded_with_the_conversation() -> None:
    async with (
        Emulator(EmulatorConfig(pace=0.0)) as emu,
        resilient(emu).connect(SessionOptions(system_instruction="Be brief.")) as session,
    ):
        rec = Recorder(session)
        await session.send(UserText("My name is Ada Lovelace."))
        await rec.until(lambda seen: count(TurnComplete)(seen) >= 1)
        await emu.wait_until(lambda s: len(emu.store) >= 2)  # the post-turn handle was issued
        await rec.until(lambda seen: session.core.handle is not None and session.buffered == 0)
        emu.faults.reject_next_resumption = True
        emu.drop_connections()
        await rec.until(lambda seen: bool(states(seen, SessionPhase.LIVE)))
        await session.send(UserText("What is my name?"))
        await rec.until(lambda seen: count(TurnComplete)(seen) >= 2)
        await rec.stop()
    [live] = states(rec.seen, SessionPhase.LIVE)
    assert "fresh session" in live.detail
    setup = emu.stats.last_setup or {}
    instruction = str(setup.get("systemInstruction"))
    assert "Be brief." in instruction
    assert "User: My name is Ada Lovelace." in instruction
    assert 'Model: You said: "My name is Ada Lovelace."' in instruction
    assert "sessionResumption" in setup and "handle" not in str(setup["sessionResumption"])
    second = turns(rec.seen)[1]
    assert "What is my name?" in model_text(second) and "turn 1." in model_text(second)  # a new session
    assert emu.stats.setups_rejected == 1 and session.stats.fresh_sessions == 1


async def test_a_1007_close_is_fatal_and_not_retried() -> None:
    faults = Faults(
        close_after_client_messages=2,
        close_code=1007,
        close_reason="Request contains an invalid argument.",
    )
    async with (
        Emulator(EmulatorConfig(pace=0.0, faults=faults)) as emu,
        resilient(emu).connect(SessionOptions()) as session,
    ):
        rec = Recorder(session)
        await session.send(UserText("hello"))
        error = await rec.ended()
        with pytest.raises(InvalidRequestError):
            await session.send(UserText("again"))
        assert emu.stats.connections == 1  # checked while the emulator still runs
    assert isinstance(error, InvalidRequestError) and error.code == 1007
    assert [s.phase for s in rec.seen if isinstance(s, SessionState)] == [SessionPhase.CLOSED]
    assert "invalid argument" in states(rec.seen, SessionPhase.CLOSED)[0].detail
    assert session.stats.gave_up and session.stats.reconnects == 0


async def test_repeated_failures_reach_the_cap_and_report_it() -> None:
    # Every connection is closed 1011 right after its setupComplete and first handle, resumed or not.
    faults = Faults(close_after_server_messages=2, sticky=True)
    policy = ReconnectPolicy(max_failures=3, backoff_base_s=0.05, backoff_max_s=0.1)
    async with (
        Emulator(EmulatorConfig(pace=0.0, faults=faults)) as emu,
        resilient(emu, policy).connect(SessionOptions()) as session,
    ):
        rec = Recorder(session)
        error = await rec.ended()
        connections = emu.stats.connections
    assert isinstance(error, ReconnectGaveUpError) and error.attempts == 3
    assert "failed 3 times in a row" in str(error) and error.code == 1011
    assert connections == 1 + 3
    phases = [s.phase for s in rec.seen if isinstance(s, SessionState)]
    assert phases == [SessionPhase.RECONNECTING, SessionPhase.LIVE] * 3 + [SessionPhase.CLOSED]


async def test_the_conversation_engine_carries_on_across_a_drop() -> None:
    """The desktop engine, unchanged, over a resilient connector: a drop mid-utterance costs nothing."""
    published: list[Event] = []

    class Sink:
        def __init__(self) -> None:
            self.audio = 0
            self.interrupts = 0

        def play(self, chunk: ModelAudio) -> None:
            self.audio += len(chunk.pcm)

        def interrupt(self) -> None:
            self.interrupts += 1

        async def drain(self) -> None:
            return None

        async def aclose(self) -> None:
            return None

    sink = Sink()
    async with (
        Emulator(EmulatorConfig(pace=0.0, faults=Faults(drop_after_client_messages=20))) as emu,
        # ResilientSession.events() also yields SessionState: LiveEvent must include it (asked of the lead).
        Conversation(resilient(emu), SessionOptions(), sink=sink, on_event=published.append) as conv,  # type: ignore[arg-type]
    ):
        for block in blocks(speech_like(1.0)):
            await conv.session.send(UserAudio(block))
        await conv.end_audio_stream()
        await conv.wait_for_reply(since_turns=0, timeout=WAIT)
    assert emu.stats.drops == 1
    assert MODEL_FORMAT.duration_s(sink.audio) == pytest.approx(1.0, rel=0.1)
    assert sink.interrupts == 0
    phases = [e.phase for e in published if isinstance(e, SessionState)]
    assert phases[:4] == [
        SessionPhase.CONNECTING,
        SessionPhase.LIVE,
        SessionPhase.RECONNECTING,
        SessionPhase.LIVE,
    ]
