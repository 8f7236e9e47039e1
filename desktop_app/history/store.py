"""The history directory as a collection of sessions: list, search, rename and delete them, find one by id.

A session in which nothing was said (opened and closed, or only connection notices) is not listed, and a
search never finds one. Every method reads or writes files: call them off the UI and loop threads.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import replace
from pathlib import Path

from desktop_app.history.paths import create_private, history_dir, recordings_of, title_file
from desktop_app.history.reader import SessionLog, SessionSummary, load_session, summarize

__all__ = ["HistoryStore", "SessionNotFound", "search_words"]

TITLE_MAX = 120
"""A session's name is cut to this many characters."""
MATCH_BEFORE, MATCH_AFTER = 16, 64
"""Characters shown before and after a search hit (few before: a list row cuts the end, not the hit)."""


class SessionNotFound(LookupError):
    """No session (or more than one) matches the given id; ``str()`` says which."""


def search_words(query: str) -> list[str]:
    """The words of a search, folded for comparison: a session matches when it holds every one."""
    return query.casefold().split()


def _match(log: SessionLog, words: list[str]) -> str | None:
    """The words around the first hit when ``log`` (its words and its name) holds every one of
    ``words``; None when it does not. An empty search matches everything with no excerpt."""
    if not words:
        return ""
    text = " ".join(log.text().split())
    folded = text.casefold()
    haystack = f"{folded} {log.title.casefold()}"
    if not all(word in haystack for word in words):
        return None
    at = folded.find(words[0])
    if at < 0:  # the first word is only in the name
        return ""
    start, end = max(0, at - MATCH_BEFORE), min(len(text), at + len(words[0]) + MATCH_AFTER)
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


class HistoryStore:
    """The session files in ``directory`` (default: :func:`history_dir`). No I/O on init."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = history_dir(directory)

    def paths(self) -> list[Path]:
        """Session files, newest first (ids sort by start time)."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.jsonl"), key=lambda p: p.name, reverse=True)

    def list_sessions(self, limit: int | None = None, *, matching: str = "") -> list[SessionSummary]:
        """Summaries, newest first, of the sessions in which something was said; with ``matching``, only
        those holding every word of it (case-insensitive), each with :attr:`SessionSummary.match`, the
        words around the first hit. Unreadable files are skipped."""
        words = search_words(matching)
        out: list[SessionSummary] = []
        for path in self.paths():
            if limit is not None and len(out) >= limit:
                break
            try:
                log = load_session(path)
            except OSError:
                continue
            if not log.said_anything:
                continue
            found = _match(log, words)
            if found is not None:
                out.append(replace(summarize(log), match=found))
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

    def rename(self, session_id: str, title: str) -> str:
        """Name the session ``title`` (spaces collapsed, at most :data:`TITLE_MAX` characters; "" goes back
        to no name). Returns the name kept. Written whole or not at all (a private temporary file renamed
        over the old one). Raises SessionNotFound, OSError."""
        path = self.find(session_id)
        title = " ".join(title.split())[:TITLE_MAX]
        target = title_file(path)
        if not title:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            return ""
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        fd = create_private(temporary)
        if fd is None:  # pragma: no cover - unlinked just above
            raise FileExistsError(temporary)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(title + "\n")
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        return title

    def delete(self, session_id: str) -> list[Path]:
        """Delete the session: its file, its recordings and its name. Returns the files removed.
        Raises SessionNotFound, OSError (files removed before the failure stay removed)."""
        path = self.find(session_id)
        removed: list[Path] = []
        for file in (*recordings_of(path), title_file(path), path):
            try:
                file.unlink()
            except FileNotFoundError:
                continue
            removed.append(file)
        return removed
