"""MCP servers: start each configured server, put its tools in the registry, keep them current, stop them.

Entry point (one per program run, on the loop thread)::

    servers = McpServers(parse_mcp_servers(settings.mcp_servers), registry, publish)
    await servers.start()   # returns at once; each server starts in its own supervised task
    ...
    await servers.stop()    # at exit: every stdio server process is stopped

Each server's tools join the registry as ``<server>.<tool>`` (names cleaned to valid function names) with
policy "ask". A server that fails to start, crashes, stops answering pings or times out is a notice (an
:class:`~desktop_app.core.events.ErrorEvent` with code ``mcp_server``) and its tools leave the registry; the
conversation goes on, and the server is not restarted until the tool service is reloaded. A server's
``notifications/tools/list_changed`` refreshes its tools (a :class:`ToolsChanged` event follows from the
registry's owner). Calls go through the official SDK's :class:`mcp.ClientSession`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import mcp
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from desktop_app.core.events import ErrorEvent, Event
from desktop_app.runtime.tasks import Supervised, TaskSupervisor
from desktop_app.tools.mcp_config import HttpServer, McpServerConfig, StdioServer, tool_prefix
from desktop_app.tools.registry import ToolRegistry, check_schema
from desktop_app.tools.spec import Policy, Risk, ToolError, ToolSpec, valid_function_name

__all__ = ["McpServers", "McpTimings", "mcp_tool_name"]

log = logging.getLogger(__name__)


def mcp_tool_name(server: str, tool: str) -> str | None:
    """``server.tool`` as a valid function name (at most 64 characters), or None if none can be made."""
    name = f"{tool_prefix(server)}.{re.sub(r'[^A-Za-z0-9_.:-]', '_', tool)}"[:64]
    return name if valid_function_name(name) else None


@dataclass(frozen=True, slots=True)
class McpTimings:
    """How long the servers get, in seconds: to start, to answer a call, between health pings, to answer
    a ping."""

    start_timeout_s: float = 30.0
    call_timeout_s: float = 60.0
    health_interval_s: float = 30.0
    ping_timeout_s: float = 10.0


class McpServers:
    """Runs the configured MCP servers; see the module docstring. Use from the loop thread only."""

    def __init__(
        self,
        configs: tuple[McpServerConfig, ...],
        registry: ToolRegistry,
        publish: Callable[[Event], None],
        *,
        supervisor: TaskSupervisor | None = None,
        timings: McpTimings = McpTimings(),
    ) -> None:
        self._configs = configs
        self._registry = registry
        self._publish = publish
        self._supervisor = supervisor
        self._timings = timings
        self._tasks: dict[str, Supervised] = {}
        self.status: dict[str, str] = {c.name: "stopped" for c in configs}
        """Each server's state: ``starting``, ``ready``, ``failed: <reason>`` or ``stopped``."""
        self._settled: dict[str, asyncio.Event] = {}

    async def start(self) -> None:
        """Start every server in the background (returns at once)."""
        if self._supervisor is None:
            self._supervisor = TaskSupervisor()
        for config in self._configs:
            self.status[config.name] = "starting"
            self._settled[config.name] = asyncio.Event()
            self._tasks[config.name] = self._supervisor.spawn(
                f"mcp-server {config.name}", functools.partial(self._serve, config)
            )

    async def stop(self) -> None:
        """Stop every server (stdio processes end) and remove their tools. Safe twice."""
        tasks, self._tasks = self._tasks, {}
        for name, task in tasks.items():
            await task.stop()
            self._registry.replace_group(_source(name), [])
            self.status[name] = "stopped"

    async def wait_settled(self, name: str) -> str:
        """Wait until server ``name`` is ready or has failed; its status (tests and the Tools tab)."""
        await self._settled[name].wait()
        return self.status[name]

    # --- one server --------------------------------------------------------------------------------

    async def _serve(self, config: McpServerConfig) -> None:
        wake = asyncio.Event()
        refresh = False

        async def on_message(message: Any) -> None:
            nonlocal refresh
            if isinstance(message, mcp.types.ToolListChangedNotification):
                refresh = True
            elif isinstance(message, Exception):
                log.info("MCP server %s: transport error %s", config.name, message)
            wake.set()

        try:
            async with (
                _connect(config) as (read, write),
                mcp.ClientSession(read, write, message_handler=on_message) as session,
            ):
                with anyio.fail_after(self._timings.start_timeout_s):
                    await session.initialize()
                    await self._load_tools(config, session, wake)
                self._set(config.name, "ready")
                while True:
                    with anyio.move_on_after(self._timings.health_interval_s):
                        await wake.wait()
                    wake.clear()
                    if refresh:
                        refresh = False
                        with anyio.fail_after(self._timings.start_timeout_s):
                            await self._load_tools(config, session, wake)
                        continue
                    with anyio.fail_after(self._timings.ping_timeout_s):
                        await session.send_ping()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = _reason(exc)
            self._registry.replace_group(_source(config.name), [])
            self._set(config.name, f"failed: {reason}")
            log.info("MCP server %s stopped: %s", config.name, reason, exc_info=exc)
            self._publish(
                ErrorEvent(
                    f"The MCP server {config.name} is not available ({reason}); its tools are off. "
                    "The conversation goes on.",
                    code="mcp_server",
                )
            )

    def _set(self, name: str, status: str) -> None:
        self.status[name] = status
        self._settled[name].set()

    async def _load_tools(
        self, config: McpServerConfig, session: mcp.ClientSession, wake: asyncio.Event
    ) -> None:
        tools: list[mcp.types.Tool] = []
        cursor: str | None = None
        while True:
            params = mcp.types.PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await session.list_tools(params=params)
            tools += page.tools
            cursor = page.next_cursor
            if not cursor:
                break
        specs: list[ToolSpec] = []
        taken: set[str] = set()
        for tool in tools:
            spec = self._spec(config, session, tool, wake)
            if spec is not None and spec.name not in taken:
                taken.add(spec.name)
                specs.append(spec)
        self._registry.replace_group(_source(config.name), specs)

    def _spec(
        self, config: McpServerConfig, session: mcp.ClientSession, tool: mcp.types.Tool, wake: asyncio.Event
    ) -> ToolSpec | None:
        name = mcp_tool_name(config.name, tool.name)
        schema = dict(tool.input_schema or {"type": "object"})
        schema.pop("$schema", None)
        try:
            if name is None:
                raise ValueError("no valid function name")
            check_schema(schema)
        except ValueError as exc:
            log.info("MCP server %s: tool %s left out (%s)", config.name, tool.name, exc)
            return None
        remote = tool.name
        timeout = self._timings.call_timeout_s

        async def handler(args: dict[str, Any]) -> Any:
            try:
                result = await session.call_tool(remote, args, read_timeout_seconds=timeout)
            except ToolError:
                raise
            except Exception as exc:
                wake.set()  # check the server's health now
                raise ToolError(f"The MCP server {config.name} failed: {_reason(exc)}.") from None
            return _result(result)

        return ToolSpec(
            name,
            (tool.description or tool.title or tool.name)[:1000],
            handler,
            schema,
            risk=Risk.REACHES_OUT if isinstance(config, HttpServer) else Risk.CHANGES,
            policy=Policy.ASK,
            timeout_s=timeout + 5.0,
            source=_source(config.name),
        )


def _source(server: str) -> str:
    return f"mcp:{server}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "it did not answer in time"
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_reason(e) for e in exc.exceptions[:3])
    if isinstance(exc, FileNotFoundError):
        return f"the command was not found: {exc.filename or exc}"
    text = str(exc) or type(exc).__name__
    return text[:200]


def _result(result: Any) -> Any:
    if not isinstance(result, mcp.types.CallToolResult):
        raise ToolError("The MCP server answered with something other than a tool result.")
    texts = [block.text for block in result.content if isinstance(block, mcp.types.TextContent)]
    others = len(result.content) - len(texts)
    if result.is_error:
        raise ToolError("\n".join(texts) or "The MCP tool reported an error.")
    out: dict[str, Any] = {"text": "\n".join(texts)}
    if result.structured_content is not None:
        out["structured"] = result.structured_content
    if others:
        out["note"] = f"{others} non-text part(s) (images, resources) were left out."
    return out


@contextlib.asynccontextmanager
async def _connect(config: McpServerConfig) -> AsyncIterator[tuple[Any, Any]]:
    if isinstance(config, StdioServer):
        params = mcp.StdioServerParameters(
            command=config.command, args=list(config.args), env=dict(config.env) or None, cwd=config.cwd
        )
        async with mcp.stdio_client(params) as streams:
            yield streams
    else:
        async with (
            create_mcp_http_client(headers=dict(config.headers)) as client,
            streamable_http_client(config.url, http_client=client) as streams,
        ):
            yield streams
