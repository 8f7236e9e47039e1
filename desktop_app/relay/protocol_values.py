"""The values the relay protocol state machine (:mod:`desktop_app.relay.protocol`) takes and returns.

The actions the I/O shell carries out (:class:`OpenSession`, :class:`Forward`, :class:`Reply`,
:class:`Close`), the close codes, the per-connection limits and counters. Plain values, no behaviour.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields

from desktop_app.core.commands import Command
from desktop_app.live.options import SessionOptions

__all__ = [
    "Action",
    "ClientStats",
    "Close",
    "CloseCode",
    "Forward",
    "OpenSession",
    "Phase",
    "ProtocolLimits",
    "Reply",
    "close_reason",
]


class CloseCode(enum.IntEnum):
    """WebSocket close codes the relay uses."""

    NORMAL = 1000
    GOING_AWAY = 1001
    POLICY = 1008  # too many bad messages, no setup in time, send queue overflow
    TOO_BIG = 1009  # websockets' own max_size enforcement
    UPSTREAM_FAILED = 1011  # the live session failed for a fatal reason (key, 1007, 1008)
    TRY_AGAIN_LATER = 1013  # the live session kept dropping (reconnect cap reached), or too many clients


class Phase(enum.StrEnum):
    AWAITING_SETUP = "awaiting_setup"
    LIVE = "live"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class OpenSession:
    options: SessionOptions


@dataclass(frozen=True, slots=True)
class Forward:
    command: Command


@dataclass(frozen=True, slots=True)
class Reply:
    frame: str
    audio: bool = False
    """An ``{"audio"}`` frame: may be dropped from the send queue when the model is interrupted."""
    flush_audio: bool = False
    """Drop audio still queued for the browser before queueing this frame (``{"interrupted"}``)."""


@dataclass(frozen=True, slots=True)
class Close:
    code: int
    reason: str


Action = OpenSession | Forward | Reply | Close


@dataclass(frozen=True, slots=True)
class ProtocolLimits:
    max_errors: int = 64
    """Bad messages tolerated per connection before it is closed (1008)."""
    rate_per_s: float = 200.0
    """Inbound messages per second a connection may send on average (0 = no limit). Our page sends about
    51 (20 ms audio plus 1 camera frame), the tutorial's page one every 3 s."""
    rate_burst: int = 400
    """Inbound messages a connection may send at once before the rate applies."""

    def __post_init__(self) -> None:
        if self.max_errors < 1:
            raise ValueError("max_errors must be at least 1")
        if self.rate_per_s < 0 or self.rate_burst < 1:
            raise ValueError("rate_per_s must be >= 0 and rate_burst >= 1")


@dataclass(slots=True)
class ClientStats:
    """Per-connection counters, shown by ``GET /status``."""

    messages_in: int = 0
    bytes_in: int = 0
    messages_out: int = 0
    bytes_out: int = 0
    audio_chunks_in: int = 0
    frames_in: int = 0
    texts_in: int = 0
    chunks_skipped: int = 0
    audio_out: int = 0
    errors_sent: int = 0
    audio_dropped: int = 0
    rate_limited: int = 0
    """Inbound messages dropped for exceeding the rate limit (each answered with ``rate_limited``)."""
    reconnects: int = 0
    """Times the live session reported being live again after reconnecting."""

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def close_reason(text: str) -> str:
    """``text`` cut to the 123-byte limit of a WebSocket close reason, on a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= 123:
        return text
    return encoded[:120].decode("utf-8", errors="ignore") + "…"
