"""Append one conversation to its own JSON-lines file as it happens.

File format (version 1), one JSON object per line, UTF-8:

- first line: ``{"type": "session_start", "version": 1, "id", "started_at" (ISO 8601 with offset),
  "backend", "model", "app"}``;
- then one line per event, in the shape of :func:`desktop_app.event_log.event_record` plus ``"t"``
  (seconds since the start): transcripts, model text, turn boundaries (``turn_complete``,
  ``generation_complete``), ``interrupted``, ``error_event``, ``session_state`` (connecting, live,
  reconnecting with the reason, closed), ``usage_update``, tool calls, ``grounding`` (search queries and
  sources), voice activity. Audio is not written here (bytes would be lengths anyway; see :mod:`.recorder`
  for the opt-in WAV);
- ``{"type": "user_text", "t", "text"}`` for typed turns (the service does not transcribe them back);
- last line, on a clean close: ``{"type": "session_end", "t", "ended_at", "reason"}``.

Durability: every line is written to the OS at once (a crash of the program loses nothing written), and
at every turn end, interruption, error and state change the file is also fsynced — on a background thread,
so the loop thread never waits for the disk — so a power cut loses at most the turn in progress. Files are
created ``0600`` in a ``0700`` directory: they hold what the user said.

Storage faults (a full disk, an I/O error): lines are written unbuffered, so the writer knows how many bytes
are whole lines; a write that fails (or lands only in part) is cut back to that size, so the file still
parses with every earlier turn intact. The writer then stops recording and tells ``on_failure`` once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from desktop_app import __version__
from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.events import (
    ErrorEvent,
    Event,
    Interrupted,
    SessionState,
    TurnComplete,
)
from desktop_app.event_log import event_record
from desktop_app.history.paths import create_private, history_dir, new_session_id

__all__ = ["FORMAT_VERSION", "HistoryWriter"]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_SYNC_AFTER = (TurnComplete, Interrupted, ErrorEvent, SessionState)


class _Syncer:
    """fsyncs one file descriptor on a daemon thread whenever asked (requests coalesce)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._wanted = threading.Event()
        self._stopping = False
        self.syncs = 0
        self.failed: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="history-fsync", daemon=True)
        self._thread.start()

    def request(self) -> None:
        self._wanted.set()

    def stop(self) -> None:
        self._stopping = True
        self._wanted.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._stopping:
                return
            try:
                os.fsync(self._fd)
                self.syncs += 1
            except OSError as exc:
                self.failed = exc


class HistoryWriter:
    """Subscribe an instance to a conversation's events: ``on_event=writer`` (it is a callable).

    Args:
        directory: where session files go (default: :func:`~desktop_app.history.paths.history_dir`).
        backend, model: written into the header, for the session list.
        clock: for the ``t`` offsets.
        wall: the wall clock for ids and ISO times (tests pass a fixed one).
        on_failure: told once, with a sentence for the user, when a write fails (disk full, a removed
            directory); called on the writer's thread, after the writer has stopped.

    Call :meth:`open` before the first event (or use ``with``), :meth:`close` at the end. Calls must come
    from one thread (the loop thread). A write error is logged and reported once through ``on_failure``,
    the file is cut back to its last whole line, and the writer goes quiet: history never takes the
    conversation down.
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        backend: str = "",
        model: str = "",
        clock: Clock | None = None,
        wall: Callable[[], datetime] | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = history_dir(directory)
        self._backend = backend
        self._model = model
        self._clock = clock or MonotonicClock()
        self._wall = wall or (lambda: datetime.now().astimezone())
        self._start = 0.0
        self.session_id = ""
        self.path: Path | None = None
        self._on_failure = on_failure
        self._file: BinaryIO | None = None
        self._size = 0  # bytes of whole lines in the file
        self._syncer: _Syncer | None = None
        self.lines = 0
        self.failed = False

    # --- lifecycle -------------------------------------------------------------------------------

    def open(self) -> Path:
        """Create the session file and write its header (fsynced). Returns the file's path."""
        if self._file is not None:
            raise RuntimeError("the history writer is already open")
        started = self._wall()
        self._start = self._clock.now()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        for _ in range(8):
            self.session_id = new_session_id(started)
            path = self.directory / f"{self.session_id}.jsonl"
            fd = create_private(path, os.O_WRONLY | os.O_APPEND)
            if fd is not None:
                break
        else:  # pragma: no cover - 8 collisions of 16 random bits in one second
            raise FileExistsError(f"no free session id in {self.directory}")
        self.path = path
        self._file = os.fdopen(fd, "wb", buffering=0)
        self._size = 0
        self._write(
            {
                "type": "session_start",
                "version": FORMAT_VERSION,
                "id": self.session_id,
                "started_at": started.isoformat(timespec="seconds"),
                "backend": self._backend,
                "model": self._model,
                "app": __version__,
            }
        )
        os.fsync(fd)
        _fsync_directory(self.directory)
        self._syncer = _Syncer(fd)
        return path

    def close(self, reason: str = "") -> None:
        """Write ``session_end``, fsync and close. Safe to call twice."""
        if self._file is None:
            return
        self._write({"type": "session_end", "t": self._t(), "ended_at": _iso(self._wall()), "reason": reason})
        if self._file is None:  # the last line could not be written: the writer has already given up
            return
        file, self._file = self._file, None
        if self._syncer is not None:
            self._syncer.stop()
            self._syncer = None
        try:
            file.flush()
            os.fsync(file.fileno())
        except OSError as exc:
            self._give_up(exc)
        finally:
            file.close()

    def __enter__(self) -> HistoryWriter:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close("error" if exc_type is not None else "")

    # --- recording -------------------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        """Append one event (``streaming`` kinds are skipped: audio, previews, levels). Fsyncs (in the
        background) at turn ends etc."""
        if self._file is None or event.streaming:
            return
        self._write({"t": self._t(), **event_record(event)})
        if isinstance(event, _SYNC_AFTER) and self._syncer is not None:
            self._syncer.request()

    def user_text(self, text: str) -> None:
        """A typed user turn (call it when the text is sent)."""
        if self._file is not None:
            self._write({"t": self._t(), "type": "user_text", "text": text})

    def note(self, kind: str, **fields: Any) -> None:
        """Any other record the app wants kept, e.g. ``note("recording", path="…wav")``."""
        if self._file is not None:
            self._write({"t": self._t(), "type": kind, **fields})

    @property
    def syncs(self) -> int:
        """Background fsyncs done so far."""
        return self._syncer.syncs if self._syncer is not None else 0

    # --- internals -------------------------------------------------------------------------------

    def _t(self) -> float:
        return round(self._clock.now() - self._start, 3)

    def _write(self, record: dict[str, Any]) -> None:
        file = self._file
        if file is None:
            return
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        try:
            done = 0
            while done < len(line):  # an unbuffered write may land in part (a disk filling up)
                written = file.write(line[done:])
                if not written:
                    raise OSError(f"the disk took {done} of {len(line)} bytes")
                done += written
        except (OSError, ValueError) as exc:  # ValueError: the file object was closed under us
            self._give_up(exc)
            return
        self._size += len(line)
        self.lines += 1

    def _give_up(self, exc: Exception) -> None:
        """Stop recording: cut the file back to its whole lines, close it, and report once."""
        file, self._file = self._file, None
        if self._syncer is not None:
            self._syncer.stop()
            self._syncer = None
        if file is not None:
            with contextlib.suppress(OSError, ValueError):
                os.ftruncate(file.fileno(), self._size)  # drop a part-written line (frees space)
            with contextlib.suppress(OSError):
                file.close()
        if self.failed:
            return
        self.failed = True
        log.warning("Session history cannot be written to %s (%s); not recording it.", self.path, exc)
        if self._on_failure is not None:
            self._on_failure(
                f"The conversation history can no longer be saved ({exc}). The conversation goes on; "
                f"what was saved so far is kept in {self.path}."
            )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _fsync_directory(directory: Path) -> None:
    """Make the new file's directory entry durable too (POSIX); a no-op where unsupported."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
