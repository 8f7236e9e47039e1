"""A small real MCP server for the tests, written with the SDK's server API (MCPServer, mcp 2.x's FastMCP).

Run ``python tests/support/mcp_test_server.py`` for stdio, or ``… http`` for streamable HTTP on a free
loopback port (uvicorn prints the port it bound on stderr).
"""

from __future__ import annotations

import os
import sys

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("test-server")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def shout(text: str) -> str:
    """The text in capitals."""
    return text.upper()


@server.tool()
def refuse(reason: str) -> str:
    """Always fails with the reason given."""
    raise ToolError(reason)  # a tool error the client sees (other exceptions are hidden)


@server.tool()
async def slow(seconds: float) -> str:
    """Answers after ``seconds``."""
    await anyio.sleep(seconds)
    return "done"


def _extra(x: str) -> str:
    """A tool that appears after grow() is called."""
    return f"extra {x}"


@server.tool()
async def grow(ctx: Context) -> str:
    """Adds the tool ``extra`` and tells the client its tool list changed."""
    server.add_tool(_extra, name="extra")
    await ctx.session.send_tool_list_changed()
    return "grown"


@server.tool()
def crash() -> str:
    """Ends the server process at once (a crash)."""
    os._exit(3)


@server.tool()
def pid() -> int:
    """This server's process id."""
    return os.getpid()


@server.tool()
def env_value(name: str) -> str:
    """The value of an environment variable in the server process."""
    return os.environ.get(name, "")


if __name__ == "__main__":
    if sys.argv[1:2] == ["http"]:
        server.run("streamable-http", host="127.0.0.1", port=0)
    else:
        server.run()
