"""Browser sessions' tools over a real WebSocket: the page-side client gets ``tool_call``, answers
``tool_consent``, and the (fake) live session receives the ``ToolResponse``; every call is answered."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from desktop_app.core.commands import ToolResponse
from desktop_app.core.events import FunctionCall, ToolCall
from desktop_app.live.fake_session import FakeConnector, FakeSession
from desktop_app.live.options import SessionOptions
from desktop_app.relay import RelayConfig, RelayServer
from desktop_app.relay.page_tools import GOOGLE_SEARCH, BrowserTools
from tests.integration.relay_client import Message, lookup_tool, open_client, recv_until, tool_answer


@pytest.fixture
def connector() -> FakeConnector:
    return FakeConnector()


@pytest.fixture
async def relay(connector: FakeConnector) -> AsyncIterator[RelayServer]:
    tools = BrowserTools(frozenset({GOOGLE_SEARCH, "lookup"}), source=lookup_tool)
    async with RelayServer(connector, SessionOptions(), RelayConfig(port=0), tools=tools) as server:
        yield server


def has(key: str) -> Any:
    return lambda message: key in message


async def call_and_wait_for_card(ws: Any, session: FakeSession, call_id: str) -> Message:
    session.emit(ToolCall((FunctionCall(call_id, "lookup", {"q": "otters"}),)))
    return (await recv_until(ws, has("tool_call")))[-1]["tool_call"]


async def test_allow_once_from_the_page_runs_the_tool_and_answers_the_session(
    relay: RelayServer, connector: FakeConnector
) -> None:
    async with await open_client(relay) as ws:
        [session] = await connector.wait_sessions(1)
        card = await call_and_wait_for_card(ws, session, "c1")
        assert card == {"id": "c1", "name": "lookup", "args": {"q": "otters"}, "needs_consent": True}
        assert not any(isinstance(c, ToolResponse) for c in session.sent)  # it waits for the page
        await ws.send(json.dumps({"tool_consent": {"id": "c1", "decision": "allow_once"}}))
        result = (await recv_until(ws, has("tool_result")))[-1]["tool_result"]
        assert result["outcome"] == "done"
        assert result["decision"] == "allowed once"
        assert "found otters" in result["summary"]
        answer = await tool_answer(session)
        assert (answer.id, answer.name) == ("c1", "lookup")
        assert answer.response == {"output": {"answer": "found otters"}}


async def test_deny_from_the_page_answers_the_session_with_denied(
    relay: RelayServer, connector: FakeConnector
) -> None:
    async with await open_client(relay) as ws:
        [session] = await connector.wait_sessions(1)
        await call_and_wait_for_card(ws, session, "c2")
        await ws.send(json.dumps({"tool_consent": {"id": "c2", "decision": "deny"}}))
        result = (await recv_until(ws, has("tool_result")))[-1]["tool_result"]
        assert (result["outcome"], result["decision"]) == ("denied", "denied by the user")
        answer = await tool_answer(session)
        assert answer.response["error"]["code"] == "denied"
        # a second answer for the same card is a clear error, and the connection goes on
        await ws.send(json.dumps({"tool_consent": {"id": "c2", "decision": "allow_once"}}))
        error = (await recv_until(ws, has("error")))[-1]["error"]
        assert error["code"] == "unknown_call"
        bad = {"tool_consent": {"id": "c2", "decision": "sure"}}
        await ws.send(json.dumps(bad))
        error = (await recv_until(ws, has("error")))[-1]["error"]
        assert error["code"] == "wrong_type"
        assert "tool_consent.decision" in error["message"]


async def test_by_default_pages_get_no_local_tools_and_every_call_is_still_answered(
    connector: FakeConnector,
) -> None:
    async with (
        RelayServer(connector, SessionOptions(), RelayConfig(port=0)) as relay,
        await open_client(relay) as ws,
    ):
        [session] = await connector.wait_sessions(1)
        session.emit(ToolCall((FunctionCall("c3", "get_current_time", {}),)))
        messages = await recv_until(ws, has("tool_result"))
        [call] = [m["tool_call"] for m in messages if "tool_call" in m]
        assert call["needs_consent"] is False
        assert messages[-1]["tool_result"]["outcome"] == "unknown_tool"
        answer = await tool_answer(session)
        assert answer.response["error"]["code"] == "unknown_tool"
