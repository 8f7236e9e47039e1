"""The browser protocol codec: JSON text frames ⇄ typed messages (DESIGN.md §4). No I/O, no state.

Decoding never raises on bad input: :func:`decode_frame` returns a :class:`ProtocolError` value instead,
and a ``realtime_input`` message with some bad chunks still yields its good ones. Field names are
accepted in snake_case (the tutorial's page) and lowerCamelCase (the Live API's canonical JSON); base64
in the standard or the URL-safe alphabet. The ``setup`` body is decoded by
:mod:`desktop_app.relay.setup_codec`.

Encoding: one function per reply kind, each returning the compact JSON text to send.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from typing import Final

from desktop_app.core.audio_format import MIC_FORMAT, PcmFormat
from desktop_app.core.commands import UserAudio, UserImage, UserText
from desktop_app.relay.json_fields import short, snake, snake_fields, type_error
from desktop_app.relay.messages import (
    ClientMessage,
    ErrorCode,
    MediaChunk,
    ProtocolError,
    RealtimeInput,
)
from desktop_app.relay.setup_codec import decode_setup

__all__ = [
    "IMAGE_MIME_TYPES",
    "MAX_TEXT_CHARS",
    "decode_base64",
    "decode_frame",
    "encode_audio",
    "encode_error",
    "encode_flag",
    "encode_session_state",
    "encode_text",
    "encode_transcription",
    "parse_audio_mime",
]

IMAGE_MIME_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/webp"})
"""Frame formats forwarded as video (what the Live API accepts for images)."""

MIN_AUDIO_RATE: Final = 8_000
MAX_AUDIO_RATE: Final = 48_000
MAX_TEXT_CHARS: Final = 32_000

_URLSAFE_TO_STANDARD: Final = str.maketrans("-_", "+/")
_MIME_RATE: Final = re.compile(r"^\s*rate\s*=\s*(\d{1,6})\s*$", re.IGNORECASE)

_KINDS: Final = ("setup", "realtime_input", "client_content")


def decode_base64(text: str) -> bytes | None:
    """Decode standard or URL-safe base64 (padding optional); ``None`` when it is not base64."""
    if not text.isascii():
        return None
    data = text.strip()
    if "-" in data or "_" in data:
        data = data.translate(_URLSAFE_TO_STANDARD)
    missing = -len(data) % 4
    if missing == 3:
        return None
    try:
        return binascii.a2b_base64(data + "=" * missing, strict_mode=True)
    except (binascii.Error, ValueError):
        return None


@functools.lru_cache(maxsize=64)
def parse_audio_mime(mime_type: str) -> PcmFormat | None:
    """``audio/pcm`` (16 kHz, as the tutorial sends it) or ``audio/pcm;rate=N``; ``None`` otherwise."""
    base, _, params = mime_type.partition(";")
    if base.strip().lower() != "audio/pcm":
        return None
    if not params.strip():
        return MIC_FORMAT
    match = _MIME_RATE.match(params)
    if match is None:
        return None
    rate = int(match.group(1))
    if not MIN_AUDIO_RATE <= rate <= MAX_AUDIO_RATE:
        return None
    return PcmFormat(rate=rate)


# --- decoding -------------------------------------------------------------------------------------


def decode_frame(frame: str | bytes) -> ClientMessage | ProtocolError:
    """Decode one WebSocket frame from the browser. Never raises on bad input.

    Binary frames are refused (the protocol is JSON text); the caller decides whether an error is fatal
    for the connection (the codec only marks those that always are).
    """
    if isinstance(frame, bytes | bytearray | memoryview):
        return ProtocolError(
            ErrorCode.BINARY_FRAME,
            "Binary frames are not part of this protocol; send JSON text frames.",
        )
    try:
        obj = json.loads(frame)
    except (ValueError, RecursionError):
        return ProtocolError(ErrorCode.BAD_JSON, "The message is not valid JSON.")
    if not isinstance(obj, dict) or len(obj) != 1:
        return ProtocolError(
            ErrorCode.NOT_AN_OBJECT,
            "A message must be a JSON object with exactly one of: " + ", ".join(_KINDS) + ".",
        )
    [(raw_kind, body)] = obj.items()
    kind = snake(raw_kind)
    if kind == "setup":
        return decode_setup(body)
    if kind == "realtime_input":
        return decode_realtime_input(body)
    if kind == "client_content":
        return decode_client_content(body)
    return ProtocolError(
        ErrorCode.UNKNOWN_KIND,
        f"Unknown message kind '{short(raw_kind)}'; expected one of: " + ", ".join(_KINDS) + ".",
    )


def decode_realtime_input(body: object) -> RealtimeInput | ProtocolError:
    """``{"media_chunks": [...]}`` and/or ``{"audio_stream_end": true}``, chunk by chunk."""
    if not isinstance(body, dict):
        return type_error("realtime_input", "an object")
    fields = snake_fields(body)
    unknown = [n for n in fields if n not in ("media_chunks", "audio_stream_end")]
    if unknown:
        return ProtocolError(
            ErrorCode.WRONG_TYPE,
            f"Unknown field 'realtime_input.{short(unknown[0])}'; "
            "expected 'media_chunks' or 'audio_stream_end'.",
        )
    stream_end = fields.get("audio_stream_end", False)
    if not isinstance(stream_end, bool):
        return type_error("realtime_input.audio_stream_end", "true or false")
    raw_chunks = fields.get("media_chunks", [])
    if not isinstance(raw_chunks, list):
        return type_error("realtime_input.media_chunks", "a list")
    chunks: list[MediaChunk] = []
    problems: list[ProtocolError] = []
    skipped = 0
    for index, raw in enumerate(raw_chunks):
        got = _decode_chunk(raw, index)
        if got is None:
            skipped += 1
        elif isinstance(got, ProtocolError):
            problems.append(got)
        else:
            chunks.append(got)
    return RealtimeInput(
        chunks=tuple(chunks),
        skipped=skipped,
        problems=tuple(problems),
        audio_stream_end=stream_end,
    )


def _decode_chunk(raw: object, index: int) -> MediaChunk | ProtocolError | None:
    where = f"media_chunks[{index}]"
    if not isinstance(raw, dict):
        return type_error(where, "an object with 'mime_type' and 'data'")
    fields = snake_fields(raw)
    mime = fields.get("mime_type")
    if not isinstance(mime, str):
        return type_error(f"{where}.mime_type", "a string")
    data = fields.get("data")
    if data is None or data == "":
        return None  # the tutorial's page before its first camera frame: skip, not fatal
    if not isinstance(data, str):
        return type_error(f"{where}.data", "a base64 string")
    fmt = parse_audio_mime(mime)
    image_mime = mime.strip().lower()
    if fmt is None and image_mime not in IMAGE_MIME_TYPES:
        return ProtocolError(
            ErrorCode.UNKNOWN_MIME,
            f"{where}: unsupported mime_type '{short(mime)}'; use audio/pcm (16-bit, 16 kHz, "
            "optionally ;rate=N) or " + ", ".join(sorted(IMAGE_MIME_TYPES)) + ".",
        )
    payload = decode_base64(data)
    if payload is None:
        return ProtocolError(ErrorCode.BAD_BASE64, f"{where}.data is not valid base64.")
    if not payload:
        return None
    if fmt is not None:
        if len(payload) % fmt.bytes_per_frame:
            return ProtocolError(
                ErrorCode.BAD_AUDIO,
                f"{where}: audio must be whole 16-bit samples (got {len(payload)} bytes).",
            )
        return UserAudio(pcm=payload, fmt=fmt)
    return UserImage(data=payload, mime_type=image_mime)


def decode_client_content(body: object) -> UserText | ProtocolError:
    """``{"text": "…"}``: a typed user turn."""
    if not isinstance(body, dict):
        return type_error("client_content", 'an object like {"text": "…"}')
    fields = snake_fields(body)
    if set(fields) != {"text"}:
        return type_error("client_content", "an object with only a 'text' field")
    text = fields["text"]
    if not isinstance(text, str):
        return type_error("client_content.text", "a string")
    if not text.strip():
        return type_error("client_content.text", "a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        return type_error("client_content.text", f"at most {MAX_TEXT_CHARS} characters")
    return UserText(text=text)


# --- encoding -------------------------------------------------------------------------------------


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def encode_text(text: str) -> str:
    """``{"text": …}``: the tutorial's text reply (model text, or the transcription for TEXT clients)."""
    return _dumps({"text": text})


def encode_audio(pcm: bytes) -> str:
    """``{"audio": "<base64 PCM16LE 24 kHz mono>"}``: the tutorial's audio reply."""
    # Base64 needs no JSON escaping, so the frame is assembled directly (this is the hot path).
    return '{"audio":"' + base64.b64encode(pcm).decode("ascii") + '"}'


def encode_flag(name: str) -> str:
    """``{"<name>": true}`` for ``setup_complete``, ``turn_complete`` and ``interrupted``."""
    return _dumps({name: True})


def encode_transcription(which: str, text: str) -> str:
    """``{"input_transcription": …}`` or ``{"output_transcription": …}``."""
    return _dumps({which: text})


def encode_error(code: str, message: str) -> str:
    """``{"error": {"code": …, "message": …}}``. The caller must have redacted ``message``."""
    return _dumps({"error": {"code": code, "message": message}})


def encode_session_state(state: str) -> str:
    """``{"session": {"state": "connected" | "reconnecting" | "closed"}}``."""
    return _dumps({"session": {"state": state}})
