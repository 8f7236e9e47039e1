"""Events as JSON lines: the headless transcript file (and later the session history)."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import IO, Any

from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.errors import MediaError
from desktop_app.core.events import Event

__all__ = ["EventLog", "event_record"]


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def event_record(event: Event) -> dict[str, Any]:
    """A JSON-ready dict: ``{"type": "transcript", "role": "user", ...}``; bytes become their length."""
    record: dict[str, Any] = {"type": _snake(type(event).__name__)}
    for f in fields(event):
        value = getattr(event, f.name)
        if isinstance(value, bytes):
            record[f"{f.name}_bytes"] = len(value)
        elif isinstance(value, tuple):
            record[f.name] = [_plain(v) for v in value]
        else:
            record[f.name] = _plain(value)
    return record


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # an array: its shape, never its contents
        return f"array {'x'.join(map(str, value.shape))} {value.dtype}"
    return str(value)


class EventLog:
    """Appends one JSON line per event to a file, like the history file: ``streaming`` kinds (audio blocks,
    which go to the WAV, previews and level meters) are left out."""

    def __init__(self, path: Path, clock: Clock | None = None) -> None:
        self._path = path
        self._clock = clock or MonotonicClock()
        self._start = self._clock.now()
        self._file: IO[str] | None = None
        self.lines = 0

    def open(self) -> None:
        try:
            self._file = self._path.open("w", encoding="utf-8")
        except OSError as exc:
            raise MediaError(f"The transcript file {self._path} cannot be written ({exc}).") from None

    def __call__(self, event: Event) -> None:
        if self._file is None or event.streaming:
            return
        record = {"t": round(self._clock.now() - self._start, 3), **event_record(event)}
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.lines += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
