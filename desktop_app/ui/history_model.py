"""Past conversations as the history panel shows them: pure, Qt-free, and run off the Qt thread.

The panel (:mod:`desktop_app.ui.history_dialog`) calls these in the window's worker threads:

- :func:`list_rows` reads the newest sessions in which something was said (at most :data:`LIST_LIMIT`;
  with a search, those holding every word of it) and makes one :class:`SessionRow` each: its name (or
  when it started), how long it lasted, how many turns, its first words (or the words around the hit);
- :func:`open_session` loads one session file and makes a :class:`PastSession`: the heading, the
  transcript as :class:`~desktop_app.ui.transcript_model.TranscriptEntry` values (so the panel draws it
  with the same bubbles as the live conversation) and any recordings beside it;
- :func:`export_session` writes it as Markdown or SRT, under a name :func:`suggested_name` proposes;
- :func:`rename_session` and :func:`delete_session` change the store.

Nothing here raises for a damaged file (the reader skips a torn line); an unreadable one raises OSError,
which the panel shows as a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from desktop_app.controller_api import (
    HistoryStore,
    Notice,
    SessionLog,
    SessionSummary,
    export_file_name,
    format_duration,
    load_session,
    recordings_of,
    to_markdown,
    to_srt,
)
from desktop_app.ui.transcript_model import EntryKind, TranscriptEntry

__all__ = [
    "EXPORT_FORMATS",
    "LIST_LIMIT",
    "PastSession",
    "SessionList",
    "SessionRow",
    "delete_session",
    "export_session",
    "list_rows",
    "open_session",
    "rename_session",
    "started_label",
    "suggested_name",
    "transcript_entries",
]

LIST_LIMIT = 200
"""The panel lists at most this many sessions, newest first."""

EXPORT_FORMATS = {"md": to_markdown, "srt": to_srt}


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One line of the session list."""

    id: str
    path: Path
    title: str  # the name the user gave it, else when it started: "Today, 14:03"
    detail: str  # "3 min 05 s · 4 turns" ("Today, 14:03 · 3 min 05 s · 4 turns" when it has a name)
    first_words: str  # its first words, or in a search the words around the hit
    flags: str  # "unfinished · 1 reconnect", or ""
    name: str = ""  # the name the user gave it ("" when none)


@dataclass(frozen=True, slots=True)
class SessionList:
    rows: list[SessionRow]
    directory: Path
    exists: bool  # the history directory exists (else there is nothing to open)
    truncated: bool  # more sessions than LIST_LIMIT exist
    search: str = ""  # the search these rows answer ("" for all sessions)


@dataclass(slots=True)
class PastSession:
    """One loaded session, ready to show."""

    log: SessionLog
    title: str
    facts: str  # "3 min 05 s · 4 turns · emulator · gemini-…"
    flags: str
    entries: list[TranscriptEntry] = field(default_factory=list)
    recordings: list[Path] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.log.path


def started_label(started_at: str, today: date | None = None) -> str:
    """``Today, 14:03``, ``Yesterday, 09:12``, ``Mon 12 May, 14:03`` or ``12 May 2023, 14:03``."""
    try:
        moment = datetime.fromisoformat(started_at)
    except ValueError:
        return started_at or "Unknown date"
    today = today or date.today()
    clock = f"{moment.hour:02d}:{moment.minute:02d}"
    day = moment.date()
    if day == today:
        return f"Today, {clock}"
    if day == today - timedelta(days=1):
        return f"Yesterday, {clock}"
    if day.year == today.year:
        return f"{moment:%a} {day.day} {moment:%b}, {clock}"
    return f"{day.day} {moment:%b} {day.year}, {clock}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _flags(complete: bool, reconnects: int, errors: int) -> str:
    parts = []
    if not complete:
        parts.append("unfinished")
    if reconnects:
        parts.append(_plural(reconnects, "reconnect"))
    if errors:
        parts.append(_plural(errors, "error"))
    return " · ".join(parts)


def session_row(summary: SessionSummary, today: date | None = None) -> SessionRow:
    started = started_label(summary.started_at, today)
    detail = f"{format_duration(summary.duration_s)} · {_plural(summary.turns, 'turn')}"
    return SessionRow(
        id=summary.id,
        path=summary.path,
        title=summary.title or started,
        detail=f"{started} · {detail}" if summary.title else detail,
        first_words=summary.match or summary.first_words or "(nothing was said)",
        flags=_flags(summary.complete, summary.reconnects, summary.errors),
        name=summary.title,
    )


def list_rows(store: HistoryStore, limit: int = LIST_LIMIT, search: str = "") -> SessionList:
    """The newest ``limit`` sessions of ``store`` in which something was said, those holding every word
    of ``search`` when given (blocking: reads each file; call off the Qt thread)."""
    summaries = store.list_sessions(limit=limit + 1, matching=search)
    today = date.today()
    return SessionList(
        rows=[session_row(s, today) for s in summaries[:limit]],
        directory=store.directory,
        exists=store.directory.is_dir(),
        truncated=len(summaries) > limit,
        search=search,
    )


def rename_session(store: HistoryStore, session_id: str, name: str) -> str:
    """Give the session ``name`` ("" removes it); returns the name kept. Blocking. Raises OSError,
    LookupError (the session is gone)."""
    return store.rename(session_id, name)


def delete_session(store: HistoryStore, session_id: str) -> str:
    """Delete the session with its recordings; returns its id. Blocking. Raises OSError, LookupError."""
    store.delete(session_id)
    return session_id


def suggested_name(log: SessionLog, fmt: str) -> str:
    """The file name an export of ``log`` suggests: its day and first words (or its name), sanitised."""
    return export_file_name(log, fmt)


def _notice_text(notice: Notice) -> str:
    if notice.kind == "reconnecting":
        return f"Connection interrupted ({notice.text}). Reconnecting…" if notice.text else "Reconnecting…"
    if notice.kind == "closed":
        return f"Session closed: {notice.text}"
    return f"Error: {notice.text}" if notice.kind == "error" else f"{notice.kind}: {notice.text}"


def transcript_entries(log: SessionLog) -> list[TranscriptEntry]:
    """The conversation as transcript entries, in time order: what the user said, what the model thought
    (thought summaries) and said (interrupted, or cut short and so not final), and notices (errors,
    reconnects) as system lines."""
    timed: list[tuple[float, int, TranscriptEntry]] = []
    for turn in log.turns:
        if turn.user.strip():
            entry = TranscriptEntry(0, EntryKind.USER, turn.index, turn.user.strip(), final=True)
            timed.append((turn.user_start or 0.0, 0, entry))
        if turn.thoughts.strip():  # shown collapsed, like in the live window
            thought = TranscriptEntry(0, EntryKind.THOUGHT, turn.index, turn.thoughts.strip(), final=True)
            timed.append((turn.thought_start or 0.0, 1, thought))
        if turn.model.strip() or turn.interrupted:
            at = turn.model_start if turn.model_start is not None else (turn.end or turn.user_end or 0.0)
            entry = TranscriptEntry(
                0,
                EntryKind.MODEL,
                turn.index,
                turn.model.strip(),
                final=turn.complete or turn.interrupted,
                interrupted=turn.interrupted,
            )
            timed.append((at, 1, entry))
    for notice in log.notices:
        timed.append((notice.t, 2, TranscriptEntry(0, EntryKind.SYSTEM, 0, _notice_text(notice), final=True)))
    timed.sort(key=lambda item: (item[0], item[1]))
    entries = []
    current = 1
    for number, (_t, _order, entry) in enumerate(timed, 1):
        entry.id = number
        if entry.kind is EntryKind.SYSTEM:
            entry.turn = current
        else:
            current = entry.turn
        entries.append(entry)
    return entries


def open_session(path: Path, today: date | None = None) -> PastSession:
    """Load ``path`` for showing (blocking; call off the Qt thread). Raises OSError if it cannot be read."""
    log = load_session(path)
    facts = [format_duration(log.duration_s), _plural(sum(1 for t in log.turns if t.complete), "turn")]
    if log.title:  # the heading shows the name, so the facts say when
        facts.insert(0, started_label(log.started_at, today))
    for key in ("backend", "model"):
        value = log.header.get(key)
        if value:
            facts.append(str(value))
    return PastSession(
        log=log,
        title=log.title or started_label(log.started_at, today),
        facts=" · ".join(facts),
        flags=_flags(log.complete, log.reconnects, log.errors),
        entries=transcript_entries(log),
        recordings=recordings_of(path),
    )


def export_session(log: SessionLog, fmt: str, target: Path) -> Path:
    """Write ``log`` to ``target`` as ``md`` or ``srt`` (blocking). Raises OSError, KeyError for a format."""
    text = EXPORT_FORMATS[fmt](log)
    target.write_text(text, encoding="utf-8")
    return target
