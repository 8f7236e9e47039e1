"""The recent conversation, kept small, to seed a fresh session when the old one cannot be resumed.

Why the system instruction carries it (and not a first ``clientContent`` turn): the LiveSession seam sends
typed text as ``realtimeInput.text``, which the model answers as a new user turn; ``clientContent`` with
``turnComplete=false`` would be the classic way to add history, but Gemini 3.1 Flash Live refuses
``clientContent`` mid-session and takes it only with ``historyConfig.initialHistoryInClientContent``
(research/protocol.md §2.5), which not every model accepts. The system instruction is accepted by every Live
model, is never answered by itself, and survives context-window compression (the service keeps it).

Bounds: at most ``max_entries`` entries and ``max_chars`` characters of text are kept; the oldest go first.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from desktop_app.core.events import Event, Interrupted, ModelText, Role, Transcript, TurnComplete

__all__ = ["RecentTranscript", "SeededInstruction"]

CONTEXT_HEADER = (
    "The live connection was interrupted and this is a new session continuing the same conversation. "
    "The recent conversation so far is below, for context only: do not repeat it or answer it again, and "
    "continue naturally from where it stopped."
)


@dataclass(frozen=True, slots=True)
class SeededInstruction:
    """A system instruction for a fresh session, and how many transcript entries it carries."""

    instruction: str | None
    entries: int


@dataclass(slots=True)
class _Entry:
    role: Role
    text: str
    interrupted: bool = False


class RecentTranscript:
    """Bounded recent user/model text, grouped into one entry per role per turn. Loop thread only."""

    def __init__(self, max_entries: int = 40, max_chars: int = 4000) -> None:
        if max_entries < 1 or max_chars < 1:
            raise ValueError("max_entries and max_chars must be at least 1")
        self._max_entries = max_entries
        self._max_chars = max_chars
        self._entries: deque[_Entry] = deque()
        self._chars = 0
        self._open: dict[Role, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        return self._chars

    def observe(self, event: Event) -> None:
        """Take one server event (transcripts, model text, turn boundaries); others are ignored."""
        if isinstance(event, Transcript) and event.text:
            self._append(event.role, event.text)
        elif isinstance(event, ModelText) and event.text:
            self._append(Role.MODEL, event.text)
        elif isinstance(event, Interrupted):
            model = self._open.get(Role.MODEL)
            if model is not None:
                model.interrupted = True
        elif isinstance(event, TurnComplete):
            self._open.clear()

    def add_user_text(self, text: str) -> None:
        """A typed user turn (the server does not transcribe typed text back)."""
        if text.strip():
            self._open.pop(Role.USER, None)
            self._append(Role.USER, text)
            self._open.pop(Role.USER, None)

    def lines(self) -> list[str]:
        """``User: …`` / ``Model: …`` lines, oldest first."""
        out = []
        for entry in self._entries:
            who = "User" if entry.role is Role.USER else "Model"
            text = " ".join(entry.text.split())
            out.append(f"{who}: {text}" + (" [interrupted]" if entry.interrupted else ""))
        return out

    def seed_instruction(self, base: str | None) -> SeededInstruction:
        """``base`` followed by the recent conversation; ``base`` alone when there is none yet."""
        lines = self.lines()
        if not lines:
            return SeededInstruction(base, 0)
        parts = [base.strip()] if base and base.strip() else []
        parts.append(CONTEXT_HEADER + "\n\n" + "\n".join(lines))
        return SeededInstruction("\n\n".join(parts), len(lines))

    def _append(self, role: Role, text: str) -> None:
        entry = self._open.get(role)
        if entry is None:
            entry = _Entry(role, "")
            self._entries.append(entry)
            self._open[role] = entry
        entry.text += text
        self._chars += len(text)
        self._trim()

    def _trim(self) -> None:
        while len(self._entries) > self._max_entries or (
            self._chars > self._max_chars and len(self._entries) > 1
        ):
            dropped = self._entries.popleft()
            self._chars -= len(dropped.text)
            if self._open.get(dropped.role) is dropped:
                del self._open[dropped.role]
        if self._chars > self._max_chars and self._entries:  # one huge entry: keep its newest text
            only = self._entries[0]
            only.text = only.text[-self._max_chars :]
            self._chars = len(only.text)
