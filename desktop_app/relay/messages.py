"""Typed values for the browser ⇄ relay protocol (DESIGN.md §4).

What the codec (:mod:`desktop_app.relay.codec`) turns browser JSON into, and the error value it returns
instead of raising. Media chunks and typed turns decode straight into the core outbound commands
(:mod:`desktop_app.core.commands`); only the setup and the errors are relay concepts. These are plain
frozen values with no behaviour; the per-connection state machine (:mod:`desktop_app.relay.protocol`)
decides what to do with them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from desktop_app.core.commands import UserAudio, UserImage, UserText
from desktop_app.live.options import Modality

__all__ = [
    "BrowserSetup",
    "ClientMessage",
    "ErrorCode",
    "MediaChunk",
    "ProtocolError",
    "RealtimeInput",
]


class ErrorCode(enum.StrEnum):
    """The ``code`` of an ``{"error": {"code", "message"}}`` reply. Stable: pages may switch on them.

    A failed live session is reported with its error's kind as the code instead (``auth``, ``server_error``,
    ``connection_lost``, ``reconnect_gave_up``…).
    """

    BAD_JSON = "bad_json"
    """The text frame is not JSON (or not UTF-8)."""
    NOT_AN_OBJECT = "not_an_object"
    """The JSON is valid but not an object with exactly one key."""
    UNKNOWN_KIND = "unknown_kind"
    """The object's key is not ``setup``, ``realtime_input`` or ``client_content``."""
    WRONG_TYPE = "wrong_type"
    """A field has the wrong JSON type or an unknown name."""
    UNKNOWN_MIME = "unknown_mime"
    """A media chunk's ``mime_type`` is not one the relay forwards."""
    BAD_BASE64 = "bad_base64"
    """A media chunk's ``data`` is not base64."""
    BAD_AUDIO = "bad_audio"
    """Audio bytes that are not whole 16-bit samples."""
    BINARY_FRAME = "binary_frame"
    """A binary WebSocket frame; the protocol is JSON text frames."""
    SETUP_REQUIRED = "setup_required"
    """A message came before the ``setup`` message."""
    SETUP_TIMEOUT = "setup_timeout"
    """No valid ``setup`` arrived in time; the connection is closed (1008)."""
    SETUP_REPEATED = "setup_repeated"
    """A second ``setup``; the session is already configured."""
    INVALID_SETUP = "invalid_setup"
    """The setup asks for something the relay cannot do; send a corrected setup."""
    IGNORED_SETUP_FIELDS = "ignored_setup_fields"
    """A notice: setup fields the relay chooses itself (model, tools, …) were ignored."""
    TOO_MANY_ERRORS = "too_many_errors"
    """The client kept sending invalid messages; the connection is closed."""
    RATE_LIMITED = "rate_limited"
    """The client sent more messages per second than the relay takes; this one was dropped."""
    TOO_MANY_CLIENTS = "too_many_clients"
    """The relay serves its maximum number of browsers; the connection is closed (1013)."""


@dataclass(frozen=True, slots=True)
class ProtocolError:
    """A problem with something the browser sent. The codec returns it, never raises it.

    ``message`` is a sentence for people (it never echoes the client's data back beyond a short name).
    ``fatal`` errors end the connection; all others are answered and the connection goes on.
    """

    code: ErrorCode
    message: str
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class BrowserSetup:
    """The whitelisted part of the browser's ``setup``. ``None`` means "the relay's default".

    ``modality`` is what the browser wants to *receive*; the relay always opens the live session with
    AUDIO plus output transcription and converts (DESIGN.md §4).
    """

    modality: Modality = Modality.AUDIO
    voice: str | None = None
    system_instruction: str | None = None
    input_transcription: bool | None = None
    output_transcription: bool | None = None
    ignored: tuple[str, ...] = ()
    """Dotted names of setup fields the relay ignored (model, tools, temperature, …)."""


MediaChunk = UserAudio | UserImage
"""One decoded ``media_chunks`` entry: microphone audio or a camera frame, as the core command it becomes."""


@dataclass(frozen=True, slots=True)
class RealtimeInput:
    """A ``realtime_input`` message, translated chunk by chunk.

    Good chunks are in ``chunks`` even when others in the same message were bad (``problems``).
    ``skipped`` counts chunks with no data: the tutorial's page sends an image chunk without ``data``
    before its camera delivered a frame, and that is not an error.
    """

    chunks: tuple[MediaChunk, ...] = ()
    skipped: int = 0
    problems: tuple[ProtocolError, ...] = ()
    audio_stream_end: bool = False


ClientMessage = BrowserSetup | RealtimeInput | UserText
"""What one valid browser frame decodes to (a typed turn is already the core command)."""
