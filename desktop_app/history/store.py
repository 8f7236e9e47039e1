"""The history directory as a collection of sessions: list them, find one by id or unique prefix."""

from __future__ import annotations

from pathlib import Path

from desktop_app.history.paths import history_dir
from desktop_app.history.reader import SessionLog, SessionSummary, load_session, summarize

__all__ = ["HistoryStore", "SessionNotFound"]


class SessionNotFound(LookupError):
    """No session (or more than one) matches the given id; ``str()`` says which."""


class HistoryStore:
    """Read access to the session files in ``directory`` (default: :func:`history_dir`). No I/O on init."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = history_dir(directory)

    def paths(self) -> list[Path]:
        """Session files, newest first (ids sort by start time)."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.jsonl"), key=lambda p: p.name, reverse=True)

    def list_sessions(self, limit: int | None = None) -> list[SessionSummary]:
        """Summaries, newest first. Unreadable files are skipped."""
        out: list[SessionSummary] = []
        for path in self.paths():
            if limit is not None and len(out) >= limit:
                break
            try:
                out.append(summarize(load_session(path)))
            except OSError:
                continue
        return out

    def find(self, session_id: str) -> Path:
        """The file of the session whose id is ``session_id`` or starts with it (unique)."""
        wanted = session_id.strip().removesuffix(".jsonl")
        if not wanted or "/" in wanted or "\\" in wanted:
            raise SessionNotFound(f"No session {session_id!r} in {self.directory}.")
        exact = self.directory / f"{wanted}.jsonl"
        if exact.is_file():
            return exact
        matches = [p for p in self.paths() if p.stem.startswith(wanted)]
        if not matches:
            raise SessionNotFound(f"No session {session_id!r} in {self.directory}.")
        if len(matches) > 1:
            shown = ", ".join(p.stem for p in matches[:5])
            raise SessionNotFound(
                f"{session_id!r} matches {len(matches)} sessions ({shown}); give more of the id."
            )
        return matches[0]

    def load(self, session_id: str) -> SessionLog:
        return load_session(self.find(session_id))
