"""Tool benchmarks: the runtime's round trip for an allowed local tool, and an MCP stdio call's added cost.

``tool call received → response handed to send`` starts when the runtime's ``on_event`` gets the ToolCall and
stops when its ``send`` port is called with the answer (the live session's socket write is not included: the
session's own benchmarks measure that). The MCP comparison runs the same echo tool both ways in one run: as a
local tool, and in a real MCP server process over stdio (written with the SDK's ``MCPServer``), both allowed,
through the same runtime.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from desktop_app.core.commands import Command
from desktop_app.core.events import FunctionCall, ToolCall
from desktop_app.core.stats import percentile
from desktop_app.tools.consent import HeadlessConsent
from desktop_app.tools.mcp_config import StdioServer
from desktop_app.tools.mcp_servers import McpServers
from desktop_app.tools.policy import PolicyBook
from desktop_app.tools.registry import ToolRegistry
from desktop_app.tools.runtime import ToolRuntime
from desktop_app.tools.spec import Policy, ToolSpec

Metric = tuple[str, float, str]

CALLS = 200
MCP_CALLS = 100
_SERVER = """
from mcp.server.mcpserver import MCPServer
server = MCPServer("bench")

@server.tool()
def echo(text: str) -> str:
    return text

server.run()
"""
_SCHEMA = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}


async def _echo(args: dict[str, Any]) -> Any:
    return args["text"]


class _Timed:
    """Feeds one call at a time and times it until the runtime hands the answer to ``send``."""

    def __init__(self) -> None:
        self.answered = asyncio.Event()
        self.at = 0.0

    async def send(self, command: Command) -> None:
        self.at = time.perf_counter()
        self.answered.set()

    async def run(self, runtime: ToolRuntime, name: str, count: int) -> list[float]:
        samples: list[float] = []
        for i in range(count):
            self.answered.clear()
            started = time.perf_counter()
            runtime.on_event(ToolCall((FunctionCall(f"{name}-{i}", name, {"text": f"hello {i}"}),)))
            await self.answered.wait()
            samples.append((self.at - started) * 1000)
        return samples


def _runtime(registry: ToolRegistry, timed: _Timed, policies: PolicyBook | None = None) -> ToolRuntime:
    return ToolRuntime(
        registry, HeadlessConsent(), timed.send, lambda _e: None, supports_scheduling=True, policies=policies
    )


async def _round_trip() -> list[float]:
    registry = ToolRegistry()
    registry.add(ToolSpec("echo", "echo", _echo, _SCHEMA, policy=Policy.ALLOW))
    timed = _Timed()
    runtime = _runtime(registry, timed)
    await runtime.start()
    await timed.run(runtime, "echo", 20)  # warm-up
    samples = await timed.run(runtime, "echo", CALLS)
    await runtime.stop()
    return samples


def bench_tool_round_trip() -> list[Metric]:
    samples = asyncio.run(_round_trip())
    return [
        ("tool call received → response to send p50", percentile(samples, 50), "ms"),
        ("tool call received → response to send p99", percentile(samples, 99), "ms"),
    ]


async def _mcp_versus_direct(script: Path) -> tuple[list[float], list[float]]:
    registry = ToolRegistry()
    registry.add(ToolSpec("echo", "echo", _echo, _SCHEMA, policy=Policy.ALLOW))
    servers = McpServers((StdioServer("bench", sys.executable, (str(script),)),), registry, lambda _e: None)
    timed = _Timed()
    runtime = _runtime(registry, timed, PolicyBook({"bench.echo": Policy.ALLOW}))
    await runtime.start()
    await servers.start()
    try:
        status = await asyncio.wait_for(servers.wait_settled("bench"), 60)
        if status != "ready":
            raise RuntimeError(f"the MCP bench server did not start: {status}")
        await timed.run(runtime, "bench.echo", 10)
        await timed.run(runtime, "echo", 10)
        direct = await timed.run(runtime, "echo", MCP_CALLS)
        via_mcp = await timed.run(runtime, "bench.echo", MCP_CALLS)
    finally:
        await runtime.stop()
        await servers.stop()
    return direct, via_mcp


def bench_mcp_stdio_call_cost() -> list[Metric]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench_mcp_server.py"
        script.write_text(_SERVER)
        direct, via_mcp = asyncio.run(_mcp_versus_direct(script))
    return [
        ("tool call direct p50", percentile(direct, 50), "ms"),
        ("tool call via MCP stdio p50", percentile(via_mcp, 50), "ms"),
        ("tool call via MCP stdio p99", percentile(via_mcp, 99), "ms"),
        ("MCP stdio added cost p50", percentile(via_mcp, 50) - percentile(direct, 50), "ms"),
    ]
