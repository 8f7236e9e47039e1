"""The emulator's own vocabulary: what a client sent (after parsing) and what the emulator will send.

``parse`` turns client JSON into :data:`ClientEvent` values and ``encode`` turns :data:`ServerOutput`
values into JSON; the simulated model (``model``) only ever sees these dataclasses. Nothing here is shared
with ``desktop_app.live`` or with ``core``'s vocabulary: the emulator checks the client, so it must not
borrow the client's types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from desktop_app.core.events import FunctionCall  # one entry of ``toolCall.functionCalls``: the app's own

__all__ = [
    "ActivityEnd",
    "ActivityStart",
    "AudioChunk",
    "AudioIn",
    "AudioStreamEnd",
    "ClientEvent",
    "ClientTurn",
    "ContextUpdate",
    "FunctionCall",
    "GenerationComplete",
    "GoAway",
    "Grounding",
    "InputTranscription",
    "InteractionStatus",
    "Interrupted",
    "OutputTranscription",
    "ServerOutput",
    "SessionResumptionUpdate",
    "SetupComplete",
    "TextIn",
    "TextPart",
    "ThoughtPart",
    "ToolCall",
    "ToolCallCancellation",
    "ToolResponse",
    "TurnComplete",
    "Usage",
    "VadSignal",
    "VideoIn",
    "VoiceActivity",
]


# --------------------------------------------------------------------------- client → emulator


@dataclass(frozen=True, slots=True)
class AudioIn:
    """PCM16LE mono audio at ``rate`` Hz (from ``realtimeInput.audio`` or the first ``mediaChunks``)."""

    pcm: bytes = field(repr=False)
    rate: int = 16_000


@dataclass(frozen=True, slots=True)
class VideoIn:
    """One encoded image (``realtimeInput.video`` or an image in ``clientContent``)."""

    data: bytes = field(repr=False)
    mime_type: str


@dataclass(frozen=True, slots=True)
class TextIn:
    """``realtimeInput.text``: typed input on the realtime stream."""

    text: str


@dataclass(frozen=True, slots=True)
class ActivityStart:
    """``realtimeInput.activityStart`` (manual activity detection)."""


@dataclass(frozen=True, slots=True)
class ActivityEnd:
    """``realtimeInput.activityEnd`` (manual activity detection)."""


@dataclass(frozen=True, slots=True)
class AudioStreamEnd:
    """``realtimeInput.audioStreamEnd``: the microphone paused; flush buffered audio."""


@dataclass(frozen=True, slots=True)
class ClientTurn:
    """``clientContent``: the user-role text of its turns, and whether the turn is complete."""

    texts: tuple[str, ...]
    turn_complete: bool


@dataclass(frozen=True, slots=True)
class ToolResponse:
    """``toolResponse``: the answered call ids with their names and responses."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    responses: tuple[Any, ...]
    schedulings: tuple[str | None, ...] = ()  # per response; None when it carried no ``scheduling``


@dataclass(frozen=True, slots=True)
class ContextUpdate:
    """``contextUpdate`` (SDK 3.x, model-specific); accepted and otherwise ignored."""

    fields: tuple[str, ...]


ClientEvent = (
    AudioIn
    | VideoIn
    | TextIn
    | ActivityStart
    | ActivityEnd
    | AudioStreamEnd
    | ClientTurn
    | ToolResponse
    | ContextUpdate
)


# --------------------------------------------------------------------------- emulator → client


@dataclass(frozen=True, slots=True)
class SetupComplete:
    """``setupComplete{sessionId}``: the setup was accepted."""

    session_id: str


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """One piece of model audio: PCM16LE mono at ``rate`` (24 kHz)."""

    pcm: bytes = field(repr=False)
    rate: int = 24_000


@dataclass(frozen=True, slots=True)
class TextPart:
    """A text part of the model turn (TEXT modality only)."""

    text: str


@dataclass(frozen=True, slots=True)
class ThoughtPart:
    """A thought summary: a model-turn text part marked ``thought`` (only with ``includeThoughts``)."""

    text: str


@dataclass(frozen=True, slots=True)
class OutputTranscription:
    """``serverContent.outputTranscription``: a piece of what the model says."""

    text: str


@dataclass(frozen=True, slots=True)
class InputTranscription:
    """``serverContent.inputTranscription``: what the model heard the user say."""

    text: str
    finished: bool = True


@dataclass(frozen=True, slots=True)
class GenerationComplete:
    """``serverContent.generationComplete``: the model has produced the whole turn."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts per modality; totals are derived."""

    prompt: dict[str, int] = field(default_factory=dict)
    response: dict[str, int] = field(default_factory=dict)
    thoughts: int = 0  # thoughtsTokenCount, apart from the response

    @property
    def prompt_total(self) -> int:
        return sum(self.prompt.values())

    @property
    def response_total(self) -> int:
        return sum(self.response.values())


@dataclass(frozen=True, slots=True)
class TurnComplete:
    """``serverContent.turnComplete`` with the turn's ``usageMetadata`` riding along, and the
    ``interactionStatus`` of models that keep working after a turn ("IN_PROGRESS") or None."""

    usage: Usage | None = None
    status: Literal["IN_PROGRESS", "IDLE"] | None = None


@dataclass(frozen=True, slots=True)
class InteractionStatus:
    """``serverContent.interactionStatus`` on its own: the background work after a turn is over."""

    status: Literal["IN_PROGRESS", "IDLE"]


@dataclass(frozen=True, slots=True)
class Interrupted:
    """``serverContent.interrupted``: the user barged in; the rest of the turn is dropped."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """``toolCall``: the model asks the client to run these functions."""

    calls: tuple[FunctionCall, ...]


@dataclass(frozen=True, slots=True)
class ToolCallCancellation:
    """``toolCallCancellation``: calls whose answers are no longer wanted."""

    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Grounding:
    """``serverContent.groundingMetadata``: the search queries and (title, uri) web sources of a reply."""

    queries: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class GoAway:
    """``goAway{timeLeft}``: the server will close this connection after ``time_left_s``."""

    time_left_s: float


@dataclass(frozen=True, slots=True)
class SessionResumptionUpdate:
    """``sessionResumptionUpdate``: a handle to resume this session from here."""

    new_handle: str
    resumable: bool = True


@dataclass(frozen=True, slots=True)
class VoiceActivity:
    """``voiceActivity{type, audioOffset}``: the emulator's VAD heard speech start or end."""

    kind: Literal["ACTIVITY_START", "ACTIVITY_END"]
    audio_offset_s: float


@dataclass(frozen=True, slots=True)
class VadSignal:
    """``voiceActivityDetectionSignal{vadSignalType}``: sent only when the setup set ``explicitVadSignal``."""

    kind: Literal["VAD_SIGNAL_TYPE_SOS", "VAD_SIGNAL_TYPE_EOS"]


ServerOutput = (
    SetupComplete
    | AudioChunk
    | TextPart
    | ThoughtPart
    | OutputTranscription
    | InputTranscription
    | GenerationComplete
    | TurnComplete
    | InteractionStatus
    | Interrupted
    | ToolCall
    | ToolCallCancellation
    | Grounding
    | GoAway
    | SessionResumptionUpdate
    | VoiceActivity
    | VadSignal
)
