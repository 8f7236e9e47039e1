"""Storage faults on a real filesystem: a 64 KiB tmpfs that fills up, and one mounted read-only.

Mounting needs root (or CAP_SYS_ADMIN); without it these tests skip and say so.
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from desktop_app.config import Settings
from desktop_app.core.events import ErrorEvent, Event, Role, Transcript, TurnComplete
from desktop_app.history import HistoryWriter
from desktop_app.history.reader import load_session, read_records
from desktop_app.services.backend import BackendService
from desktop_app.services.bus import Bus
from desktop_app.services.history import HistoryService

pytestmark = pytest.mark.allow_warnings("desktop_app.history", "Session history cannot be written")


def _mount(target: Path, options: str) -> Iterator[Path]:
    target.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: the size of a few pages, so it is full after one filler file."""
    yield from _mount(tmp_path / "disk", "size=64k,mode=0700")


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    yield from _mount(tmp_path / "ro", "size=64k,ro")


def _fill(directory: Path) -> Path:
    """Write a file until the filesystem refuses another byte; returns it (delete it to free the disk)."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as file:
        try:
            while True:
                file.write(b"\0" * 4096)
        except OSError as err:
            assert err.errno == errno.ENOSPC
        try:
            while True:
                file.write(b"\0")
        except OSError as err:
            assert err.errno == errno.ENOSPC
    return filler


def test_a_full_disk_stops_the_history_with_one_notice_and_keeps_every_earlier_turn(small_disk: Path) -> None:
    failures: list[str] = []
    writer = HistoryWriter(small_disk, backend="emulator", model="m", on_failure=failures.append)
    path = writer.open()
    writer(Transcript(Role.USER, "first question"))
    writer(Transcript(Role.MODEL, "first answer"))
    writer(TurnComplete())
    before = path.read_bytes()
    _fill(small_disk)
    long_reply = "a long reply that needs a fresh page on the disk " * 200  # ~10 KB: past the file's page
    writer(Transcript(Role.USER, "second question"))
    writer(Transcript(Role.MODEL, long_reply))
    writer(TurnComplete())  # the conversation goes on: nothing raises
    writer.close("user")
    assert writer.failed
    assert len(failures) == 1, failures
    assert "can no longer be saved" in failures[0] and "goes on" in failures[0]
    assert str(path) in failures[0]
    after = path.read_bytes()
    assert after.startswith(before), "nothing already written was changed"
    assert after.endswith(b"\n"), "no line was left half-written"
    result = read_records(path)
    assert not result.torn_tail and result.bad_lines == 0
    log = load_session(path)
    assert (log.turns[0].user, log.turns[0].model) == ("first question", "first answer")
    assert long_reply not in after.decode()


def test_a_disk_that_fills_midway_through_a_line_is_cut_back_to_the_last_whole_line(small_disk: Path) -> None:
    failures: list[str] = []
    writer = HistoryWriter(small_disk, on_failure=failures.append)
    path = writer.open()
    writer(Transcript(Role.USER, "kept"))
    _fill(small_disk)
    # the file's last page has room for part of this line: the kernel takes a piece, then refuses
    sent = [f"piece {n} " * 300 for n in range(10)]  # 2.7 KB each: the page fills within a few
    for text in sent:
        writer(Transcript(Role.MODEL, text))
    assert writer.failed and len(failures) == 1
    result = read_records(path)
    assert not result.torn_tail and result.bad_lines == 0
    kept = [r.get("text") for r in result.records[1:]]
    assert kept[0] == "kept" and kept[1:] == sent[: len(kept) - 1], "whole lines, in order, none cut"
    assert len(kept) - 1 < len(sent)


async def test_an_unwritable_history_directory_is_a_notice_and_the_service_goes_on(
    read_only_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLD_DATA_DIR", str(read_only_disk))
    events: list[Event] = []
    bus = Bus(events.append)
    backend = cast(BackendService, SimpleNamespace(handle=SimpleNamespace(backend=SimpleNamespace(name="x"))))
    service = HistoryService(Settings(history=True), bus, backend, cast(Any, None))
    await service.start()
    notices = [e for e in events if isinstance(e, ErrorEvent)]
    assert [n.code for n in notices] == ["history"]
    assert "cannot be written" in notices[0].message and "goes on" in notices[0].message
    assert service.writer is None and bus.history is None
    bus.publish(Transcript(Role.USER, "still talking"))  # the conversation's events still flow
    assert events[-1] == Transcript(Role.USER, "still talking")
    await service.stop()


async def test_the_service_reports_a_disk_that_fills_during_the_conversation(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLD_DATA_DIR", str(small_disk))
    events: list[Event] = []
    bus = Bus(events.append)
    backend = cast(BackendService, SimpleNamespace(handle=SimpleNamespace(backend=SimpleNamespace(name="x"))))
    service = HistoryService(Settings(history=True), bus, backend, cast(Any, None))
    await service.start()
    assert service.writer is not None
    bus.publish(Transcript(Role.USER, "before"))
    _fill(small_disk)
    bus.publish(Transcript(Role.MODEL, "x" * 10_000))
    bus.publish(Transcript(Role.USER, "after"))
    notices = [e for e in events if isinstance(e, ErrorEvent)]
    assert [n.code for n in notices] == ["history"]
    assert events[-1] == Transcript(Role.USER, "after"), "the listener still hears everything"
    await service.stop()
