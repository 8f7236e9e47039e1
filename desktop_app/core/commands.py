"""What the program sends to a live session: one typed vocabulary for every outbound message.

A live session takes these through its single ``send(command)``; the relay decodes browser frames into
them, and the reconnecting session keeps them in its replay ring. They are plain frozen values with no
behaviour. Audio carries its :class:`~desktop_app.core.audio_format.PcmFormat`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.audio_format import MIC_FORMAT, PcmFormat

__all__ = [
    "ActivityEnd",
    "ActivityStart",
    "AudioStreamEnd",
    "Command",
    "FunctionResult",
    "Marker",
    "ResponseScheduling",
    "ToolResponse",
    "UserAudio",
    "UserImage",
    "UserText",
    "ends_user_turn",
]


@dataclass(frozen=True, slots=True)
class UserAudio:
    """One block of PCM16 microphone audio (any rate; the MIME type sent carries it)."""

    pcm: bytes
    fmt: PcmFormat = MIC_FORMAT


@dataclass(frozen=True, slots=True)
class UserImage:
    """One encoded camera or screen frame."""

    data: bytes
    mime_type: str = "image/jpeg"


@dataclass(frozen=True, slots=True)
class UserText:
    """A typed user turn."""

    text: str


@dataclass(frozen=True, slots=True)
class AudioStreamEnd:
    """The microphone paused: the server may flush its buffered audio."""


@dataclass(frozen=True, slots=True)
class ActivityStart:
    """The user started speaking (explicit activity, for sessions opened with server VAD off)."""


@dataclass(frozen=True, slots=True)
class ActivityEnd:
    """The user stopped speaking (explicit activity, for sessions opened with server VAD off)."""


class ResponseScheduling(enum.StrEnum):
    """When the model speaks about a function result (models with asynchronous functions only).

    The values are the wire names (``FunctionResponseScheduling``).
    """

    SILENT = "SILENT"  # take it in without mentioning it (side effects the model need not report)
    WHEN_IDLE = "WHEN_IDLE"  # mention it once the current reply is over
    INTERRUPT = "INTERRUPT"  # stop the current reply and mention it now (urgent)


@dataclass(frozen=True, slots=True)
class FunctionResult:
    """The answer to one function call: its ``id`` and ``name`` as called, and a JSON-ready ``response``.

    ``scheduling`` is None for models that run functions BLOCKING only (they take no scheduling: leave it
    out of the wire message then). ``will_continue`` True says more responses for this id follow; None
    leaves the field out.
    """

    id: str
    name: str
    response: dict[str, Any] = field(default_factory=dict)
    scheduling: ResponseScheduling | None = None
    will_continue: bool | None = None


@dataclass(frozen=True, slots=True)
class ToolResponse:
    """Answers to one or more function calls."""

    results: tuple[FunctionResult, ...]


Command = UserAudio | UserImage | UserText | AudioStreamEnd | ActivityStart | ActivityEnd | ToolResponse
"""Everything a live session's ``send`` takes."""

Marker = AudioStreamEnd | ActivityStart | ActivityEnd
"""The stream markers: no payload, they only say where the user's audio pauses, starts or stops."""


def ends_user_turn(command: Command) -> bool:
    """A typed turn, a stream end or an activity end: the user's turn is over and a reply is awaited."""
    return isinstance(command, UserText | AudioStreamEnd | ActivityEnd)
