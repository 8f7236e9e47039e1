"""The relay's settings in one frozen value (what ``--relay-host/--relay-port/--allow-origin`` set)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.relay.protocol import ProtocolLimits

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
    """Concurrent browser connections (each holds a live session); more are refused with 503."""
    setup_timeout_s: float = 30.0
    """How long a new connection may take to send its ``setup``."""
    close_timeout_s: float = 2.0
    """How long to wait for the browser's side of a closing handshake."""
    limits: ProtocolLimits = field(default_factory=ProtocolLimits)
    web_root: Path | None = None
