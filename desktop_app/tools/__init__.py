"""Tools: what the assistant may do on this machine, with the user's consent.

The pieces, each in its own module: :mod:`.spec` (what a tool is), :mod:`.registry` (the tools of this run),
:mod:`.policy` (allow / ask / deny, persisted), :mod:`.consent` (the port that asks the user), :mod:`.calls`
(the sans-I/O book that makes every call get exactly one answer), :mod:`.runtime` (the async shell the session
feeds), the built-in desktop tools (:mod:`.builtins` assembles them) and MCP servers (:mod:`.mcp_config`,
:mod:`.mcp_servers`).
"""
