"""Events the program itself publishes about the parts around the live session: the backend, the relay,
what the user switched on, turn latency, and tool calls (what the window shows and the history records).

Frozen, slotted :class:`~desktop_app.core.events.Event` subclasses, like the live session's events.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from desktop_app.core.events import Event

__all__ = [
    "BackendInfo",
    "InputState",
    "RelayStatus",
    "ToolActivity",
    "ToolPhase",
    "ToolsChanged",
    "TurnLatency",
]


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
    """What the user has switched on: listening ("Start talking"), microphone, push-to-talk (and whether it
    is held), vision. ``screen_label`` names what is shared ("screen 1", "window Firefox") while it lasts;
    ``mic_test``: the settings' microphone test runs and nothing goes to Gemini meanwhile."""

    listening: bool = True
    mic_muted: bool = False
    push_to_talk: bool = False
    talking: bool = False
    camera: str | None = None
    screen: str | None = None
    vision_paused: bool = False
    headphones: bool = False
    volume: float = 1.0
    screen_label: str = ""
    mic_test: bool = False


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
