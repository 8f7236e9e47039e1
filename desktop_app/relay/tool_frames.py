"""What the page sees of its session's tool calls: the runtime's :class:`ToolActivity` → page frames.

Sans-I/O; the protocol (:mod:`.protocol`) owns one per connection. The page gets one ``tool_call`` per
call, as soon as it is asked for consent (``needs_consent``: true) or starts running, or just before its
result when it failed before that (an unknown tool, bad arguments, denied by policy); then exactly one
``tool_result`` when the call was answered or cancelled.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from desktop_app.core.app_events import ToolActivity, ToolPhase
from desktop_app.core.events import ToolCall
from desktop_app.relay.tool_codec import encode_tool_call, encode_tool_result

__all__ = ["ToolFrames"]

_FINAL = frozenset({ToolPhase.DONE, ToolPhase.FAILED, ToolPhase.CANCELLED})


class ToolFrames:
    """Remembers each open call's arguments (at most ``max_calls``; beyond that the oldest are forgotten,
    and their ``tool_call`` then shows no arguments) and which calls the page has been shown."""

    def __init__(self, max_calls: int = 64) -> None:
        self._max = max_calls
        self._args: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._shown: set[str] = set()

    def calls(self, event: ToolCall) -> None:
        """The session's ``ToolCall``: keep the arguments the page will be shown."""
        for call in event.calls:
            self._args[call.id] = dict(call.args)
            self._args.move_to_end(call.id)
            while len(self._args) > self._max:
                dropped, _ = self._args.popitem(last=False)
                self._shown.discard(dropped)

    def activity(self, event: ToolActivity) -> list[str]:
        """The frames for the page, in order, for one step of one call."""
        frames: list[str] = []
        if event.call_id not in self._shown:
            self._shown.add(event.call_id)
            args = self._args.get(event.call_id, {})
            asking = event.phase is ToolPhase.ASKING
            frames.append(encode_tool_call(event.call_id, event.name, args, needs_consent=asking))
        if event.phase in _FINAL:
            self._shown.discard(event.call_id)
            self._args.pop(event.call_id, None)
            outcome = {ToolPhase.DONE: "done", ToolPhase.CANCELLED: "cancelled"}.get(event.phase)
            frames.append(
                encode_tool_result(
                    event.call_id,
                    event.name,
                    decision=event.decision,
                    outcome=outcome or event.error or "failed",
                    summary=event.summary,
                )
            )
        return frames
