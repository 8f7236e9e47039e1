"""The conversation as the window shows it: turns of user, model and system lines, built from events.

Pure and synchronous (no Qt): :meth:`TranscriptModel.apply` takes an event and returns the entries it
added or changed, so a view redraws only those. Rules:

- Transcription arrives in pieces (deltas). Pieces of one role join into one open entry until a
  ``final`` piece, an :class:`Interrupted`, a :class:`TurnComplete` or a reconnect closes it.
- A model reply comes either as output transcription (audio) or as text parts (TEXT modality); whichever
  arrives first in a turn is shown, so a model that sends both is not shown twice.
- :class:`Interrupted` marks the model's entry of this turn as interrupted (or adds a marker when the
  model had said nothing yet). :class:`TurnComplete` ends the turn; the next content starts a new one.
- :class:`TurnLatency` attaches to the turn's model entry, even when it arrives before the first word.
- Typed turns (:meth:`add_typed`) appear at once, without waiting for the server. One that was not sent
  (the controller said so) is marked (:meth:`mark_not_sent`) and gets an UNSENT note with Resend under it;
  :meth:`take_unsent` removes both and gives the text back to send again.
- Thought summaries (:class:`ModelThought`, when the user asked for them) join into one THOUGHT entry per
  stretch of thinking, closed by the model's answer, the turn's end or ``InteractionUpdate(IDLE)``. A thought
  that comes while the model works on after the turn ended (``InteractionUpdate`` IN_PROGRESS, extended
  thinking) belongs to the turn it follows.
- Session state changes that matter to a reader (connection lost, reconnected, closed) become system lines.
- Tools: each function call is one TOOL line, rewritten in place by every :class:`ToolActivity` of that
  call. A call whose policy is "ask" also gets a CONSENT card (:meth:`TranscriptModel.add_consent`) that
  stays open until :meth:`TranscriptModel.settle_consent` (the user's answer, or the desk withdrawing it)
  or a final activity (a consent timeout reads "timed out — denied", a server cancellation "cancelled").
- Google Search sources (:meth:`TranscriptModel.add_grounding`) are a SOURCES line under the reply.

The model keeps at most ``max_entries`` entries and drops the oldest beyond that (``dropped`` counts them).
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field

from desktop_app.core.app_events import ToolActivity, ToolPhase, TurnLatency
from desktop_app.core.events import (
    Event,
    Interaction,
    InteractionUpdate,
    Interrupted,
    ModelText,
    ModelThought,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
)
from desktop_app.ui.tool_view import CardState, ConsentPrompt, SourceList, tool_line

__all__ = ["ChangeKind", "EntryKind", "TranscriptChange", "TranscriptEntry", "TranscriptModel"]


class EntryKind(enum.StrEnum):
    """Whose line it is. The value is the lower-case name (``"user"``): the state file writes it."""

    USER = enum.auto()
    MODEL = enum.auto()
    SYSTEM = enum.auto()
    THOUGHT = enum.auto()  # a thought summary: shown collapsed, never spoken
    TOOL = enum.auto()  # one function call, as a compact line
    CONSENT = enum.auto()  # a consent card: Allow once / Always allow this tool / Deny
    SOURCES = enum.auto()  # the reply's Google Search sources, as chips
    UNSENT = enum.auto()  # under a typed message that was not sent: says so, with Resend


@dataclass(slots=True)
class TranscriptEntry:
    """One line of the conversation. Mutable: the model grows it while it is open (``final`` is False)."""

    id: int
    kind: EntryKind
    turn: int
    text: str = ""
    final: bool = False
    interrupted: bool = False
    typed: bool = False
    not_sent: bool = False  # a typed message the session never got
    resend_of: int | None = None  # UNSENT: the id of the message it offers to resend
    latency_ms: float | None = None
    call_id: str = ""  # TOOL and CONSENT entries: the function call's id
    prompt: ConsentPrompt | None = None  # CONSENT: what the card shows
    card: CardState | None = None  # CONSENT: where it stands
    grounding: SourceList | None = None  # SOURCES

    def as_dict(self) -> dict[str, object]:
        """The entry as JSON-ready values (the state file's transcript); tool fields only when set."""
        out = {**asdict(self), "kind": self.kind.value}
        for name in ("call_id", "prompt", "card", "grounding", "not_sent", "resend_of"):
            if not out[name]:
                del out[name]
        if self.card is not None:
            out["card"] = self.card.value
        return out


class ChangeKind(enum.StrEnum):
    """What happened to an entry, for the view to redraw."""

    ADDED = enum.auto()
    UPDATED = enum.auto()
    REMOVED = enum.auto()


@dataclass(frozen=True, slots=True)
class TranscriptChange:
    kind: ChangeKind
    entry: TranscriptEntry


@dataclass(slots=True)
class _Turn:
    number: int = 1
    has_content: bool = False
    model_source: type[Event] | None = None  # Transcript or ModelText, whichever came first
    latency_ms: float | None = None
    open: dict[EntryKind, TranscriptEntry] = field(default_factory=dict)


class TranscriptModel:
    """See the module docstring. Call from one thread only."""

    def __init__(self, max_entries: int = 1000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max = max_entries
        self._entries: list[TranscriptEntry] = []
        self._next_id = 1
        self._turn = _Turn()
        self._phase: SessionPhase | None = None
        self._was_live = False
        self._working = False  # between InteractionUpdate IN_PROGRESS and IDLE (background work)
        self._calls: dict[tuple[EntryKind, str], TranscriptEntry] = {}  # TOOL/CONSENT entries by call id
        self.dropped = 0

    @property
    def entries(self) -> tuple[TranscriptEntry, ...]:
        return tuple(self._entries)

    @property
    def turn(self) -> int:
        """The number of the turn now being built (1 for the first)."""
        return self._turn.number

    def apply(self, event: Event) -> list[TranscriptChange]:
        """Feed one event; returns what was added, updated or removed (empty when nothing changed)."""
        if isinstance(event, Transcript):
            kind = EntryKind.USER if event.role is Role.USER else EntryKind.MODEL
            if kind is EntryKind.MODEL and not self._accept_model_source(Transcript):
                return []
            return self._append(kind, event.text, final=event.final)
        if isinstance(event, ModelText):
            if not self._accept_model_source(ModelText):
                return []
            return self._append(EntryKind.MODEL, event.text, final=False)
        if isinstance(event, ModelThought):
            return self._thought(event.text)
        if isinstance(event, InteractionUpdate):
            if event.status is not None:
                self._working = event.status is Interaction.IN_PROGRESS
            return self._close(EntryKind.THOUGHT) if event.status is Interaction.IDLE else []
        if isinstance(event, Interrupted):
            return self._interrupt()
        if isinstance(event, TurnComplete):
            return self._end_turn()
        if isinstance(event, TurnLatency):
            return self._latency(event.ms)
        if isinstance(event, SessionState):
            return self._session(event)
        if isinstance(event, ToolActivity):
            return self._tool(event)
        return []

    def add_typed(self, text: str) -> list[TranscriptChange]:
        """The user typed ``text`` and sent it: show it now as a final user entry."""
        text = text.strip()
        if not text:
            return []
        changes = self._close(EntryKind.USER)
        entry = self._new(EntryKind.USER, text, final=True)
        entry.typed = True
        changes.append(TranscriptChange(ChangeKind.ADDED, entry))
        return changes + self._trim()

    def mark_not_sent(self, entry_id: int) -> list[TranscriptChange]:
        """The typed message ``entry_id`` was not sent: mark it, and add an UNSENT note (with Resend) after
        it. Nothing when the entry is gone (trimmed) or already marked."""
        entry = next((e for e in self._entries if e.id == entry_id), None)
        if entry is None or entry.kind is not EntryKind.USER or entry.not_sent:
            return []
        entry.not_sent = True
        note = TranscriptEntry(self._next_id, EntryKind.UNSENT, entry.turn, entry.text, final=True)
        note.resend_of = entry.id
        self._next_id += 1
        self._entries.insert(self._entries.index(entry) + 1, note)
        return [TranscriptChange(ChangeKind.UPDATED, entry), TranscriptChange(ChangeKind.ADDED, note)]

    def take_unsent(self, note_id: int) -> tuple[str, list[TranscriptChange]]:
        """Resend: remove the UNSENT note ``note_id`` and its message; returns the message's text (to send
        again, as a new typed turn) and the removals. ``("", [])`` when the note is gone."""
        note = next((e for e in self._entries if e.id == note_id and e.kind is EntryKind.UNSENT), None)
        if note is None:
            return "", []
        gone = [e for e in self._entries if e is note or e.id == note.resend_of]
        for entry in gone:
            self._entries.remove(entry)
        return note.text, [TranscriptChange(ChangeKind.REMOVED, entry) for entry in gone]

    def add_consent(self, prompt: ConsentPrompt) -> list[TranscriptChange]:
        """A consent card for ``prompt`` (a second one for the same call is ignored)."""
        if (EntryKind.CONSENT, prompt.call_id) in self._calls:
            return []
        entry = self._new(EntryKind.CONSENT, prompt.tool, final=False)
        entry.call_id, entry.prompt, entry.card = prompt.call_id, prompt, CardState.WAITING
        self._calls[(EntryKind.CONSENT, prompt.call_id)] = entry
        return [TranscriptChange(ChangeKind.ADDED, entry), *self._trim()]

    def settle_consent(self, call_id: str, state: CardState) -> list[TranscriptChange]:
        """Close the card of ``call_id`` as ``state``; nothing when it is already closed or unknown."""
        entry = self._calls.get((EntryKind.CONSENT, call_id))
        if entry is None or entry.card is None or not entry.card.open or state.open:
            return []
        entry.card, entry.final = state, True
        return [TranscriptChange(ChangeKind.UPDATED, entry)]

    def open_cards(self) -> list[TranscriptEntry]:
        """The consent cards still waiting, oldest first."""
        return [e for e in self._entries if e.kind is EntryKind.CONSENT and e.card is CardState.WAITING]

    def add_grounding(self, grounding: SourceList) -> list[TranscriptChange]:
        """The search sources of the reply now being given (or of the turn that just ended)."""
        if not grounding:
            return []
        after_turn = not self._turn.has_content and self._turn.number > 1
        entry = self._new(EntryKind.SOURCES, "", final=True)
        entry.grounding = grounding
        if after_turn:
            entry.turn = self._turn.number - 1
            self._turn.has_content = False
        return [TranscriptChange(ChangeKind.ADDED, entry), *self._trim()]

    # --- rules ---------------------------------------------------------------------------------

    def _accept_model_source(self, source: type[Event]) -> bool:
        if self._turn.model_source is None:
            self._turn.model_source = source
        return self._turn.model_source is source

    def _thought(self, text: str) -> list[TranscriptChange]:
        open_thought = self._turn.open.get(EntryKind.THOUGHT)
        if open_thought is not None:
            if open_thought.text[-1:] in (".", "!", "?", ":") and text[:1] and not text[0].isspace():
                text = " " + text  # separate parts are separate sentences
            return self._append(EntryKind.THOUGHT, text, final=False)
        if not text:
            return []
        after_turn = self._working and not self._turn.has_content and self._turn.number > 1
        changes = self._append(EntryKind.THOUGHT, text, final=False)
        if after_turn:  # background work of the turn just ended: it belongs there, and opens no new turn
            self._turn.open[EntryKind.THOUGHT].turn = self._turn.number - 1
            self._turn.has_content = False
        return changes

    def _append(self, kind: EntryKind, text: str, *, final: bool) -> list[TranscriptChange]:
        if not text and not final:
            return []
        head = self._close(EntryKind.THOUGHT) if kind is EntryKind.MODEL and text else []
        if head:
            return head + self._append(kind, text, final=final)
        entry = self._turn.open.get(kind)
        if entry is None:
            if not text:
                return []
            entry = self._new(kind, text, final=final)
            if kind is EntryKind.MODEL:
                entry.latency_ms = self._turn.latency_ms
            if not final:
                self._turn.open[kind] = entry
            return [TranscriptChange(ChangeKind.ADDED, entry), *self._trim()]
        entry.text += text
        if final:
            entry.final = True
            del self._turn.open[kind]
        return [TranscriptChange(ChangeKind.UPDATED, entry)]

    def _interrupt(self) -> list[TranscriptChange]:
        entry = self._turn.open.pop(EntryKind.MODEL, None)
        if entry is None:
            entry = self._last(EntryKind.MODEL, self._turn.number)
        if entry is not None:
            entry.interrupted = True
            entry.final = True
            return [TranscriptChange(ChangeKind.UPDATED, entry)]
        marker = self._new(EntryKind.MODEL, "", final=True)
        marker.interrupted = True
        return [TranscriptChange(ChangeKind.ADDED, marker), *self._trim()]

    def _end_turn(self) -> list[TranscriptChange]:
        changes = self._close_all()
        if self._turn.has_content:
            self._turn = _Turn(number=self._turn.number + 1)
        else:
            self._turn = _Turn(number=self._turn.number)
        return changes

    def _latency(self, ms: float) -> list[TranscriptChange]:
        self._turn.latency_ms = ms
        entry = self._turn.open.get(EntryKind.MODEL) or self._last(EntryKind.MODEL, self._turn.number)
        if entry is None:
            return []
        entry.latency_ms = ms
        return [TranscriptChange(ChangeKind.UPDATED, entry)]

    def _session(self, event: SessionState) -> list[TranscriptChange]:
        previous, self._phase = self._phase, event.phase
        if previous is event.phase:
            return []
        text = ""
        if event.phase is SessionPhase.RECONNECTING:
            text = event.notice or "Connection interrupted. Reconnecting…"
        elif event.phase is SessionPhase.LIVE:
            if previous is SessionPhase.RECONNECTING:
                text = event.notice or "Reconnected. The conversation continues."
            elif self._was_live:
                text = "New session started."
            self._was_live = True
        elif event.phase is SessionPhase.CLOSED and event.detail:
            text = f"Session closed: {event.detail}"
        if not text:
            return []
        changes = self._close_all()
        entry = self._new(EntryKind.SYSTEM, text, final=True)
        return [*changes, TranscriptChange(ChangeKind.ADDED, entry), *self._trim()]

    def _tool(self, event: ToolActivity) -> list[TranscriptChange]:
        final = event.phase in (ToolPhase.DONE, ToolPhase.FAILED, ToolPhase.CANCELLED)
        changes: list[TranscriptChange] = []
        if event.phase is ToolPhase.CANCELLED:
            changes += self.settle_consent(event.call_id, CardState.CANCELLED)
        elif event.phase is ToolPhase.FAILED and event.decision == "no answer":
            changes += self.settle_consent(event.call_id, CardState.TIMED_OUT)
        entry = self._calls.get((EntryKind.TOOL, event.call_id))
        if entry is None:
            entry = self._new(EntryKind.TOOL, tool_line(event), final=final)
            entry.call_id = event.call_id
            self._calls[(EntryKind.TOOL, event.call_id)] = entry
            return [*changes, TranscriptChange(ChangeKind.ADDED, entry), *self._trim()]
        entry.text, entry.final = tool_line(event), final
        return [*changes, TranscriptChange(ChangeKind.UPDATED, entry)]

    # --- helpers -------------------------------------------------------------------------------

    def _new(self, kind: EntryKind, text: str, *, final: bool) -> TranscriptEntry:
        entry = TranscriptEntry(self._next_id, kind, self._turn.number, text, final=final)
        self._next_id += 1
        self._entries.append(entry)
        if kind is not EntryKind.SYSTEM:
            self._turn.has_content = True
        return entry

    def _close(self, kind: EntryKind) -> list[TranscriptChange]:
        entry = self._turn.open.pop(kind, None)
        if entry is None:
            return []
        entry.final = True
        return [TranscriptChange(ChangeKind.UPDATED, entry)]

    def _close_all(self) -> list[TranscriptChange]:
        return self._close(EntryKind.USER) + self._close(EntryKind.MODEL) + self._close(EntryKind.THOUGHT)

    def _last(self, kind: EntryKind, turn: int) -> TranscriptEntry | None:
        for entry in reversed(self._entries):
            if entry.turn != turn:
                return None
            if entry.kind is kind:
                return entry
        return None

    def _trim(self) -> list[TranscriptChange]:
        changes = []
        while len(self._entries) > self._max:
            old = self._entries.pop(0)
            for kind, entry in list(self._turn.open.items()):
                if entry is old:
                    del self._turn.open[kind]
            if old.call_id and self._calls.get((old.kind, old.call_id)) is old:
                del self._calls[(old.kind, old.call_id)]
            self.dropped += 1
            changes.append(TranscriptChange(ChangeKind.REMOVED, old))
        return changes
