"""The browser protocol codec: JSON text frames ⇄ typed messages (DESIGN.md §4). No I/O, no state.

Decoding never raises on bad input: :func:`decode_frame` returns a :class:`ProtocolError` value instead,
and a ``realtime_input`` message with some bad chunks still yields its good ones. Field names are
accepted in snake_case (the tutorial's page) and lowerCamelCase (the Live API's canonical JSON); base64
in the standard or the URL-safe alphabet.

Encoding: one function per reply kind, each returning the compact JSON text to send.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from desktop_app.core.audio_format import MIC_FORMAT, PcmFormat
from desktop_app.core.commands import UserAudio, UserImage, UserText
from desktop_app.live.options import VOICES, Modality, canonical_voice
from desktop_app.relay.messages import (
    BrowserSetup,
    ClientMessage,
    ErrorCode,
    MediaChunk,
    ProtocolError,
    RealtimeInput,
)

__all__ = [
    "IMAGE_MIME_TYPES",
    "MAX_SYSTEM_INSTRUCTION_CHARS",
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
MAX_SYSTEM_INSTRUCTION_CHARS: Final = 32_000

_URLSAFE_TO_STANDARD: Final = str.maketrans("-_", "+/")
_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MIME_RATE: Final = re.compile(r"^\s*rate\s*=\s*(\d{1,6})\s*$", re.IGNORECASE)

_KINDS: Final = ("setup", "realtime_input", "client_content")


# --- helpers --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _snake(key: str) -> str:
    """``responseModalities`` → ``response_modalities``; snake_case names pass through."""
    return _CAMEL_BOUNDARY.sub("_", key).lower()


def _fields(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object's fields keyed by snake_case name (the last spelling wins when both appear)."""
    if all(k.islower() for k in obj):  # already snake_case (or one word): the common case, no copy
        return obj
    return {_snake(k): v for k, v in obj.items()}


def _type_error(where: str, expected: str) -> ProtocolError:
    return ProtocolError(ErrorCode.WRONG_TYPE, f"'{where}' must be {expected}.")


def _short(name: str, limit: int = 40) -> str:
    """A client-supplied name shortened for an error message (never echo large client data)."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in name[:limit])
    return printable + ("…" if len(name) > limit else "")


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
    kind = _snake(raw_kind)
    if kind == "setup":
        return decode_setup(body)
    if kind == "realtime_input":
        return decode_realtime_input(body)
    if kind == "client_content":
        return decode_client_content(body)
    return ProtocolError(
        ErrorCode.UNKNOWN_KIND,
        f"Unknown message kind '{_short(raw_kind)}'; expected one of: " + ", ".join(_KINDS) + ".",
    )


_SETUP_FIELDS: Final = frozenset(
    {
        "generation_config",
        "system_instruction",
        "speech_config",
        "input_audio_transcription",
        "output_audio_transcription",
    }
)
_GENERATION_FIELDS: Final = frozenset({"response_modalities", "speech_config"})


def decode_setup(body: object) -> BrowserSetup | ProtocolError:
    """Validate and whitelist the browser's ``setup`` body (the model and key stay the relay's)."""
    if not isinstance(body, dict):
        return _invalid_setup("'setup' must be an object.")
    fields = _fields(body)
    ignored = [name for name in fields if name not in _SETUP_FIELDS]

    modality = Modality.AUDIO
    voice: str | None = None
    gen = fields.get("generation_config")
    if gen is not None:
        if not isinstance(gen, dict):
            return _invalid_setup("'setup.generation_config' must be an object.")
        gen_fields = _fields(gen)
        ignored += [f"generation_config.{n}" for n in gen_fields if n not in _GENERATION_FIELDS]
        mod = _decode_modalities(gen_fields.get("response_modalities"))
        if isinstance(mod, ProtocolError):
            return mod
        modality = mod
        if gen_fields.get("speech_config") is not None:
            got = _decode_speech_config(gen_fields["speech_config"], "generation_config.")
            if isinstance(got, ProtocolError):
                return got
            voice, more_ignored = got
            ignored += more_ignored

    if fields.get("speech_config") is not None:
        got = _decode_speech_config(fields["speech_config"], "")
        if isinstance(got, ProtocolError):
            return got
        voice, more_ignored = got
        ignored += more_ignored

    instruction = _decode_system_instruction(fields.get("system_instruction"))
    if isinstance(instruction, ProtocolError):
        return instruction

    flags: list[bool | None] = []
    for name in ("input_audio_transcription", "output_audio_transcription"):
        flag = _decode_switch(fields.get(name, None), name, present=name in fields)
        if isinstance(flag, ProtocolError):
            return flag
        flags.append(flag)

    return BrowserSetup(
        modality=modality,
        voice=voice,
        system_instruction=instruction,
        input_transcription=flags[0],
        output_transcription=flags[1],
        ignored=tuple(_short(n, 60) for n in ignored),
    )


def _invalid_setup(message: str) -> ProtocolError:
    return ProtocolError(ErrorCode.INVALID_SETUP, message + " Send a corrected setup message.")


def _decode_modalities(value: object) -> Modality | ProtocolError:
    if value is None:
        return Modality.AUDIO
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return _invalid_setup('\'response_modalities\' must be a list like ["AUDIO"] or ["TEXT"].')
    wanted = {v.upper() for v in value}
    if not wanted:
        return Modality.AUDIO
    if len(wanted) > 1:
        return _invalid_setup('Choose one response modality: ["AUDIO"] or ["TEXT"], not both.')
    [name] = wanted
    if name not in Modality.__members__:
        return _invalid_setup(f"Unknown response modality '{_short(name)}'; use AUDIO or TEXT.")
    return Modality(name)


def _decode_speech_config(value: object, prefix: str) -> tuple[str, list[str]] | ProtocolError:
    """``{"voice_config": {"prebuilt_voice_config": {"voice_name": "Puck"}}}`` → ("Puck", ignored)."""
    where = f"{prefix}speech_config"
    if not isinstance(value, dict):
        return _invalid_setup(f"'{where}' must be an object.")
    fields = _fields(value)
    ignored = [f"{where}.{n}" for n in fields if n != "voice_config"]
    voice_config = fields.get("voice_config")
    if not isinstance(voice_config, dict):
        return _invalid_setup(f"'{where}.voice_config' must be an object.")
    prebuilt = _fields(voice_config).get("prebuilt_voice_config")
    if not isinstance(prebuilt, dict):
        return _invalid_setup(f"'{where}.voice_config.prebuilt_voice_config' must be an object.")
    name = _fields(prebuilt).get("voice_name")
    if not isinstance(name, str):
        return _invalid_setup(f"'{where}…voice_name' must be a string.")
    voice = canonical_voice(name)
    if voice is None:
        return _invalid_setup(f"Unknown voice '{_short(name)}'; choose one of: {', '.join(VOICES)}.")
    return voice, ignored


def _decode_system_instruction(value: object) -> str | ProtocolError | None:
    """A string, or a Content object ``{"parts": [{"text": …}, …]}`` whose texts are joined."""
    if value is None:
        return None
    if isinstance(value, dict):
        parts = _fields(value).get("parts")
        if not isinstance(parts, list) or not all(
            isinstance(p, dict) and isinstance(_fields(p).get("text"), str) for p in parts
        ):
            return _invalid_setup('\'system_instruction\' must be a string or {"parts": [{"text": …}]}.')
        value = "\n".join(_fields(p)["text"] for p in parts)
    if not isinstance(value, str):
        return _invalid_setup("'system_instruction' must be a string.")
    if len(value) > MAX_SYSTEM_INSTRUCTION_CHARS:
        return _invalid_setup(
            f"'system_instruction' is longer than {MAX_SYSTEM_INSTRUCTION_CHARS} characters."
        )
    return value.strip() or None


def _decode_switch(value: object, name: str, *, present: bool) -> bool | ProtocolError | None:
    """Transcription switches: ``{}`` (the API's form) or ``true`` enable; ``false``/``null`` disable."""
    if not present:
        return None
    if value is None or value is False:
        return False
    if value is True or isinstance(value, dict):
        return True
    return _invalid_setup(f"'{name}' must be {{}}, true or false.")


def decode_realtime_input(body: object) -> RealtimeInput | ProtocolError:
    """``{"media_chunks": [...]}`` and/or ``{"audio_stream_end": true}``, chunk by chunk."""
    if not isinstance(body, dict):
        return _type_error("realtime_input", "an object")
    fields = _fields(body)
    unknown = [n for n in fields if n not in ("media_chunks", "audio_stream_end")]
    if unknown:
        return ProtocolError(
            ErrorCode.WRONG_TYPE,
            f"Unknown field 'realtime_input.{_short(unknown[0])}'; "
            "expected 'media_chunks' or 'audio_stream_end'.",
        )
    stream_end = fields.get("audio_stream_end", False)
    if not isinstance(stream_end, bool):
        return _type_error("realtime_input.audio_stream_end", "true or false")
    raw_chunks = fields.get("media_chunks", [])
    if not isinstance(raw_chunks, list):
        return _type_error("realtime_input.media_chunks", "a list")
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
        return _type_error(where, "an object with 'mime_type' and 'data'")
    fields = _fields(raw)
    mime = fields.get("mime_type")
    if not isinstance(mime, str):
        return _type_error(f"{where}.mime_type", "a string")
    data = fields.get("data")
    if data is None or data == "":
        return None  # the tutorial's page before its first camera frame: skip, not fatal
    if not isinstance(data, str):
        return _type_error(f"{where}.data", "a base64 string")
    fmt = parse_audio_mime(mime)
    image_mime = mime.strip().lower()
    if fmt is None and image_mime not in IMAGE_MIME_TYPES:
        return ProtocolError(
            ErrorCode.UNKNOWN_MIME,
            f"{where}: unsupported mime_type '{_short(mime)}'; use audio/pcm (16-bit, 16 kHz, "
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
        return _type_error("client_content", 'an object like {"text": "…"}')
    fields = _fields(body)
    if set(fields) != {"text"}:
        return _type_error("client_content", "an object with only a 'text' field")
    text = fields["text"]
    if not isinstance(text, str):
        return _type_error("client_content.text", "a string")
    if not text.strip():
        return _type_error("client_content.text", "a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        return _type_error("client_content.text", f"at most {MAX_TEXT_CHARS} characters")
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
