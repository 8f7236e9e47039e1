"""MCP servers through the tool runtime: a real server process over stdio and one over streamable HTTP,
both written with the SDK's server API (tests/support/mcp_test_server.py)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.events import ErrorEvent, Event, FunctionCall, ToolCall
from desktop_app.tools.consent import ConsentAnswer, ScriptedConsent
from desktop_app.tools.mcp_config import HttpServer, StdioServer, parse_mcp_servers
from desktop_app.tools.mcp_servers import McpServers, McpTimings, mcp_tool_name
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.runtime import ToolRuntime
from desktop_app.tools.spec import Policy
from tests.unit.tools.helpers import Recorder

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

SERVER = Path(__file__).resolve().parents[1] / "support" / "mcp_test_server.py"


class Rig:
    """A registry, an MCP manager and a runtime that allows everything once asked."""

    def __init__(self, *configs: StdioServer | HttpServer, call_timeout_s: float = 60.0) -> None:
        self.changed = asyncio.Event()
        self.names: tuple[str, ...] = ()
        self.errors: list[ErrorEvent] = []
        self.failed = asyncio.Event()
        self.registry = ToolRegistry(on_change=self._changed)
        self.servers = McpServers(
            configs,
            self.registry,
            self._publish,
            timings=McpTimings(health_interval_s=30, call_timeout_s=call_timeout_s),
        )
        self.rec = Recorder()
        self.consent = ScriptedConsent(lambda _r: ConsentAnswer.ALLOW_ONCE)
        self.runtime = ToolRuntime(
            self.registry, self.consent, self.rec.send, self.rec.publish, supports_scheduling=True
        )

    def _changed(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.changed.set()

    def _publish(self, event: Event) -> None:
        if isinstance(event, ErrorEvent):
            self.errors.append(event)
            self.failed.set()

    async def call(self, tool: str, /, **args: Any) -> dict[str, Any]:
        call_id = f"c{len(self.rec.sent)}"
        self.runtime.on_event(ToolCall((FunctionCall(call_id, tool, args),)))
        async with asyncio.timeout(30):
            await self.runtime.wait_idle()
        return self.rec.result(call_id).response


@pytest.fixture
async def rig_factory() -> AsyncIterator[list[Rig]]:
    rigs: list[Rig] = []
    yield rigs
    for rig in rigs:
        await rig.runtime.stop()
        await rig.servers.stop()


async def _started(rigs: list[Rig], *configs: StdioServer | HttpServer, **kw: Any) -> Rig:
    rig = Rig(*configs, **kw)
    rigs.append(rig)
    await rig.runtime.start()
    await rig.servers.start()
    return rig


def _stdio(name: str = "test", **env: str) -> StdioServer:
    return StdioServer(name, sys.executable, (str(SERVER),), tuple(env.items()))


async def test_a_stdio_server_s_tools_join_the_registry_and_answer(rig_factory: list[Rig]) -> None:
    rig = await _started(rig_factory, _stdio(MARK="from the config"))
    assert await rig.servers.wait_settled("test") == "ready"
    assert {"test.add", "test.shout", "test.refuse", "test.grow"} <= set(rig.registry.names())
    add = rig.registry.get("test.add")
    assert add is not None and add.policy is Policy.ASK and add.description == "Add two integers."
    assert await rig.call("test.add", a=2, b=40) == {"output": {"text": "42", "structured": {"result": 42}}}
    assert rig.consent.asked[-1].tool == "test.add"  # "ask" by default
    assert (await rig.call("test.env_value", name="MARK"))["output"]["text"] == "from the config"
    refused = await rig.call("test.refuse", reason="no way")
    assert refused["error"]["code"] == "tool_failed" and "no way" in refused["error"]["message"]
    bad = await rig.call("test.add", a="two", b=1)
    assert bad["error"]["code"] == "bad_arguments"  # checked against the server's own schema


async def test_a_tools_list_changed_notification_refreshes_the_tools(rig_factory: list[Rig]) -> None:
    rig = await _started(rig_factory, _stdio())
    await rig.servers.wait_settled("test")
    assert "test.extra" not in rig.registry.names()
    rig.changed.clear()
    assert (await rig.call("test.grow"))["output"]["text"] == "grown"
    async with asyncio.timeout(20):
        while "test.extra" not in rig.names:
            rig.changed.clear()
            await rig.changed.wait()
    assert (await rig.call("test.extra", x="y"))["output"]["text"] == "extra y"


async def test_a_crashed_server_is_a_notice_and_its_tools_leave(rig_factory: list[Rig]) -> None:
    rig = await _started(rig_factory, _stdio())
    await rig.servers.wait_settled("test")
    crashed = await rig.call("test.crash")
    assert crashed["error"]["code"] == "tool_failed"
    async with asyncio.timeout(20):
        await rig.failed.wait()
    assert rig.errors[0].code == "mcp_server" and "test" in rig.errors[0].message
    assert rig.servers.status["test"].startswith("failed")
    assert not [n for n in rig.registry.names() if n.startswith("test.")]
    gone = await rig.call("test.add", a=1, b=1)
    assert gone["error"]["code"] == "unknown_tool"  # answered, never left hanging


async def test_a_call_that_times_out_is_answered_and_the_server_stays(rig_factory: list[Rig]) -> None:
    rig = await _started(rig_factory, _stdio(), call_timeout_s=0.3)
    await rig.servers.wait_settled("test")
    slow = await rig.call("test.slow", seconds=30)
    assert slow["error"]["code"] == "tool_failed"
    assert (await rig.call("test.shout", text="still here"))["output"]["text"] == "STILL HERE"
    assert rig.servers.status["test"] == "ready" and rig.errors == []


async def test_a_server_that_cannot_start_is_a_notice_only(rig_factory: list[Rig]) -> None:
    rig = await _started(rig_factory, StdioServer("ghost", "/nonexistent/mcp-server"), _stdio("ok"))
    assert (await rig.servers.wait_settled("ghost")).startswith("failed")
    assert await rig.servers.wait_settled("ok") == "ready"
    assert [e.code for e in rig.errors] == ["mcp_server"] and "ghost" in rig.errors[0].message
    assert (await rig.call("ok.shout", text="hi"))["output"]["text"] == "HI"


async def test_stopping_ends_the_server_process(rig_factory: list[Rig]) -> None:
    rig = await _started(rig_factory, _stdio())
    await rig.servers.wait_settled("test")
    pid = int((await rig.call("test.pid"))["output"]["text"])
    os.kill(pid, 0)  # alive
    await rig.servers.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert rig.registry.names() == () and rig.servers.status["test"] == "stopped"


@pytest.fixture
def http_server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "http"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert proc.stderr is not None
    url: list[str] = []
    found = threading.Event()

    def drain() -> None:  # read the port, then keep the pipe from filling up
        assert proc.stderr is not None
        for line in proc.stderr:
            match = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
            if match and not url:
                url.append(match.group(1) + "/mcp")
                found.set()
        found.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        assert found.wait(30) and url, "the HTTP MCP server did not start"
        yield url[0], proc
    finally:
        proc.terminate()
        proc.wait(10)


async def test_a_streamable_http_server_pasted_as_json_works(
    rig_factory: list[Rig], http_server: tuple[str, subprocess.Popen[str]]
) -> None:
    url, _proc = http_server
    pasted = f'{{"mcpServers": {{"web": {{"url": "{url}", "headers": {{"X-Test": "1"}}}}}}}}'
    [config] = parse_mcp_servers(pasted)
    rig = await _started(rig_factory, config)
    assert await rig.servers.wait_settled("web") == "ready"
    assert (await rig.call("web.shout", text="over http"))["output"]["text"] == "OVER HTTP"
    assert (await rig.call("web.add", a=1, b=2))["output"]["structured"] == {"result": 3}
    await rig.servers.stop()  # while the server still runs: the session is ended politely (DELETE)


@pytest.mark.allow_warnings("mcp", "")  # the SDK logs the lost connection on its own
async def test_an_http_server_that_goes_away_is_a_notice(
    rig_factory: list[Rig], http_server: tuple[str, subprocess.Popen[str]]
) -> None:
    url, proc = http_server
    rig = await _started(rig_factory, HttpServer("web", url))
    assert await rig.servers.wait_settled("web") == "ready"
    proc.kill()
    proc.wait(10)
    failed = await rig.call("web.shout", text="anyone?")
    assert failed["error"]["code"] == "tool_failed"
    async with asyncio.timeout(30):
        await rig.failed.wait()
    assert rig.servers.status["web"].startswith("failed") and "web" in rig.errors[0].message


def test_tool_names_are_cleaned_to_valid_function_names() -> None:
    assert mcp_tool_name("my files", "read/file") == "my_files.read_file"
    assert mcp_tool_name("s", "x" * 100) == "s." + "x" * 62
