"""Why a browser connection ended, in the words ``/status`` totals and the logs use."""

from __future__ import annotations

from websockets.asyncio.server import ServerConnection

__all__ = ["why_closed"]

_KEEPALIVE_TIMEOUT = "keepalive ping timeout"  # the close reason websockets sends when a pong never came


def why_closed(ws: ServerConnection, close: tuple[int, str] | None) -> str:
    """``close``'s reason when the relay chose to close; ``unresponsive`` (no pong to a keepalive ping),
    ``closed by the relay (code)`` or ``left`` (the browser closed) otherwise."""
    if close is not None:
        return close[1] or "closed"
    protocol = ws.protocol
    sent = protocol.close_sent
    if sent is not None and sent.reason == _KEEPALIVE_TIMEOUT:
        return "unresponsive"
    if sent is not None and not protocol.close_rcvd_then_sent:
        return f"closed by the relay ({sent.code})"
    return "left"
