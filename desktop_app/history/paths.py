"""Where session history is kept, and how its files are named: ``<id>.jsonl`` per session, with its
recordings ``<id>.wav``, ``<id>-2.wav``… and the name the user gave it, ``<id>.title``, beside it."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import platformdirs

__all__ = [
    "APP_NAME",
    "DATA_DIR_ENV",
    "create_private",
    "history_dir",
    "new_recording_file",
    "new_session_id",
    "recordings_of",
    "title_file",
]

APP_NAME = "gemini-live-desktop"
DATA_DIR_ENV = "GLD_DATA_DIR"
"""Overrides the user data directory (tests, portable installs); history goes to ``$GLD_DATA_DIR/history``."""


def history_dir(override: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The history directory: ``override`` if given, else ``$GLD_DATA_DIR/history``, else
    ``platformdirs.user_data_dir("gemini-live-desktop")/history``. Nothing is created here."""
    if override is not None:
        return override
    env = os.environ if env is None else env
    base = env.get(DATA_DIR_ENV)
    return (Path(base) if base else Path(platformdirs.user_data_dir(APP_NAME))) / "history"


def new_session_id(now: datetime) -> str:
    """``YYYYMMDD-HHMMSS-xxxx``: sortable by start time, unique enough for one user."""
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def create_private(path: Path, flags: int = os.O_WRONLY) -> int | None:
    """Create ``path`` (mode 0600) and return its open descriptor, or None when it already exists.
    ``flags`` are added to ``O_CREAT | O_EXCL``. Raises OSError for any other failure."""
    try:
        return os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None


def new_recording_file(session: Path | None) -> Path:
    """Create (private, empty) the WAV for a session: ``<id>.wav`` beside its history file, or
    ``<id>-2.wav``… when recording was turned off and on again. Without history, a fresh id in the
    history directory. Blocking file I/O. Raises OSError."""
    if session is not None:
        directory, stem = session.parent, session.stem
    else:
        directory, stem = history_dir(), new_session_id(datetime.now().astimezone())
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for number in range(1, 100):
        path = directory / (f"{stem}.wav" if number == 1 else f"{stem}-{number}.wav")
        fd = create_private(path)
        if fd is not None:
            os.close(fd)
            return path
    raise FileExistsError(f"no free recording name for {stem} in {directory}")


def recordings_of(session: Path) -> list[Path]:
    """The WAV recordings of a session (see :func:`new_recording_file`), oldest first; [] when unreadable."""
    pattern = re.compile(re.escape(session.stem) + r"(-\d+)?\.wav")
    try:
        found = [p for p in session.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return []
    return sorted(found, key=lambda p: (len(p.name), p.name))


def title_file(session: Path) -> Path:
    """Where the name the user gave a session is kept: ``<id>.title`` (UTF-8 text) beside its file."""
    return session.with_suffix(".title")
