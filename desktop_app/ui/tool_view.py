"""What the window shows of tools, as plain data (no Qt): consent prompts, call lines and search sources.

- :func:`pretty_args` turns a call's arguments into indented JSON with long values elided (every key is shown
  as it is: a key that looks secret is not special-cased, the user must see what the model asked for).
- :class:`ConsentPrompt` is what a consent card shows (built from the runtime's ``ConsentRequest`` with
  :meth:`ConsentPrompt.of`); :class:`CardState` is where the card stands.
- :func:`tool_line` is the compact transcript line of one ``ToolActivity``.
- :func:`with_policy` is the ``tool_policies`` setting with one tool's choice set ("Always allow").
- :class:`SourceList` is the search queries and sources (title, uri) of one reply, shown as chips under it
  (:meth:`SourceList.of_event` reads the session's :class:`~desktop_app.core.events.Grounding` event);
  :func:`safe_link` is the http/https check a chip passes before it opens a browser.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from desktop_app.controller_api import (
    ConsentAnswer,
    ConsentRequest,
    Policy,
    format_policy_entries,
    parse_policy_entries,
)
from desktop_app.core.app_events import ToolActivity, ToolPhase
from desktop_app.core.events import Grounding, GroundingSource

__all__ = [
    "CardState",
    "ConsentPrompt",
    "SourceList",
    "chip_label",
    "pretty_args",
    "safe_link",
    "state_of_answer",
    "tool_line",
    "with_policy",
]

_MAX_VALUE = 160  # characters of one string value before it is elided
_MAX_TEXT = 1_200  # characters of the whole argument text
_RISK_WORDS = {
    "reads": "reads something on this computer",
    "changes": "changes something on this computer",
    "reaches_out": "sends something beyond this computer",
}


def _elide(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_VALUE:
        return f"{value[: _MAX_VALUE - 1]}… ({len(value):,} characters)"
    if isinstance(value, Mapping):
        return {str(k): _elide(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_elide(v) for v in value]
    return value


def pretty_args(args: Mapping[str, Any]) -> str:
    """``args`` as indented JSON, long strings elided, at most about 1,200 characters ("{}" when empty)."""
    if not args:
        return "{}"
    text = json.dumps(_elide(args), indent=2, ensure_ascii=False, default=str)
    if len(text) > _MAX_TEXT:
        text = text[: _MAX_TEXT - 1] + "…"
    return text


class CardState(enum.StrEnum):
    """Where a consent card stands; the value is what the card says once it is no longer waiting."""

    WAITING = "waiting for your answer"
    ALLOWED_ONCE = "allowed once"
    ALWAYS = "always allowed"
    DENIED = "denied"
    TIMED_OUT = "timed out — denied"
    CANCELLED = "cancelled"

    @property
    def open(self) -> bool:
        return self is CardState.WAITING


def state_of_answer(answer: ConsentAnswer) -> CardState:
    return {
        ConsentAnswer.ALLOW_ONCE: CardState.ALLOWED_ONCE,
        ConsentAnswer.ALWAYS: CardState.ALWAYS,
        ConsentAnswer.DENY: CardState.DENIED,
    }[answer]


@dataclass(frozen=True, slots=True)
class ConsentPrompt:
    """What one consent card shows. ``risk`` is a phrase ("changes something on this computer")."""

    call_id: str
    tool: str
    description: str
    risk: str
    args_text: str
    timeout_s: float

    @classmethod
    def of(cls, request: ConsentRequest) -> ConsentPrompt:
        risk = _RISK_WORDS.get(str(request.risk), str(request.risk))
        return cls(
            request.call_id,
            request.tool,
            request.description,
            risk,
            pretty_args(request.args),
            request.timeout_s,
        )


_PHASE_MARKS = {
    ToolPhase.ASKING: "?",
    ToolPhase.RUNNING: "…",
    ToolPhase.DONE: "✓",
    ToolPhase.FAILED: "✗",
    ToolPhase.CANCELLED: "⊘",
}


def tool_line(activity: ToolActivity) -> str:
    """One compact line: ``✓ clock_now({}) · allow · 12 ms → "10:42"``."""
    args = activity.args if len(activity.args) <= 80 else activity.args[:79] + "…"
    parts = [f"{_PHASE_MARKS[activity.phase]} {activity.name}({args})"]
    if activity.phase is ToolPhase.ASKING:
        parts.append("waiting for your consent")
    elif activity.phase is ToolPhase.RUNNING:
        parts.append("running")
    if activity.decision:
        parts.append(activity.decision)
    if activity.duration_ms is not None:
        parts.append(f"{activity.duration_ms:,.0f} ms")
    line = " · ".join(parts)
    summary = activity.summary if len(activity.summary) <= 120 else activity.summary[:119] + "…"
    if activity.error:
        line += f" → {activity.error}: {summary}" if summary else f" → {activity.error}"
    elif summary:
        line += f" → {summary}"
    return line


def with_policy(entries: Iterable[str], name: str, policy: Policy) -> tuple[str, ...]:
    """The ``tool_policies`` entries with ``name`` set to ``policy`` (sorted, one entry per tool)."""
    return format_policy_entries(parse_policy_entries(entries) | {name: policy})


def safe_link(uri: str) -> bool:
    """True for an http or https address with a host: the only links a chip opens."""
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def chip_label(source: GroundingSource) -> str:
    """A source's chip text: its title, else its link's host."""
    title = source.title.strip() or urlsplit(source.uri).netloc or source.uri
    return title if len(title) <= 48 else title[:47] + "…"


@dataclass(frozen=True, slots=True)
class SourceList:
    """The Google Search grounding of one reply: the queries the model ran and the sources it used."""

    queries: tuple[str, ...] = ()
    sources: tuple[GroundingSource, ...] = ()

    @classmethod
    def of_event(cls, grounding: Grounding) -> SourceList:
        return cls.of(grounding.queries, [(s.title, s.uri) for s in grounding.sources])

    @classmethod
    def of(cls, queries: Iterable[str], sources: Iterable[tuple[str, str]]) -> SourceList:
        """From plain values: ``sources`` as ``(title, uri)`` pairs; duplicates of a uri are dropped."""
        seen: set[str] = set()
        kept = []
        for title, uri in sources:
            if uri not in seen:
                seen.add(uri)
                kept.append(GroundingSource(title, uri))
        return cls(tuple(q for q in queries if q.strip()), tuple(kept))

    def __bool__(self) -> bool:
        return bool(self.queries or self.sources)
