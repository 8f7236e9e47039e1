"""Tool settings: the TOOLS section, the mcpServers JSON as other clients write it, --allow/--deny-tool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli import _overrides, _with_cli_tools, build_parser
from desktop_app.config import Section, Settings, changed_sections, load_settings, save_settings, section_of
from desktop_app.core.errors import ConfigError
from desktop_app.tools.mcp_config import HttpServer, StdioServer, parse_mcp_servers, tool_prefix

CLAUDE_DESKTOP = """{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"],
      "env": {"DEBUG": "1"}
    },
    "remote": {"url": "https://example.invalid/mcp", "headers": {"Authorization": "Bearer x"}},
    "off": {"command": "nothing", "disabled": true}
  }
}"""


def test_the_common_mcp_servers_json_parses_as_pasted() -> None:
    assert parse_mcp_servers(CLAUDE_DESKTOP) == (
        StdioServer(
            "filesystem",
            "npx",
            ("-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"),
            (("DEBUG", "1"),),
        ),
        HttpServer("remote", "https://example.invalid/mcp", (("Authorization", "Bearer x"),)),
    )


def test_vs_code_servers_key_and_a_bare_mapping_parse_too() -> None:
    vscode = {"servers": {"w": {"type": "http", "url": "http://127.0.0.1:1/mcp"}}}
    assert parse_mcp_servers(json.dumps(vscode)) == (HttpServer("w", "http://127.0.0.1:1/mcp"),)
    bare = {"t": {"type": "stdio", "command": "python", "args": ["s.py", 3]}}
    assert parse_mcp_servers(json.dumps(bare)) == (StdioServer("t", "python", ("s.py", "3")),)
    assert parse_mcp_servers("  ") == ()


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1]",
        '{"mcpServers": []}',
        '{"mcpServers": {"a": 1}}',
        '{"mcpServers": {"a": {}}}',
        '{"mcpServers": {"a": {"type": "sse", "url": "http://x"}}}',
        '{"mcpServers": {"a": {"url": "ftp://x"}}}',
        '{"mcpServers": {"a": {"command": "x", "args": "not a list"}}}',
        '{"mcpServers": {"a": {"command": "x", "env": {"K": [1]}}}}',
        '{"mcpServers": {"a b": {"command": "x"}, "a_b": {"command": "y"}}}',
    ],
)
def test_bad_mcp_settings_are_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_mcp_servers(text)


def test_server_names_become_valid_prefixes() -> None:
    assert tool_prefix("my files!") == "my_files_" and tool_prefix("9lives") == "_9lives"


def test_tool_settings_form_their_own_section_and_round_trip(tmp_path: Path) -> None:
    for name in ("tools_enabled", "tool_policies", "tool_consent_timeout_s", "mcp_servers"):
        assert section_of(name) is Section.TOOLS
    base = Settings()
    changed = Settings(tool_policies=("clock=allow",), mcp_servers=CLAUDE_DESKTOP)
    assert changed_sections(base, changed) == {Section.TOOLS}
    path = save_settings(changed, tmp_path / "settings.json")
    assert load_settings(env={}, path=path) == changed
    with pytest.raises(ConfigError):
        Settings(tool_policies=("clock=sometimes",))
    with pytest.raises(ConfigError):
        Settings(mcp_servers="{bad")
    with pytest.raises(ConfigError):
        Settings(tool_consent_timeout_s=1.0)


def test_allow_and_deny_tool_flags_set_policies_over_the_saved_ones(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"tool_policies": ["open_url=deny", "read_clipboard=ask"]}))
    argv = ["--headless", "--allow-tool", "open_url", "--allow-tool", "x", "--deny-tool", "x"]
    args = build_parser().parse_args(argv)
    s = _with_cli_tools(load_settings(_overrides(args), env={}, path=path), args)
    assert s.tool_policies == ("open_url=allow", "read_clipboard=ask", "x=deny")
    plain = build_parser().parse_args([])
    assert _with_cli_tools(Settings(), plain) == Settings()
