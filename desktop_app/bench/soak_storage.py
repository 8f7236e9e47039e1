"""The strict soak's storage faults (:mod:`desktop_app.bench.soak_local_faults`): a history writer on a
64 KiB tmpfs that fills up or is made read-only. Mounting needs root (or CAP_SYS_ADMIN):
:func:`mount_disk` returns None where it cannot, and the soak leaves the storage kinds out.

- ``history_full``: the disk fills, then the conversation's lines go on (the app writes each transcript
  as it comes) until one needs a new page (tmpfs: the file's last page still takes a few). The clock
  starts when the disk is full.
- ``history_readonly``: the session ends, the disk is remounted read-only and the next session's file
  cannot be created (the app's history service turns that ``OSError`` into its notice). The clock starts
  at the remount.

*detected* = the one notice (the writer's ``on_failure`` / the failed ``open``); *recovered* = the file
written before the fault still parses with every line it had (time: the same as detected, the
conversation itself never stops); *lost* = no notice, or an earlier line damaged; *duplicated* = a second
notice. Afterwards the disk is freed (or remounted read-write) and a new session file opened.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.events import Role, Transcript, TurnComplete
from desktop_app.history import HistoryWriter
from desktop_app.history.reader import read_records

__all__ = ["STORAGE_KINDS", "HistoryDisk", "LocalOutcome", "mount_disk", "unmount_disk"]

STORAGE_KINDS = ("history_full", "history_readonly")
_PAGE_LINES = 100  # lines of ~160 bytes: more than a 4 KiB page holds


@dataclass
class LocalOutcome:
    """One injected device or storage fault, measured (ms from the injection; None: never)."""

    detect_ms: float | None = None
    recover_ms: float | None = None
    return_ms: float | None = None  # devices only: the chosen device is used again after it came back
    lost: bool = False
    duplicated: bool = False


class HistoryDisk:
    """A history writer on ``disk`` (a tmpfs of :func:`mount_disk`). Call from one thread."""

    def __init__(self, disk: Path) -> None:
        self.disk = disk
        self.writer: HistoryWriter | None = None
        self.notices: list[float] = []
        self._filler: Path | None = None
        self._path: Path | None = None  # the file the fault must not damage
        self.open()

    def open(self) -> None:
        """A new session file; a failure to create it is the notice."""
        writer = HistoryWriter(
            self.disk, on_failure=lambda _message: self.notices.append(time.perf_counter())
        )
        try:
            writer.open()
        except OSError:
            self.notices.append(time.perf_counter())
            self.writer = None
        else:
            self.writer = writer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close("soak over")
            self.writer = None

    def turn(self, k: int) -> None:
        """The turn's lines (the soak calls it after each reply)."""
        if self.writer is not None:
            self.writer(Transcript(Role.USER, f"utterance {k}"))
            self.writer(Transcript(Role.MODEL, f"reply {k}"))
            self.writer(TurnComplete())

    def lines(self) -> int:
        """Whole lines in the current session file."""
        path = self.writer.path if self.writer is not None else None
        return len(read_records(path).records) if path is not None else 0

    def inject(self, kind: str) -> float:
        """Inject ``kind``; returns when its clock starts (perf_counter)."""
        self._path = self.writer.path if self.writer is not None else None
        if kind == "history_full":
            self._filler = _fill(self.disk)
            at = time.perf_counter()
            writer = self.writer
            for _ in range(_PAGE_LINES):  # the conversation goes on until a line needs a new page
                if writer is None or writer.failed:
                    break
                writer(Transcript(Role.USER, "the words that meet the full disk " * 4))
            return at
        self.close()
        at = time.perf_counter()
        _mount_options(self.disk, "remount,ro")
        self.open()
        return at

    def measure(self, kind: str, at: float, lines_before: int) -> LocalOutcome:
        """The outcome of ``kind`` injected at ``at``; then the disk is put back and a new file opened."""
        out = LocalOutcome()
        said = [t for t in self.notices if t >= at]
        if said:
            out.detect_ms = (said[0] - at) * 1000
        path = self._path
        intact = path is not None and len(read_records(path).records) >= lines_before
        if said and intact:
            out.recover_ms = out.detect_ms
        out.lost = not said or not intact
        out.duplicated = len(said) > 1
        if kind == "history_full" and self._filler is not None:
            self._filler.unlink()
            self._filler = None
            if self.writer is not None:
                self.writer.close()  # it has given up: closing only releases it
        else:
            _mount_options(self.disk, "remount,rw")
        self.open()
        return out


def _fill(directory: Path) -> Path:
    """Write a file until the filesystem refuses another byte; delete it to free the disk."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as file:
        for chunk in (4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    file.write(b"\0" * chunk)
    return filler


def _mount_options(target: Path, options: str) -> None:
    proc = subprocess.run(
        ["mount", "-o", options, str(target)], capture_output=True, text=True, timeout=10, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"mount -o {options} {target} failed: {proc.stderr.strip()}")


def mount_disk(target: Path) -> Path | None:
    """``target`` (created) as a new 64 KiB tmpfs, or None if this process may not mount one."""
    target.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(target)],
        capture_output=True,
        timeout=10,
        check=False,
    )
    return target if proc.returncode == 0 else None


def unmount_disk(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=10, check=False)
