"""Tools: what the assistant may do on this machine, with the user's consent.

Start at :mod:`.suite` (``ToolSuite.from_settings``: everything below, assembled for one run). The pieces:
:mod:`.spec` (what a tool is), :mod:`.registry` (the tools of this run), :mod:`.policy` (allow / ask / deny,
persisted), :mod:`.consent` (the port that asks the user), :mod:`.calls` (the sans-I/O book that gives every
call exactly one answer), :mod:`.runtime` (the async shell the session feeds), the built-in tools
(:mod:`.builtins` lists them; :mod:`.ports` holds the desktop ports and their fallbacks, :mod:`.timers`) and
MCP servers (:mod:`.mcp_config`, :mod:`.mcp_servers`). The README's Tools section is docs/tools.md.
"""
