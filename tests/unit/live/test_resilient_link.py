"""One connection of a resilient session and its single reader, over the in-memory fake session."""

from __future__ import annotations

import asyncio

import pytest

from desktop_app.core.commands import UserText
from desktop_app.core.errors import ConnectionLostError, ServerError
from desktop_app.core.events import ModelText, TurnComplete
from desktop_app.live.fake_session import FakeConnector
from desktop_app.live.options import SessionOptions
from desktop_app.live.resilient_buffer import OutgoingBuffer
from desktop_app.live.resilient_link import Link, Signal


async def open_link(connector: FakeConnector) -> Link:
    return await Link.open(connector, SessionOptions(), connect_timeout_s=5.0, close_timeout_s=1.0)


async def test_events_then_how_the_stream_ended() -> None:
    connector = FakeConnector()
    link = await open_link(connector)
    connector.sessions[0].emit(ModelText("a"), TurnComplete())
    connector.sessions[0].end()
    assert [await link.next(5.0) for _ in range(3)] == [ModelText("a"), TurnComplete(), Signal.ENDED]
    await link.close()


async def test_a_failure_is_raised_after_the_events_before_it() -> None:
    connector = FakeConnector()
    link = await open_link(connector)
    connector.sessions[0].emit(ModelText("a"))
    connector.sessions[0].fail(ServerError("internal", code=1011))
    assert await link.next(5.0) == ModelText("a")
    with pytest.raises(ServerError):
        await link.next(5.0)
    await link.close()


async def test_nothing_within_the_timeout_is_a_timeout_signal() -> None:
    link = await open_link(FakeConnector())
    assert await link.next(0.0) is Signal.TIMEOUT
    await link.close()


async def test_a_stall_wakes_the_waiting_reader_and_is_raised_once() -> None:
    link = await open_link(FakeConnector())
    waiting = asyncio.ensure_future(link.next(None))
    assert link.stall(3.0) and not link.stall(3.0)
    with pytest.raises(ConnectionLostError, match="stalled for 3 s"):
        await asyncio.wait_for(waiting, 5.0)
    assert await link.next(0.0) in (Signal.WAKE, Signal.TIMEOUT)  # raised once only
    await link.close()


async def test_close_wakes_a_waiting_reader_and_then_reports_the_end() -> None:
    connector = FakeConnector()
    link = await open_link(connector)
    waiting = asyncio.ensure_future(link.next(None))
    await link.close()
    assert await asyncio.wait_for(waiting, 5.0) is Signal.ENDED
    assert await link.next(None) is Signal.ENDED
    assert connector.sessions[0].closed


async def test_a_replay_that_fails_puts_back_what_was_not_sent() -> None:
    connector = FakeConnector()
    link = await open_link(connector)
    buffer = OutgoingBuffer()
    for text in ("one", "two"):
        buffer.record(UserText(text), sent=False)
    connector.sessions[0].fail_sends_with = ServerError("internal", code=1011)
    with pytest.raises(ServerError):
        await link.replay(buffer, 1.0, lambda entry: None)
    connector.sessions[0].fail_sends_with = None
    sent: list[object] = []
    await link.replay(buffer, 1.0, lambda entry: sent.append(entry.command))
    assert sent == [UserText("one"), UserText("two")] == connector.sessions[0].sent
    await link.close()
