"""The recent conversation, kept small, to seed a fresh session when the old one cannot be resumed.

The fresh session gets it as ``clientContent`` turns (``turn_complete=false``) before any realtime input:
every Live model takes that, some only as initial history with ``historyConfig.initialHistoryInClientContent``
(research/protocol.md §2.5; :mod:`~desktop_app.live.connect_config` sets it where the catalog says so).

Only turns the server has completed (a ``TurnComplete`` came after them) go into
:meth:`RecentTranscript.history`: the turn still open is in the replay ring (:mod:`.resilient_buffer`) and
is sent again after the seed, so nothing is sent twice.

Bounds: at most ``max_entries`` entries and ``max_chars`` characters of text are kept; the oldest go first.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from desktop_app.core.events import Event, Interrupted, ModelText, Role, Transcript, TurnComplete

__all__ = ["RecentTranscript"]


@dataclass(slots=True)
class _Entry:
    role: Role
    text: str
    interrupted: bool = False
    completed: bool = False  # a TurnComplete came after it: the server has it


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
            for entry in self._entries:
                entry.completed = True

    def add_user_text(self, text: str) -> None:
        """A typed user turn (the server does not transcribe typed text back)."""
        if text.strip():
            self._open.pop(Role.USER, None)
            self._append(Role.USER, text)
            self._open.pop(Role.USER, None)

    def history(self) -> tuple[tuple[str, str], ...]:
        """The completed turns as ``(role, text)`` (``"user"`` / ``"model"``), oldest first, to seed a fresh
        session with (``SessionOptions.history``)."""
        return tuple(
            (entry.role.value, " ".join(entry.text.split()) + (" [interrupted]" if entry.interrupted else ""))
            for entry in self._entries
            if entry.completed
        )

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
