"""Normalised client messages → what they mean: the :class:`SetupRequest` of the first message, then typed
:data:`~desktop_app.emulator.messages.ClientEvent` values for every later one.

Feed it the output of :func:`~desktop_app.emulator.decode.decode_frame`. Both parsers raise
:class:`~desktop_app.emulator.protocol_errors.WireError` for what the service refuses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.emulator import messages
from desktop_app.emulator.protocol_errors import invalid

__all__ = ["ActivityDetection", "SetupRequest", "parse_client_message", "parse_setup"]


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
    include_thoughts: bool = False  # generationConfig.thinkingConfig.includeThoughts
    voice: str | None = None  # generationConfig.speechConfig.voiceConfig.prebuiltVoiceConfig.voiceName
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
        include_thoughts=bool(generation.get("thinkingConfig", {}).get("includeThoughts", False)),
        voice=generation.get("speechConfig", {})
        .get("voiceConfig", {})
        .get("prebuiltVoiceConfig", {})
        .get("voiceName")
        or None,
        raw=setup,
    )


# --------------------------------------------------------------------------- client messages

_RATE = re.compile(r";\s*rate\s*=\s*(\d+)", re.IGNORECASE)


def _audio(blob: Mapping[str, Any]) -> messages.AudioIn | None:
    mime = str(blob.get("mimeType", ""))
    if not mime.lower().startswith(("audio/pcm", "audio/l16")):
        return None  # compressed audio: the service decodes it, the emulator does not
    match = _RATE.search(mime)
    rate = int(match.group(1)) if match else 16_000
    if not 8_000 <= rate <= 192_000:
        raise invalid()
    pcm: bytes = blob.get("data", b"")
    return messages.AudioIn(pcm=pcm, rate=rate)


def _video(blob: Mapping[str, Any]) -> messages.VideoIn:
    return messages.VideoIn(data=blob.get("data", b""), mime_type=str(blob.get("mimeType", "")))


def parse_client_message(message: Mapping[str, Any]) -> list[messages.ClientEvent]:
    """The events in one normalised client message after the setup, in a fixed order.

    Raises :class:`WireError` for a second ``setup`` and for a legacy ``mediaChunks`` image (the service
    refuses those: 1007 "Mime type 'image/jpeg' is not supported"). Audio in a format other than raw PCM
    is skipped (returns no event).
    """
    events: list[messages.ClientEvent] = []
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
            events.append(messages.TextIn(realtime["text"]))
        if "activityStart" in realtime:
            events.append(messages.ActivityStart())
        if "activityEnd" in realtime:
            events.append(messages.ActivityEnd())
        if realtime.get("audioStreamEnd"):
            events.append(messages.AudioStreamEnd())
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
        events.append(messages.ClientTurn(tuple(texts), bool(content.get("turnComplete", False))))
    elif "toolResponse" in message:
        responses = message["toolResponse"].get("functionResponses", [])
        events.append(
            messages.ToolResponse(
                ids=tuple(str(r.get("id", "")) for r in responses),
                names=tuple(str(r.get("name", "")) for r in responses),
                responses=tuple(r.get("response") for r in responses),
                schedulings=tuple(r.get("scheduling") for r in responses),
            )
        )
    elif "contextUpdate" in message:
        events.append(messages.ContextUpdate(tuple(message["contextUpdate"])))
    return events
