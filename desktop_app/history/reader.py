"""Read session files back: tolerant of a crash, grouped into turns for people.

:func:`read_records` parses every complete line; a torn last line (the program or the machine died while
writing it) and any line that is not a JSON object are skipped and counted, never raised. :func:`load_session`
then groups the records into :class:`Turn` values (what the user said, what the model said and thought, when,
whether it was interrupted or worked on in the background) plus :class:`Notice` values (errors, reconnects),
and :func:`summarize` makes the one-line :class:`SessionSummary` the session list shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.history.paths import title_file

__all__ = [
    "Notice",
    "ReadResult",
    "SessionLog",
    "SessionSummary",
    "Turn",
    "join_thought",
    "load_session",
    "read_records",
    "read_title",
    "summarize",
]


@dataclass(frozen=True, slots=True)
class ReadResult:
    records: list[dict[str, Any]]
    torn_tail: bool = False  # the last line was incomplete and was skipped
    bad_lines: int = 0  # other lines that were not JSON objects


def read_records(path: Path) -> ReadResult:
    """Every complete JSON-object line of ``path``. Raises OSError only if the file cannot be read."""
    data = path.read_bytes()
    records: list[dict[str, Any]] = []
    bad = 0
    torn = False
    lines = data.split(b"\n")
    for index, raw in enumerate(lines):
        last = index == len(lines) - 1
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            value = None
        if isinstance(value, dict):
            records.append(value)
        elif last:
            torn = True  # written without its newline: the write was cut short
        else:
            bad += 1
    return ReadResult(records, torn, bad)


@dataclass(slots=True)
class Turn:
    """One exchange: the user's words and the model's answer, with times in seconds since the start.

    ``complete`` is False for a turn still in progress when the session ended (or crashed).
    """

    index: int
    user: str = ""
    model: str = ""
    user_start: float | None = None
    user_end: float | None = None
    model_start: float | None = None
    end: float | None = None
    interrupted: bool = False
    complete: bool = False
    tokens: int = 0
    thoughts: str = ""  # thought summaries (``model_thought``), also those that came after the turn ended
    thought_start: float | None = None
    background: bool = False  # the model went on working after the turn (``interaction_update`` IN_PROGRESS)
    search_queries: list[str] = field(default_factory=list)  # Google Search grounding (``grounding``)
    sources: list[tuple[str, str]] = field(default_factory=list)  # (title, uri), each once, in order

    @property
    def start(self) -> float | None:
        times = [t for t in (self.user_start, self.model_start) if t is not None]
        return min(times) if times else None

    @property
    def empty(self) -> bool:
        return not (self.user.strip() or self.model.strip())


@dataclass(frozen=True, slots=True)
class Notice:
    """Something that happened between the words: an error, a reconnect, the session closing."""

    t: float
    kind: str  # "error", "reconnecting", "live", "closed", "tool" (a function call's outcome)
    text: str


@dataclass(slots=True)
class SessionLog:
    """One loaded session."""

    id: str
    path: Path
    header: dict[str, Any]
    turns: list[Turn] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    duration_s: float = 0.0
    complete: bool = False  # a session_end record was written (a clean close)
    torn_tail: bool = False
    bad_lines: int = 0
    reconnects: int = 0
    errors: int = 0
    interruptions: int = 0
    total_tokens: int = 0
    title: str = ""  # the name the user gave it ("" when never renamed)

    @property
    def started_at(self) -> str:
        return str(self.header.get("started_at", ""))

    @property
    def said_anything(self) -> bool:
        """Whether anyone said (or typed) a word: a session without one is not worth listing."""
        return any(not turn.empty for turn in self.turns)

    def text(self) -> str:
        """Every word said, both sides, turn by turn (what a search looks in)."""
        return "\n".join(f"{turn.user}\n{turn.model}" for turn in self.turns)


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: str
    path: Path
    started_at: str
    duration_s: float
    turns: int
    first_words: str
    complete: bool
    reconnects: int
    errors: int
    title: str = ""  # the name the user gave it ("" when never renamed)
    match: str = ""  # for a search: the words around the first hit


class _Builder:
    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.current = Turn(index=1)
        self.model_texts = ""  # ModelText parts, used when there is no output transcription
        self.working = False  # between interaction_update IN_PROGRESS and IDLE

    def user(self, t: float, text: str, *, typed: bool = False) -> None:
        turn = self.current
        if typed and turn.user and not turn.user.endswith((" ", "\n")):
            text = "\n" + text
        turn.user += text
        turn.user_start = t if turn.user_start is None else turn.user_start
        turn.user_end = t

    def model(self, t: float, text: str, *, transcript: bool) -> None:
        turn = self.current
        if transcript:
            turn.model += text
        else:
            self.model_texts += text
        turn.model_start = t if turn.model_start is None else turn.model_start

    def owner(self) -> Turn:
        """The turn a record that may follow ``turn_complete`` belongs to (usage, background work)."""
        current = self.current
        return self.turns[-1] if current.empty and not current.thoughts and self.turns else current

    def thought(self, t: float, text: str) -> None:
        after_turn = self.working and self.current.empty and self.turns  # the last turn's background work
        turn = self.turns[-1] if after_turn else self.current
        turn.thoughts = join_thought(turn.thoughts, text)
        turn.thought_start = t if turn.thought_start is None else turn.thought_start

    def finish(self, t: float | None, *, complete: bool) -> None:
        turn = self.current
        if not turn.model and self.model_texts:
            turn.model = self.model_texts
        self.model_texts = ""
        turn.end = t
        turn.complete = complete
        if not turn.empty or turn.interrupted or turn.thoughts:
            self.turns.append(turn)
            self.current = Turn(index=turn.index + 1)
        else:
            self.current = Turn(index=turn.index)


def load_session(path: Path) -> SessionLog:
    """Load one session file (see :mod:`.writer` for the format). Raises OSError if it cannot be read."""
    result = read_records(path)
    records = result.records
    header = records[0] if records and records[0].get("type") == "session_start" else {}
    log = SessionLog(
        id=str(header.get("id") or path.stem),
        path=path,
        header=header,
        torn_tail=result.torn_tail,
        bad_lines=result.bad_lines,
    )
    build = _Builder()
    last_t = 0.0
    for record in records:
        kind = record.get("type")
        t = _number(record.get("t"))
        if t is not None:
            last_t = max(last_t, t)
        at = t if t is not None else last_t
        if kind == "transcript":
            text = str(record.get("text") or "")
            if record.get("role") == "user":
                build.user(at, text)
            else:
                build.model(at, text, transcript=True)
        elif kind == "model_text":
            build.model(at, str(record.get("text") or ""), transcript=False)
        elif kind == "model_thought":
            build.thought(at, str(record.get("text") or ""))
        elif kind == "interaction_update":
            status = record.get("status")
            if status == "in_progress":
                build.owner().background = build.working = True
            elif status == "idle":
                build.working = False
        elif kind == "grounding":
            _ground(build.owner(), record)
        elif kind == "user_text":
            build.user(at, str(record.get("text") or ""), typed=True)
        elif kind == "interrupted":
            build.current.interrupted = True
            log.interruptions += 1
        elif kind == "turn_complete":
            build.finish(at, complete=True)
        elif kind == "usage_update":
            tokens = int(_number(record.get("total_tokens")) or 0)
            build.owner().tokens += tokens  # usage rides with (right after) the turnComplete it counts
            log.total_tokens += tokens
        elif kind == "error_event":
            log.errors += 1
            log.notices.append(Notice(at, "error", str(record.get("message") or "")))
        elif kind == "session_state":
            phase = str(record.get("phase") or "")
            detail = str(record.get("detail") or "")
            if phase == "reconnecting":
                log.reconnects += 1
                log.notices.append(Notice(at, "reconnecting", detail))
            elif phase == "closed" and detail:
                log.notices.append(Notice(at, "closed", detail))
        elif kind == "tool_activity" and record.get("phase") in _TOOL_FINAL:
            log.notices.append(Notice(at, "tool", _tool_text(record)))
        elif kind == "session_end":
            log.complete = True
    build.finish(None, complete=False)
    log.turns = build.turns
    log.duration_s = last_t
    log.title = read_title(path)
    return log


def read_title(session: Path) -> str:
    """The name the user gave the session at ``session`` ("" when none, or when it cannot be read)."""
    try:
        return " ".join(title_file(session).read_text(encoding="utf-8").split())
    except (OSError, UnicodeDecodeError):
        return ""


def summarize(log: SessionLog, words: int = 12) -> SessionSummary:
    """The one-line summary of a loaded session: id, start, duration, turns, first words."""
    first = ""
    for turn in log.turns:
        first = (turn.user or turn.model).strip()
        if first:
            break
    parts = first.split()
    first_words = " ".join(parts[:words]) + (" …" if len(parts) > words else "")
    return SessionSummary(
        id=log.id,
        path=log.path,
        started_at=log.started_at,
        duration_s=log.duration_s,
        turns=sum(1 for turn in log.turns if turn.complete),
        first_words=first_words,
        complete=log.complete,
        reconnects=log.reconnects,
        errors=log.errors,
        title=log.title,
    )


def join_thought(so_far: str, piece: str) -> str:
    """Thought summary pieces joined: a space goes between a finished sentence and the next piece."""
    if so_far and piece and so_far[-1] in ".!?:" and not piece[0].isspace():
        return f"{so_far} {piece}"
    return so_far + piece


def _ground(turn: Turn, record: dict[str, Any]) -> None:
    """Add a ``grounding`` record's queries and web sources to ``turn`` (each once)."""
    for query in record.get("queries") or ():
        if isinstance(query, str) and query and query not in turn.search_queries:
            turn.search_queries.append(query)
    for source in record.get("sources") or ():
        if isinstance(source, dict):
            pair = (str(source.get("title") or ""), str(source.get("uri") or ""))
            if any(pair) and pair not in turn.sources:
                turn.sources.append(pair)


_TOOL_FINAL = ("done", "failed", "cancelled")


def _tool_text(record: dict[str, Any]) -> str:
    """One audit line: ``name(args) — decision, outcome: summary (N ms)``."""
    name, args = str(record.get("name") or "?"), str(record.get("args") or "")
    phase, error = str(record.get("phase")), str(record.get("error") or "")
    outcome = {"done": "done", "cancelled": "cancelled"}.get(
        phase, f"failed ({error})" if error else "failed"
    )
    decision = str(record.get("decision") or "")
    parts = [f"{name}({args})", "—", f"{decision}, {outcome}" if decision else outcome]
    if record.get("summary"):
        parts[-1] += f": {record['summary']}"
    ms = _number(record.get("duration_ms"))
    if ms is not None:
        parts.append(f"({ms:.0f} ms)")
    return " ".join(parts)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
