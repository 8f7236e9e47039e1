"""A websockets client in the browser's role, for the relay's integration tests: reading JSON replies,
waiting for a condition, and opening a set-up session. Every read is bounded by :data:`WAIT`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from desktop_app.core.commands import FunctionResult, ToolResponse
from desktop_app.live.fake_session import FakeSession
from desktop_app.relay import RelayServer
from desktop_app.tools.runtime import Send
from desktop_app.tools.spec import Policy, ToolSpec
from desktop_app.tools.timers import TimerService

WAIT = 20.0
AUDIO_SETUP = {"setup": {"generation_config": {"response_modalities": ["AUDIO"]}}}
TEXT_SETUP = {"setup": {"generation_config": {"response_modalities": ["TEXT"]}}}  # the tutorial's page

Message = dict[str, Any]


async def recv_json(ws: ClientConnection) -> Message:
    """The next message, which must be a JSON object."""
    raw = await asyncio.wait_for(ws.recv(), WAIT)
    assert isinstance(raw, str)
    message = json.loads(raw)
    assert isinstance(message, dict)
    return message


async def recv_until(ws: ClientConnection, done: Callable[[Message], bool]) -> list[Message]:
    """Every message up to and including the first for which ``done`` is true."""
    seen = []
    while True:
        message = await recv_json(ws)
        seen.append(message)
        if done(message):
            return seen


async def recv_to_close(ws: ClientConnection) -> list[Message]:
    """Every message until the relay closes the connection."""
    seen = []
    with pytest.raises(ConnectionClosed):
        while True:
            seen.append(await recv_json(ws))
    return seen


def turn_complete(message: Message) -> bool:
    return message.get("turn_complete") is True


def state_is(state: str) -> Callable[[Message], bool]:
    """True for the relay's ``{"session": {"state": state}}`` message (a ``done`` for :func:`recv_until`)."""
    return lambda message: message.get("session") == {"state": state}


def states(messages: list[Message]) -> list[str]:
    """The session states among ``messages``, in order (every other message left out)."""
    return [m["session"]["state"] for m in messages if "session" in m]


def texts(messages: list[Message], key: str = "text") -> str:
    """The ``key`` fields of ``messages`` joined (replies, or a transcription kind)."""
    return "".join(m[key] for m in messages if key in m)


async def open_client(
    relay: RelayServer, setup: Message = AUDIO_SETUP, **connect_kw: Any
) -> ClientConnection:
    """Connect, send ``setup`` and read the two messages that say the session is live. ``connect_kw`` go to
    ``websockets.connect`` (e.g. ``max_size=None`` to take replies of any size)."""
    ws = await connect(relay.ws_url, **connect_kw)
    await ws.send(json.dumps(setup))
    assert await recv_json(ws) == {"setup_complete": True}
    assert await recv_json(ws) == {"session": {"state": "connected"}}
    return ws


async def _lookup(args: dict[str, Any]) -> Any:
    return {"answer": f"found {args['q']}"}


def lookup_tool(_send: Send, _timers: TimerService) -> Sequence[ToolSpec]:
    """A ``BrowserTools.source`` with one tool, ``lookup(q)``, whose policy is "ask"."""
    parameters = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    return [ToolSpec("lookup", "Looks something up.", _lookup, parameters, policy=Policy.ASK)]


async def tool_answer(session: FakeSession) -> FunctionResult:
    """The one FunctionResult the fake live session was sent (waits for it)."""
    await session.changes.wait_for(lambda: any(isinstance(c, ToolResponse) for c in session.sent))
    [response] = [c for c in session.sent if isinstance(c, ToolResponse)]
    [result] = response.results
    return result
