"""Sans-I/O wire codec: client JSON in, typed events out; typed outputs in, server JSON frames out.

Client messages may spell every field in camelCase or snake_case (the SDK sends a mix) and base64 in either
alphabet (the SDK sends URL-safe). :func:`normalize` validates a message against ``schema`` the way a proto
JSON parser does and returns it with canonical camelCase keys; anything it refuses raises :class:`WireError`,
carrying the close code and reason the service would use. Replies are camelCase JSON, encoded as bytes so the
shell sends them as binary frames (what the service does).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.emulator import schema
from desktop_app.emulator.messages import (
    ActivityEnd,
    ActivityStart,
    AudioChunk,
    AudioIn,
    AudioStreamEnd,
    ClientEvent,
    ClientTurn,
    ContextUpdate,
    GenerationComplete,
    GoAway,
    InputTranscription,
    Interrupted,
    OutputTranscription,
    ServerOutput,
    SessionResumptionUpdate,
    SetupComplete,
    TextIn,
    TextPart,
    ToolCall,
    ToolCallCancellation,
    ToolResponse,
    TurnComplete,
    Usage,
    VadSignal,
    VideoIn,
    VoiceActivity,
)

__all__ = [
    "API_KEY_INVALID",
    "DEADLINE_EXPIRED",
    "INTERNAL",
    "INVALID_ARGUMENT",
    "SESSION_NOT_FOUND",
    "ActivityDetection",
    "SetupRequest",
    "WireError",
    "close_reason",
    "decode_base64",
    "decode_frame",
    "encode",
    "format_duration",
    "model_not_found",
    "normalize",
    "parse_client_message",
    "parse_setup",
    "to_json",
]

# Close codes (RFC 6455) the service uses for errors.
INVALID_PAYLOAD = 1007
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011

INVALID_ARGUMENT = "Request contains an invalid argument."
API_KEY_INVALID = "API Key not found. Please pass a valid API key."
SESSION_NOT_FOUND = "BidiGenerateContent session not found"
DEADLINE_EXPIRED = "Deadline expired before operation could complete."
INTERNAL = "Internal error encountered."

MAX_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code


def close_reason(text: str) -> str:
    """``text`` cut to the 123 UTF-8 bytes a close frame can carry (on a character boundary), as the
    service's reasons are ("…Call ListMo")."""
    raw = text.encode("utf-8")
    if len(raw) <= MAX_REASON_BYTES:
        return text
    return raw[:MAX_REASON_BYTES].decode("utf-8", errors="ignore")


class WireError(Exception):
    """The client broke the protocol: close the connection with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = close_reason(reason)
        super().__init__(f"{code} {self.reason}")


def invalid(reason: str = INVALID_ARGUMENT) -> WireError:
    return WireError(INVALID_PAYLOAD, reason)


def model_not_found(model: str, api_version: str) -> WireError:
    """1008 for a model this API version does not serve (the reason gets cut at 123 bytes, as real)."""
    name = model if model.startswith(("models/", "tunedModels/")) else f"models/{model}"
    return WireError(
        POLICY_VIOLATION,
        f"{name} is not found for API version {api_version}, or is not supported for "
        "bidiGenerateContent. Call ListModels to see the list of available models and their "
        "supported methods.",
    )


# --------------------------------------------------------------------------- normalisation

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _json_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:60]


def decode_base64(text: str) -> bytes:
    """Decode base64 in the standard or the URL-safe alphabet, padded or not. Raises ValueError."""
    cleaned = "".join(text.split()).translate(str.maketrans("-_", "+/"))
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from None


def _invalid_value(path: str, type_name: str, value: Any) -> WireError:
    return invalid(
        f"Invalid JSON payload received. Invalid value at '{path}' ({type_name}), {_json_value(value)}"
    )


def _scalar(kind: schema.Kind, value: Any, path: str) -> Any:
    if kind is schema.Kind.ANY:
        return value
    if kind is schema.Kind.BOOL:
        if isinstance(value, bool):
            return value
    elif kind is schema.Kind.STRING:
        if isinstance(value, str):
            return value
    elif kind is schema.Kind.INT:
        if _is_number(value) and float(value).is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
    elif kind is schema.Kind.FLOAT:
        if _is_number(value):
            return float(value)
        if isinstance(value, str) and (
            value in ("NaN", "Infinity", "-Infinity") or _NUMBER.fullmatch(value.strip())
        ):
            return float(value)
    elif kind is schema.Kind.BYTES and isinstance(value, str):
        try:
            return decode_base64(value)
        except ValueError:
            raise invalid(
                f"Invalid value at '{path}' (TYPE_BYTES), Base64 decoding failed for {_json_value(value)}"
            ) from None
    raise _invalid_value(path, kind.value, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def normalize(value: Any, field_type: schema.Field, path: str = "", api_version: str = "v1beta") -> Any:
    """Validate ``value`` against ``field_type`` and return it with canonical camelCase keys.

    ``path`` is the snake_case field path used in error reasons (``setup.generation_config``). ``null`` is
    accepted anywhere and dropped, as proto JSON treats it as "unset". Raises :class:`WireError` (1007).
    """
    if isinstance(field_type, schema.Kind):
        return _scalar(field_type, value, path)
    if isinstance(field_type, schema.EnumOf):
        if isinstance(value, str) and value in field_type.values:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _invalid_value(
            path, f"type.googleapis.com/google.ai.generativelanguage.{api_version}.{field_type.name}", value
        )
    if isinstance(field_type, schema.Repeated):
        if not isinstance(value, list):
            raise invalid(
                f"Invalid JSON payload received. Invalid value at '{path}' (repeated), {_json_value(value)}"
            )
        return [
            normalize(item, field_type.item, f"{path}[{index}]", api_version)
            for index, item in enumerate(value)
        ]
    return _normalize_message(value, field_type, path, api_version)


def _normalize_message(
    value: Any, fields: Mapping[str, schema.Field], path: str, api_version: str
) -> dict[str, Any]:
    if not isinstance(value, dict):
        where = f"'{path}'" if path else "the top level"
        raise invalid(
            f"Invalid JSON payload received. Expected an object at {where}, got {_json_value(value)}"
        )
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in fields:
            name = key
        elif isinstance(key, str) and _SNAKE.match(key) and _snake_to_camel(key) in fields:
            name = _snake_to_camel(key)
        else:
            where = f" at '{path}'" if path else ""
            raise invalid(f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.')
        if name in result:
            raise invalid(
                f"Invalid JSON payload received. Duplicate field "
                f'"{_camel_to_snake(name)}"{" at " + repr(path) if path else ""}.'
            )
        if item is None:
            continue
        result[name] = normalize(item, fields[name], _join(path, _camel_to_snake(name)), api_version)
    return result


def decode_frame(frame: str | bytes, api_version: str = "v1beta") -> dict[str, Any]:
    """Parse one client frame (text or binary) and validate it against the client message schema.

    Returns the normalised message, which has exactly one top-level key. Raises :class:`WireError`.
    """
    try:
        message = json.loads(frame)
    except (UnicodeDecodeError, ValueError):
        raise invalid("Invalid JSON payload received. Unexpected token.") from None
    normalised = _normalize_message(message, schema.CLIENT_MESSAGE, "", api_version)
    if len(normalised) != 1:
        raise invalid()
    return normalised


# --------------------------------------------------------------------------- setup


@dataclass(frozen=True, slots=True)
class ActivityDetection:
    """``setup.realtimeInputConfig`` as the simulated model needs it (service defaults filled in)."""

    disabled: bool = False
    start_sensitivity: str = "START_SENSITIVITY_HIGH"
    end_sensitivity: str = "END_SENSITIVITY_HIGH"
    prefix_padding_ms: int | None = None
    silence_duration_ms: int | None = None
    interrupts: bool = True  # activityHandling START_OF_ACTIVITY_INTERRUPTS (the default)


@dataclass(frozen=True, slots=True)
class SetupRequest:
    """What a ``setup`` message asked for. ``raw`` is the normalised (camelCase) setup object."""

    model: str
    response_modalities: tuple[str, ...] = ("AUDIO",)
    input_transcription: bool = False
    output_transcription: bool = False
    activity: ActivityDetection = field(default_factory=ActivityDetection)
    resumption: bool = False
    resume_handle: str | None = None
    function_names: tuple[str, ...] = ()
    explicit_vad_signal: bool = False
    media_resolution: str | None = None
    history_in_client_content: bool = False  # historyConfig.initialHistoryInClientContent
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def model_id(self) -> str:
        """The model name without its ``models/`` prefix."""
        return self.model.removeprefix("models/")


def parse_setup(message: Mapping[str, Any]) -> SetupRequest:
    """The :class:`SetupRequest` of a normalised first message. Raises :class:`WireError` (1007) if the
    message is not a setup, or the setup is incomplete or self-contradictory."""
    if "setup" not in message:
        raise invalid()
    setup: dict[str, Any] = message["setup"]
    model = setup.get("model")
    if not model:
        raise invalid()
    generation = setup.get("generationConfig", {})
    modalities = tuple(str(m) for m in generation.get("responseModalities", ()))
    modalities = tuple(m for m in modalities if m != "MODALITY_UNSPECIFIED") or ("AUDIO",)
    if len(modalities) != 1 or modalities[0] not in ("AUDIO", "TEXT"):
        raise invalid()  # one modality per session; "setting both results in a config error"
    config = setup.get("realtimeInputConfig", {})
    detection = config.get("automaticActivityDetection", {})

    def sensitivity(value: object, default: str) -> str:
        return default if value in (None, 0) or str(value).endswith("UNSPECIFIED") else str(value)

    activity = ActivityDetection(
        disabled=bool(detection.get("disabled", False)),
        start_sensitivity=sensitivity(detection.get("startOfSpeechSensitivity"), "START_SENSITIVITY_HIGH"),
        end_sensitivity=sensitivity(detection.get("endOfSpeechSensitivity"), "END_SENSITIVITY_HIGH"),
        prefix_padding_ms=detection.get("prefixPaddingMs"),
        silence_duration_ms=detection.get("silenceDurationMs"),
        interrupts=config.get("activityHandling") != "NO_INTERRUPTION",
    )
    names: list[str] = []
    for tool in setup.get("tools", ()):
        for declaration in tool.get("functionDeclarations", ()):
            if declaration.get("name"):
                names.append(declaration["name"])
    resumption = setup.get("sessionResumption")
    return SetupRequest(
        model=str(model),
        response_modalities=modalities,
        input_transcription="inputAudioTranscription" in setup,
        output_transcription="outputAudioTranscription" in setup,
        activity=activity,
        resumption=resumption is not None,
        resume_handle=(resumption or {}).get("handle") or None,
        function_names=tuple(names),
        explicit_vad_signal=bool(setup.get("explicitVadSignal", False)),
        media_resolution=generation.get("mediaResolution"),
        history_in_client_content=bool(
            setup.get("historyConfig", {}).get("initialHistoryInClientContent", False)
        ),
        raw=setup,
    )


# --------------------------------------------------------------------------- client messages

_RATE = re.compile(r";\s*rate\s*=\s*(\d+)", re.IGNORECASE)


def _audio(blob: Mapping[str, Any]) -> AudioIn | None:
    mime = str(blob.get("mimeType", ""))
    if not mime.lower().startswith(("audio/pcm", "audio/l16")):
        return None  # compressed audio: the service decodes it, the emulator does not
    match = _RATE.search(mime)
    rate = int(match.group(1)) if match else 16_000
    if not 8_000 <= rate <= 192_000:
        raise invalid()
    pcm: bytes = blob.get("data", b"")
    return AudioIn(pcm=pcm, rate=rate)


def _video(blob: Mapping[str, Any]) -> VideoIn:
    return VideoIn(data=blob.get("data", b""), mime_type=str(blob.get("mimeType", "")))


def parse_client_message(message: Mapping[str, Any]) -> list[ClientEvent]:
    """The events in one normalised client message after the setup, in a fixed order.

    Raises :class:`WireError` for a second ``setup`` and for a legacy ``mediaChunks`` image (the service
    refuses those: 1007 "Mime type 'image/jpeg' is not supported"). Audio in a format other than raw PCM
    is skipped (returns no event).
    """
    events: list[ClientEvent] = []
    if "setup" in message:
        raise invalid()
    if "realtimeInput" in message:
        realtime: dict[str, Any] = message["realtimeInput"]
        chunks = realtime.get("mediaChunks") or []
        if chunks:
            first = chunks[0]  # "Multiple mediaChunks are not supported, all but the first will be ignored."
            mime = str(first.get("mimeType", ""))
            if mime.lower().startswith("audio/"):
                audio = _audio(first)
                if audio is not None:
                    events.append(audio)
            else:
                raise invalid(f"Mime type '{mime}' is not supported")
        if "audio" in realtime:
            audio = _audio(realtime["audio"])
            if audio is not None:
                events.append(audio)
        if "video" in realtime:
            events.append(_video(realtime["video"]))
        if realtime.get("text"):
            events.append(TextIn(realtime["text"]))
        if "activityStart" in realtime:
            events.append(ActivityStart())
        if "activityEnd" in realtime:
            events.append(ActivityEnd())
        if realtime.get("audioStreamEnd"):
            events.append(AudioStreamEnd())
    elif "clientContent" in message:
        content: dict[str, Any] = message["clientContent"]
        texts: list[str] = []
        for turn in content.get("turns", ()):
            if turn.get("role", "user") != "user":
                continue
            for part in turn.get("parts", ()):
                if "text" in part:
                    texts.append(part["text"])
                blob = part.get("inlineData")
                if blob and str(blob.get("mimeType", "")).startswith("image/"):
                    events.append(_video(blob))
        events.append(ClientTurn(tuple(texts), bool(content.get("turnComplete", False))))
    elif "toolResponse" in message:
        responses = message["toolResponse"].get("functionResponses", [])
        events.append(
            ToolResponse(
                ids=tuple(str(r.get("id", "")) for r in responses),
                names=tuple(str(r.get("name", "")) for r in responses),
                responses=tuple(r.get("response") for r in responses),
            )
        )
    elif "contextUpdate" in message:
        events.append(ContextUpdate(tuple(message["contextUpdate"])))
    return events


# --------------------------------------------------------------------------- server messages


def format_duration(seconds: float) -> str:
    """A ``google.protobuf.Duration`` in JSON form: ``"5s"``, ``"1.250s"``."""
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:.3f}s"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _usage(usage: Usage) -> dict[str, Any]:
    result: dict[str, Any] = {
        "promptTokenCount": usage.prompt_total,
        "responseTokenCount": usage.response_total,
        "totalTokenCount": usage.prompt_total + usage.response_total,
    }
    if usage.prompt:
        result["promptTokensDetails"] = [
            {"modality": modality, "tokenCount": count} for modality, count in usage.prompt.items()
        ]
    if usage.response:
        result["responseTokensDetails"] = [
            {"modality": modality, "tokenCount": count} for modality, count in usage.response.items()
        ]
    return result


def to_json(output: ServerOutput) -> dict[str, Any]:
    """The server message for ``output``: a dict with camelCase keys, ready for ``json.dumps``."""
    match output:
        case SetupComplete(session_id=session_id):
            return {"setupComplete": {"sessionId": session_id}}
        case AudioChunk(pcm=pcm, rate=rate):
            part = {"inlineData": {"mimeType": f"audio/pcm;rate={rate}", "data": _b64(pcm)}}
            return {"serverContent": {"modelTurn": {"parts": [part]}}}
        case TextPart(text=text):
            return {"serverContent": {"modelTurn": {"parts": [{"text": text}]}}}
        case OutputTranscription(text=text):
            return {"serverContent": {"outputTranscription": {"text": text}}}
        case InputTranscription(text=text, finished=finished):
            body: dict[str, Any] = {"text": text}
            if finished:
                body["finished"] = True
            return {"serverContent": {"inputTranscription": body}}
        case GenerationComplete():
            return {"serverContent": {"generationComplete": True}}
        case TurnComplete(usage=usage):
            message: dict[str, Any] = {"serverContent": {"turnComplete": True}}
            if usage is not None:
                message["usageMetadata"] = _usage(usage)
            return message
        case Interrupted():
            return {"serverContent": {"interrupted": True}}
        case ToolCall(calls=calls):
            return {
                "toolCall": {"functionCalls": [{"id": c.id, "name": c.name, "args": c.args} for c in calls]}
            }
        case ToolCallCancellation(ids=ids):
            return {"toolCallCancellation": {"ids": list(ids)}}
        case GoAway(time_left_s=time_left):
            return {"goAway": {"timeLeft": format_duration(time_left)}}
        case SessionResumptionUpdate(new_handle=handle, resumable=resumable):
            return {"sessionResumptionUpdate": {"newHandle": handle, "resumable": resumable}}
        case VoiceActivity(kind=kind, audio_offset_s=offset):
            return {"voiceActivity": {"type": kind, "audioOffset": format_duration(offset)}}
        case VadSignal(kind=kind):
            return {"voiceActivityDetectionSignal": {"vadSignalType": kind}}
    raise TypeError(f"not a server output: {output!r}")  # pragma: no cover


def encode(output: ServerOutput) -> bytes:
    """``output`` as compact UTF-8 JSON bytes: send these as a binary frame."""
    return json.dumps(to_json(output), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
