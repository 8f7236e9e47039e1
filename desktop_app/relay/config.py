"""The relay's settings in one frozen value (what ``--relay-host/--relay-port/--allow-origin`` set).

Dead and idle clients: a connection that completes no ``setup`` within ``setup_timeout_s`` is closed
(1008 "Setup timeout…"); after the setup, WebSocket keepalive pings every ``ping_interval_s`` drop a peer
that does not answer within ``ping_timeout_s`` (a dead TCP peer, a frozen tab). A page that sits silent
but answers pings (browsers answer them by themselves) is never dropped: users sit silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.relay.protocol_values import ProtocolLimits

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "RelayConfig"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9080


@dataclass(frozen=True, slots=True)
class RelayConfig:
    """How the relay listens and what it tolerates.

    ``port=0`` picks a free port (tests). ``web_root=None`` serves the bundled page
    (:func:`desktop_app.relay.web.web_root`).
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    allow_origins: tuple[str, ...] = ()
    max_message_bytes: int = 1024 * 1024
    """Largest browser frame; bigger ones close the connection with 1009 (websockets ``max_size``)."""
    send_queue_frames: int = 1024
    """Frames queued per browser; above half, the live session's events wait (see :mod:`.outbox`)."""
    stall_timeout_s: float = 10.0
    """How long the queue may stay above half before the browser counts as not reading (1008)."""
    max_clients: int = 32
    """Concurrent browser connections (each holds a live session); more get ``{"error":
    {"code": "too_many_clients"}}`` and close 1013 "Too many clients…" (a reason the page can show)."""
    setup_timeout_s: float = 10.0
    """How long a new connection may take to send a valid ``setup`` before it is closed (1008)."""
    ping_interval_s: float | None = 20.0
    """Seconds between keepalive pings to each browser (None: none; a dead peer lingers until TCP notices)."""
    ping_timeout_s: float | None = 20.0
    """A browser that has not answered a ping after this long is dropped (None: never)."""
    close_timeout_s: float = 2.0
    """How long to wait for the browser's side of a closing handshake."""
    limits: ProtocolLimits = field(default_factory=ProtocolLimits)
    """Per-connection error budget and inbound rate limit."""
    web_root: Path | None = None

    def __post_init__(self) -> None:
        if self.max_clients < 1:
            raise ValueError("max_clients must be at least 1")
        if self.setup_timeout_s <= 0 or self.close_timeout_s <= 0:
            raise ValueError("setup_timeout_s and close_timeout_s must be > 0")
        for name in ("ping_interval_s", "ping_timeout_s"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be > 0 or None")
