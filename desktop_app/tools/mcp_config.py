"""MCP server settings: the ``mcpServers`` JSON other MCP clients use, pasted as it is.

Accepted shapes (the ``mcp_servers`` setting holds the text)::

    {"mcpServers": {"files": {"command": "npx", "args": ["-y", "server-files", "/tmp"], "env": {"K": "v"}},
                    "web":   {"url": "https://host/mcp", "headers": {"Authorization": "Bearer …"}}}}

``"servers"`` (VS Code's key) and a bare ``{"name": {...}}`` mapping work too. ``"type"`` may be ``stdio``,
``http`` or ``streamable-http`` (``sse`` is refused: the SDK's streamable HTTP replaced it); an entry with
``"disabled": true`` is skipped. Keys this program does not use (``autoApprove``, ``timeout`` …) are ignored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from desktop_app.core.errors import ConfigError

__all__ = ["HttpServer", "McpServerConfig", "StdioServer", "parse_mcp_servers", "tool_prefix"]


@dataclass(frozen=True, slots=True)
class StdioServer:
    """A server this program starts: ``command`` with ``args``, ``env`` added to a minimal environment."""

    name: str
    command: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None


@dataclass(frozen=True, slots=True)
class HttpServer:
    """A running server reached over streamable HTTP at ``url``, with extra request ``headers``."""

    name: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()


McpServerConfig = StdioServer | HttpServer


def tool_prefix(server_name: str) -> str:
    """The server's name as a function-name prefix: letters, digits, ``_`` and ``-`` only."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", server_name.strip()) or "server"
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"


def parse_mcp_servers(text: str) -> tuple[McpServerConfig, ...]:
    """The servers configured in ``text`` (empty text: none), in the order written.

    Raises:
        ConfigError: the text is not such JSON, or an entry has neither a command nor a URL.
    """
    if not text.strip():
        return ()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} (line {exc.lineno})"
        raise ConfigError(f"The MCP servers setting is not valid JSON: {where}.") from None
    if not isinstance(data, dict):
        raise ConfigError("The MCP servers setting must be a JSON object with an mcpServers entry.")
    servers = data.get("mcpServers", data.get("servers", data))
    if not isinstance(servers, dict):
        raise ConfigError("mcpServers must map each server's name to its settings.")
    out: list[McpServerConfig] = []
    prefixes: set[str] = set()
    for name, entry in servers.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"MCP server {name!r}: its settings must be a JSON object.")
        if entry.get("disabled") is True:
            continue
        server = _one(str(name), entry)
        if tool_prefix(server.name) in prefixes:
            raise ConfigError(f"MCP server {name!r}: another server has the same name once cleaned up.")
        prefixes.add(tool_prefix(server.name))
        out.append(server)
    return tuple(out)


def _one(name: str, entry: dict[str, Any]) -> McpServerConfig:
    kind = str(entry.get("type") or entry.get("transport") or "").lower()
    if kind == "sse":
        raise ConfigError(f"MCP server {name!r}: the SSE transport is not supported; use streamable HTTP.")
    if "url" in entry or kind in ("http", "streamable-http", "streamable_http", "streamablehttp"):
        url = entry.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"MCP server {name!r}: url must be an http:// or https:// address.")
        return HttpServer(name, url, _pairs(name, "headers", entry.get("headers")))
    command = entry.get("command")
    if not isinstance(command, str) or not command.strip():
        raise ConfigError(f"MCP server {name!r} needs a command (stdio) or a url (HTTP).")
    args = entry.get("args") or []
    if not isinstance(args, list) or not all(isinstance(a, str | int | float) for a in args):
        raise ConfigError(f"MCP server {name!r}: args must be a list of strings.")
    cwd = entry.get("cwd")
    if cwd is not None and not isinstance(cwd, str):
        raise ConfigError(f"MCP server {name!r}: cwd must be a path.")
    return StdioServer(name, command, tuple(str(a) for a in args), _pairs(name, "env", entry.get("env")), cwd)


def _pairs(name: str, key: str, value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(v, str | int | float) for v in value.values()):
        raise ConfigError(f"MCP server {name!r}: {key} must map names to strings.")
    return tuple((str(k), str(v)) for k, v in value.items())
