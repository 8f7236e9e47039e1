"""Typed events: what flows between the live session, the devices, the relay and the window.

Every event is a frozen, slotted dataclass. Names are directional: ``Mic…``/``User…`` flow towards the model,
``Model…`` flow from it. Audio payloads carry their :class:`~desktop_app.core.audio_format.PcmFormat`.

The live session yields :data:`LiveEvent` values from its single receive loop; the order within one server
message is preserved, except that :class:`Interrupted` always comes first (DESIGN.md §5).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar

from desktop_app.core.audio_format import MIC_FORMAT, MODEL_FORMAT, PcmFormat

__all__ = [
    "BackendInfo",
    "ErrorEvent",
    "Event",
    "FunctionCall",
    "GenerationComplete",
    "GoAway",
    "InputState",
    "Interaction",
    "InteractionUpdate",
    "Interrupted",
    "LiveEvent",
    "MicAudio",
    "ModalityTokens",
    "ModelAudio",
    "ModelText",
    "ModelThought",
    "RelayStatus",
    "ResumptionUpdate",
    "Role",
    "SessionPhase",
    "SessionState",
    "SetupComplete",
    "ToolActivity",
    "ToolCall",
    "ToolCallCancellation",
    "ToolPhase",
    "ToolsChanged",
    "Transcript",
    "TurnComplete",
    "TurnLatency",
    "UsageUpdate",
    "VoiceActivity",
]


class Role(enum.StrEnum):
    USER = "user"
    MODEL = "model"


class SessionPhase(enum.StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Event:
    """Base class of every event.

    ``streaming`` is True on a kind that is only played or drawn as it arrives and comes many times a
    second (audio blocks, preview frames, level meters): a record of the conversation skips it.
    """

    streaming: ClassVar[bool] = False


# --- towards the model -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MicAudio(Event):
    """One block of captured audio, already in the format to send (16 kHz mono PCM16 by default)."""

    streaming: ClassVar[bool] = True

    pcm: bytes
    fmt: PcmFormat = MIC_FORMAT
    captured_at: float = 0.0  # monotonic seconds when the block was ready


# --- from the model ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetupComplete(Event):
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class ModelAudio(Event):
    """A chunk of the model's spoken reply."""

    streaming: ClassVar[bool] = True

    pcm: bytes
    fmt: PcmFormat = MODEL_FORMAT


@dataclass(frozen=True, slots=True)
class ModelText(Event):
    """A text part of the model's turn (TEXT modality, or models that send text parts)."""

    text: str


@dataclass(frozen=True, slots=True)
class ModelThought(Event):
    """A thought summary (a part marked ``thought``; sent only when thought summaries were asked for).

    Not part of the answer: show it collapsed, keep it in history, never speak it."""

    text: str


@dataclass(frozen=True, slots=True)
class Transcript(Event):
    """A piece of transcription. ``final`` marks the last piece of this role's text in the turn."""

    role: Role
    text: str
    final: bool = False


@dataclass(frozen=True, slots=True)
class Interrupted(Event):
    """The user spoke over the model: stop playback now and drop the rest of this turn's audio."""


@dataclass(frozen=True, slots=True)
class GenerationComplete(Event):
    """The model finished generating this turn (playback may still be going)."""


@dataclass(frozen=True, slots=True)
class TurnComplete(Event):
    reason: str | None = None


class Interaction(enum.StrEnum):
    IN_PROGRESS = "in_progress"  # still working (background reasoning or tools): more output may follow
    IDLE = "idle"  # all processing done


@dataclass(frozen=True, slots=True)
class InteractionUpdate(Event):
    """Where the model stands, sent alongside ``turn_complete`` by models that keep working after a turn
    (extended thinking). ``status`` is None when the server sent only ``waiting_for_input``.

    Show a "working in the background" state from IN_PROGRESS until IDLE; do not treat
    :class:`TurnComplete` as "done" on such models."""

    status: Interaction | None = None
    waiting_for_input: bool = False  # the model expects the user to go on talking


@dataclass(frozen=True, slots=True)
class ModalityTokens:
    """Tokens of one modality (``"AUDIO"``, ``"TEXT"``, ``"IMAGE"``, ``"VIDEO"``) in a usage report."""

    modality: str
    tokens: int


@dataclass(frozen=True, slots=True)
class UsageUpdate(Event):
    """One ``usage_metadata`` report, as sent. Whether it counts this turn or the session so far depends on
    the model: sum reports with :func:`desktop_app.live.usage.add_usage`, never by hand."""

    prompt_tokens: int = 0
    response_tokens: int = 0
    total_tokens: int = 0
    thoughts_tokens: int = 0
    tool_use_prompt_tokens: int = 0
    cached_tokens: int = 0
    prompt_details: tuple[ModalityTokens, ...] = ()
    response_details: tuple[ModalityTokens, ...] = ()


@dataclass(frozen=True, slots=True)
class GoAway(Event):
    """The server will close this connection soon; ``time_left_s`` is None when it did not say."""

    time_left_s: float | None = None


@dataclass(frozen=True, slots=True)
class ResumptionUpdate(Event):
    """A new session-resumption handle. Keep the newest one whose ``resumable`` is true."""

    handle: str | None
    resumable: bool


@dataclass(frozen=True, slots=True)
class FunctionCall:
    id: str
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ToolCall(Event):
    calls: tuple[FunctionCall, ...]


@dataclass(frozen=True, slots=True)
class ToolCallCancellation(Event):
    ids: tuple[str, ...]


class ToolPhase(enum.StrEnum):
    """Where one function call stands, as :class:`ToolActivity` reports it."""

    ASKING = "asking"  # waiting for the user's consent (show a card with Allow once / Always / Deny)
    RUNNING = "running"
    DONE = "done"  # answered with the tool's result
    FAILED = "failed"  # answered with a structured error: denied, unknown, bad arguments, timeout, raised
    CANCELLED = "cancelled"  # the server cancelled it: nothing was sent (withdraw the card if one shows)


@dataclass(frozen=True, slots=True)
class ToolActivity(Event):
    """One step of one function call: for the transcript, the consent card and the audit trail.

    ``args`` and ``summary`` are short readable texts. ``decision`` says why the call ran or did not:
    ``allow`` (policy), ``allowed once`` / ``always allowed`` (the user), ``denied by policy``,
    ``denied by the user``, ``no answer`` (consent timed out), ``headless`` ("ask" without a window), or
    empty before it is known. ``error`` is the error code sent to the model (empty on success).
    ``duration_ms`` is set on the final phases: from the call's arrival to its answer.
    """

    call_id: str
    name: str
    phase: ToolPhase
    args: str = ""
    decision: str = ""
    summary: str = ""
    error: str = ""
    duration_ms: float | None = None


@dataclass(frozen=True, slots=True)
class ToolsChanged(Event):
    """The set of tools changed (an MCP server started, stopped or changed its list): ``names`` is the
    new set. The session declared at setup keeps the old set until a new session is opened."""

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VoiceActivity(Event):
    """The server heard the user start (``speaking=True``) or stop talking."""

    speaking: bool


# --- state and errors ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionState(Event):
    phase: SessionPhase
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ErrorEvent(Event):
    """A problem the user should see. ``message`` is a sentence for people, already free of secrets."""

    message: str
    code: str = "error"
    retryable: bool = False


# --- the application around the session --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackendInfo(Event):
    """Which backend answers. ``notice`` is non-empty in offline demo mode (show it as a banner)."""

    name: str
    model: str
    notice: str = ""


@dataclass(frozen=True, slots=True)
class RelayStatus(Event):
    """The local relay: the page URL and the connected browser clients (their peer names)."""

    url: str
    clients: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TurnLatency(Event):
    """End of the user's speech → first reply audio, for the turn just answered."""

    ms: float


@dataclass(frozen=True, slots=True)
class InputState(Event):
    """What the user has switched on: microphone, push-to-talk (and whether it is held), vision."""

    mic_muted: bool = False
    push_to_talk: bool = False
    talking: bool = False
    camera: str | None = None
    screen: str | None = None
    vision_paused: bool = False
    headphones: bool = False
    volume: float = 1.0


LiveEvent = (
    SetupComplete
    | ModelAudio
    | ModelText
    | ModelThought
    | Transcript
    | Interrupted
    | GenerationComplete
    | TurnComplete
    | UsageUpdate
    | GoAway
    | ResumptionUpdate
    | ToolCall
    | ToolCallCancellation
    | VoiceActivity
    | InteractionUpdate
    | SessionState
)
"""What a live session's receive loop yields."""
