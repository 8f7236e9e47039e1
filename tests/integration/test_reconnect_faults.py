"""Network faults for real: the app's own ResilientConnector → GenaiConnector → google-genai SDK → a TCP
fault proxy (tests/support/fault_proxy.py) → the emulator over TLS on loopback.

Each fault of the proxy gets a test: the conversation must carry on, each turn answered once and whole, and
the user told why when it stalls. Timings are the bench's to measure (``python -m desktop_app.bench
resilience``); these tests use a short stall bound only to run fast and assert no wall-clock limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from desktop_app.core.commands import AudioStreamEnd, UserAudio
from desktop_app.core.events import QUIET_NOTICE, SessionPhase, TurnComplete
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectPolicy
from desktop_app.live.resilient_connector import ResilientConnector
from desktop_app.live.resilient_session import ResilientSession
from tests.integration.test_reconnect_emulator import (
    FULL_REPLY,
    Recorder,
    count,
    echoed_s,
    model_text,
    say,
    states,
    turns,
)
from tests.support.audio import blocks, speech_like
from tests.support.fault_proxy import FaultProxy

pytestmark = pytest.mark.integration

QUICK = ReconnectPolicy(stall_after_s=1.0, probe_timeout_s=0.5)
"""A short stall bound so that each test runs in seconds (the defaults are 3 s + 1.5 s)."""


@asynccontextmanager
async def through_proxy(
    policy: ReconnectPolicy = QUICK, pace: float = 0.0
) -> AsyncIterator[tuple[Emulator, FaultProxy, ResilientSession]]:
    async with Emulator(EmulatorConfig(pace=pace)) as emu, FaultProxy(emu.port) as proxy:
        inner = GenaiConnector(Backend("emulator", "test-key", proxy.base_url, emu.client_ssl_context()))
        async with ResilientConnector(inner, policy).connect(SessionOptions()) as session:
            yield emu, proxy, session


async def speak_into_a_dead_link(session: ResilientSession, proxy: FaultProxy, **dark: bool) -> None:
    """1.2 s of speech; the path goes dark before the end of the utterance goes out."""
    for block in blocks(speech_like(1.2)):
        await session.send(UserAudio(block))
    proxy.blackhole(**dark)
    await session.send(AudioStreamEnd())


def assert_answered_once_and_whole(rec: Recorder, emu: Emulator, seconds: float) -> None:
    answered = [t for t in turns(rec.seen) if FULL_REPLY.match(model_text(t))]
    assert len(answered) == 1, [model_text(t) for t in turns(rec.seen)]
    match = FULL_REPLY.match(model_text(answered[0]))
    assert match and float(match.group(2)) == pytest.approx(seconds, abs=0.1)  # the whole utterance
    assert echoed_s(answered[0]) == pytest.approx(seconds, rel=0.1)


@pytest.mark.parametrize(
    "dark",
    [{"up": True, "down": True}, {"up": False, "down": True}, {"up": True, "down": False}],
    ids=["both-ways", "server-to-client", "client-to-server"],
)
async def test_a_half_open_link_in_an_open_turn_is_probed_resumed_and_the_turn_answered(
    dark: dict[str, bool],
) -> None:
    async with through_proxy() as (emu, proxy, session):
        rec = Recorder(session)
        await rec.until(lambda seen: len(seen) >= 1)  # setupComplete (and the first handle) arrived
        await speak_into_a_dead_link(session, proxy, **dark)
        await rec.until(lambda seen: count(TurnComplete)(seen) >= 1)
        await rec.stop()
    [reconnecting] = states(rec.seen, SessionPhase.RECONNECTING)
    assert reconnecting.notice == QUIET_NOTICE
    [live] = states(rec.seen, SessionPhase.LIVE)
    assert "resumed" in live.detail
    assert session.stats.stall.stalls == 1 and proxy.stats.connections == 2
    assert emu.stats.resumptions == 1
    assert_answered_once_and_whole(rec, emu, 1.2)


async def test_a_reset_mid_utterance_reconnects_and_the_utterance_arrives_whole() -> None:
    async with through_proxy() as (emu, proxy, session):
        rec = Recorder(session)
        pcm = blocks(speech_like(1.5))
        for i, block in enumerate(pcm):
            await session.send(UserAudio(block))
            if i == len(pcm) // 2:
                assert proxy.reset() == 1  # RST both ways, mid-utterance
        await session.send(AudioStreamEnd())
        await rec.until(lambda seen: count(TurnComplete)(seen) >= 1)
        await rec.stop()
    [reconnecting] = states(rec.seen, SessionPhase.RECONNECTING)
    assert not reconnecting.notice  # the link said it died: no stall
    assert session.stats.failure_reconnects == 1 and session.stats.stall.stalls == 0
    assert_answered_once_and_whole(rec, emu, 1.5)


async def test_a_cut_mid_frame_during_the_reply_reconnects_and_the_turn_is_answered_in_full() -> None:
    async with through_proxy(pace=1.0) as (emu, proxy, session):
        cut = False

        def on_event(event: object) -> None:
            nonlocal cut
            if type(event).__name__ == "ModelAudio" and not cut:
                cut = True
                proxy.cut_mid_frame()

        rec = Recorder(session, on_event)
        await say(session, 1.0)
        await rec.until(lambda seen: bool(states(seen, SessionPhase.LIVE)))
        await rec.until(lambda seen: count(TurnComplete)(seen) >= 1)
        await rec.stop()
    assert proxy.stats.cuts == 1 and session.stats.failure_reconnects == 1
    after = rec.seen[rec.seen.index(states(rec.seen, SessionPhase.LIVE)[0]) :]
    match = FULL_REPLY.match(model_text(after))
    assert match and float(match.group(2)) == pytest.approx(1.0, abs=0.1), model_text(after)
    assert emu.stats.resumptions == 1


@pytest.mark.parametrize("fault", ["latency-jitter", "throttle"])
async def test_a_slow_link_is_slow_but_never_reconnects(fault: str) -> None:
    async with through_proxy() as (_emu, proxy, session):
        if fault == "throttle":
            proxy.throttle(96_000)  # 2x the uplink's 32 kB/s of base64 PCM; the reply arrives slower
        else:
            proxy.latency(0.15, jitter_s=0.1)
        rec = Recorder(session)
        for turn in (1, 2):
            await say(session, 1.0)
            await rec.until(lambda seen, turn=turn: count(TurnComplete)(seen) >= turn)
        await rec.stop()
    assert not states(rec.seen, SessionPhase.RECONNECTING)
    assert proxy.stats.connections == 1 and session.stats.stall.stalls == 0
    replies = [FULL_REPLY.match(model_text(t)) for t in turns(rec.seen)]
    assert [m.group(1) if m else None for m in replies] == ["1", "2"]


async def test_a_half_open_link_between_turns_is_found_by_the_keepalive_and_the_next_turn_works() -> None:
    async with through_proxy() as (emu, proxy, session):
        rec = Recorder(session)
        await rec.until(lambda seen: len(seen) >= 1)
        proxy.blackhole()  # nothing owed: the watchdog has no turn to watch, the keepalive pings
        await rec.until(lambda seen: bool(states(seen, SessionPhase.LIVE)))
        await say(session, 1.0)
        await rec.until(lambda seen: count(TurnComplete)(seen) >= 1)
        await rec.stop()
    [reconnecting] = states(rec.seen, SessionPhase.RECONNECTING)
    assert not reconnecting.notice and session.stats.stall.probes == 0
    assert emu.stats.resumptions == 1
    assert_answered_once_and_whole(rec, emu, 1.0)
