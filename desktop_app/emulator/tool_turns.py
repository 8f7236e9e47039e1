"""The simulated model's function-call turns (a part of :class:`~desktop_app.emulator.model.SimulatedModel`).

The rules and the book of pending calls are :mod:`~desktop_app.emulator.tool_calls`'; this mixin holds what
the model does with them: send a ``toolCall``, take a ``toolResponse`` and speak it per its scheduling, and
add grounding metadata to a reply.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from desktop_app.emulator import media, messages, reply_text, tool_calls
from desktop_app.emulator.parse import SetupRequest
from desktop_app.emulator.replies import Item, Reply, ReplyStyle

__all__ = ["ToolTurns"]


class ToolTurns:
    """Mixed into SimulatedModel, which provides the attributes and methods declared here."""

    setup: SetupRequest
    _calls: tool_calls.PendingCalls
    _replies: deque[Reply]
    _style: ReplyStyle
    _new_call_id: Callable[[], str]

    def _interrupt(self, *, cancel_calls: bool = True) -> None:
        raise NotImplementedError

    def _next_turn(self) -> int:
        raise NotImplementedError

    def _queue_reply(self, turn: int, prompt: dict[str, int], text: str, audio: bytes) -> Reply:
        raise NotImplementedError

    def _ground(self, reply: Reply, text: str) -> None:
        """Add the emulator's fixed grounding sources to ``reply``, before its ``generationComplete``."""
        at = next(i for i, it in enumerate(reply.items) if isinstance(it.output, messages.GenerationComplete))
        reply.items.insert(at, Item(messages.Grounding((text[:100],), tool_calls.EMULATOR_SOURCES)))

    def _call(self, turn: int, prompt: dict[str, int], called: list[tuple[str, dict[str, object]]]) -> None:
        """Send a ``toolCall``: a BLOCKING call holds the turn, else the model says it called and goes on."""
        calls = tuple(self._calls.issue(self._new_call_id(), name, args) for name, args in called)
        reply = Reply(items=deque([Item(messages.ToolCall(calls))]), prompt=prompt, turn=turn)
        reply.waiting_for = {c.id: c.name for c in calls if self._calls.blocking(c.name)}
        self._replies.append(reply)
        if not reply.waiting_for:  # ~2 s, the sentence's length: at real-time pace an answer comes mid-reply
            reply.compose(
                reply_text.calling(turn, [c.name for c in calls]),
                media.synth_voice(2.0, pitch_hz=media.voice_pitch(self.setup.voice)),
                self._style,
            )

    def _on_tool_response(self, event: messages.ToolResponse) -> None:
        head = self._replies[0] if self._replies else None
        answered: list[tuple[str, object]] = []
        schedulings = event.schedulings or (None,) * len(event.ids)
        for call_id, name, response, scheduling in zip(
            event.ids, event.names, event.responses, schedulings, strict=False
        ):
            taken = self._calls.answer(call_id, name, scheduling)  # WireError for an id never issued
            if taken is None:
                continue  # cancelled or answered before: ignored, as the service does
            blocking, when, called = taken
            if blocking:
                if head is not None and head.waiting_for.pop(call_id, None) is not None:
                    answered.append((called, response))
            elif when != "SILENT":
                if when == "INTERRUPT":
                    self._interrupt(cancel_calls=False)
                turn = self._next_turn()  # WHEN_IDLE: queued behind the current reply
                text = reply_text.function_results(turn, [(called, response)])
                self._queue_reply(
                    turn, {}, text, media.synth_voice(1.0, pitch_hz=media.voice_pitch(self.setup.voice))
                )
        if answered and head is not None and not head.waiting_for:
            text = reply_text.function_results(head.turn, answered)
            head.compose(
                text, media.synth_voice(1.0, pitch_hz=media.voice_pitch(self.setup.voice)), self._style
            )
