"""The sans-I/O book of open function calls: every call gets exactly one answer, a cancelled one none.

The runtime opens a call when it arrives (getting a ticket), and turns each outcome into a
:class:`FunctionResult` through :meth:`CallBook.answer` with that ticket, which returns None when the call was
cancelled or already answered, even if the server has since reused its id: send only what it returns.
:meth:`CallBook.cancel` closes a call without an answer. No clocks, tasks or I/O here.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from desktop_app.core.commands import FunctionResult, ResponseScheduling

__all__ = ["CallBook", "ErrorCode", "Opened", "error_response", "output_response", "short_text"]


class ErrorCode(enum.StrEnum):
    """The ``error.code`` the model gets in place of a result."""

    DENIED = "denied"  # by the user, or by the policy
    NO_CONSENT = "no_consent"  # the user did not answer within the consent timeout (counts as a deny)
    UNKNOWN_TOOL = "unknown_tool"
    BAD_ARGUMENTS = "bad_arguments"
    TIMEOUT = "timeout"  # the tool did not finish within its timeout
    TOOL_FAILED = "tool_failed"  # the tool raised
    BUSY = "busy"  # too many calls open at once


def error_response(code: ErrorCode, message: str) -> dict[str, Any]:
    """The structured error the model reads: ``{"error": {"code": …, "message": …}}``."""
    return {"error": {"code": code.value, "message": message}}


def output_response(value: Any) -> dict[str, Any]:
    """A result as the Live API expects it: ``{"output": value}``."""
    return {"output": value}


def short_text(value: Any, limit: int = 120) -> str:
    """A one-line readable form of ``value`` for cards, the transcript and the audit trail."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Opened(enum.Enum):
    NEW = "new"  # run it
    DUPLICATE = "duplicate"  # an open call already has this id: ignore this one
    FULL = "full"  # too many open calls: answer it at once with BUSY (call answer() with it)


@dataclass(frozen=True, slots=True)
class _Open:
    name: str
    ticket: int


class CallBook:
    """Open calls by id, at most ``max_open`` of them (beyond that a call is answered at once with BUSY)."""

    def __init__(self, max_open: int = 32) -> None:
        if max_open < 1:
            raise ValueError("max_open must be at least 1")
        self._max_open = max_open
        self._open: dict[str, _Open] = {}
        self._overflow: dict[str, _Open] = {}  # FULL calls awaiting their BUSY answer (one loop turn)
        self._tickets = 0

    def open(self, call_id: str, name: str) -> tuple[Opened, int]:
        """Open a call; how, and the ticket to answer it with (0 for a DUPLICATE, which is not opened)."""
        if call_id in self._open or call_id in self._overflow:
            return Opened.DUPLICATE, 0
        self._tickets += 1
        entry = _Open(name, self._tickets)
        if len(self._open) >= self._max_open:
            self._overflow[call_id] = entry
            return Opened.FULL, entry.ticket
        self._open[call_id] = entry
        return Opened.NEW, entry.ticket

    def cancel(self, call_id: str) -> bool:
        """Close ``call_id`` without an answer. True if it was open (then stop its work)."""
        entry = self._open.pop(call_id, None)
        if entry is None:
            return self._overflow.pop(call_id, None) is not None
        return True

    def answer(
        self,
        call_id: str,
        ticket: int,
        response: dict[str, Any],
        scheduling: ResponseScheduling | None = None,
        will_continue: bool | None = None,
    ) -> FunctionResult | None:
        """Close the call opened with ``ticket`` and return its answer; None if that call is not open
        (cancelled, answered, or its id now belongs to a newer call)."""
        for table in (self._open, self._overflow):
            entry = table.get(call_id)
            if entry is not None and entry.ticket == ticket:
                del table[call_id]
                return FunctionResult(call_id, entry.name, response, scheduling, will_continue)
        return None

    def is_open(self, call_id: str) -> bool:
        return call_id in self._open or call_id in self._overflow

    @property
    def open_ids(self) -> tuple[str, ...]:
        return (*self._open, *self._overflow)
