"""The history file: what the writer appends and fsyncs, and how the reader groups it (crash-tolerant)."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.clock import FakeClock
from desktop_app.core.events import (
    ErrorEvent,
    GenerationComplete,
    Interrupted,
    MicAudio,
    ModelAudio,
    ModelText,
    Role,
    SessionPhase,
    SessionState,
    SetupComplete,
    Transcript,
    TurnComplete,
    UsageUpdate,
)
from desktop_app.core.media_events import AudioLevels, PreviewFrame
from desktop_app.history.paths import history_dir
from desktop_app.history.reader import load_session, read_records, summarize
from desktop_app.history.writer import FORMAT_VERSION, HistoryWriter

START = datetime(2026, 3, 1, 9, 30, 0, tzinfo=timezone(timedelta(hours=1)))


def writer_at(directory: Path, clock: FakeClock) -> HistoryWriter:
    return HistoryWriter(directory, backend="emulator", model="m-1", clock=clock, wall=lambda: START)


def conversation(writer: HistoryWriter, clock: FakeClock) -> None:
    """Two turns, the second interrupted, a reconnect in between, usage and an error."""
    writer(SessionState(SessionPhase.LIVE, "emulator"))
    writer(SetupComplete(session_id="s1"))
    clock.advance(1.0)
    writer(Transcript(Role.USER, "What is the"))
    writer(MicAudio(b"\0" * 640))
    for seq in range(30):  # a second of camera preview and level meters while the user speaks
        writer(PreviewFrame(np.zeros((72, 128, 3), np.uint8), 128, 72, seq, 0.0))
        writer(AudioLevels(input_dbfs=-20.0))
    clock.advance(0.5)
    writer(Transcript(Role.USER, " capital of France?", final=True))
    clock.advance(0.5)
    writer(ModelAudio(b"\0" * 960))
    writer(Transcript(Role.MODEL, "Paris is"))
    clock.advance(1.0)
    writer(Transcript(Role.MODEL, " the capital."))
    writer(GenerationComplete())
    writer(TurnComplete())
    writer(UsageUpdate(10, 20, 30))
    clock.advance(2.0)
    writer(SessionState(SessionPhase.RECONNECTING, "the server will close the connection in 8.0 s (goAway)"))
    writer(SessionState(SessionPhase.LIVE, "resumed the session after 12 ms"))
    clock.advance(1.0)
    writer.user_text("Tell me a long story")
    writer(Transcript(Role.MODEL, "Once upon a"))
    clock.advance(1.0)
    writer(Interrupted())
    writer(TurnComplete())
    writer(ErrorEvent("The Live API had a server-side problem", code="server_error", retryable=True))


def test_the_file_holds_a_header_every_event_but_streaming_ones_and_a_clean_end(tmp_path: Path) -> None:
    clock = FakeClock()
    with writer_at(tmp_path, clock) as writer:
        conversation(writer, clock)
    assert writer.path is not None and writer.path.parent == tmp_path
    assert writer.path.name == f"{writer.session_id}.jsonl" and writer.session_id.startswith(
        "20260301-093000-"
    )
    lines = writer.path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert records[0] == {
        "type": "session_start",
        "version": FORMAT_VERSION,
        "id": writer.session_id,
        "started_at": "2026-03-01T09:30:00+01:00",
        "backend": "emulator",
        "model": "m-1",
        "app": records[0]["app"],
    }
    kinds = [r["type"] for r in records]
    assert not {"model_audio", "mic_audio", "preview_frame", "audio_levels"} & set(kinds), kinds
    assert len(lines) < 30, "no line per preview frame or level update"
    assert kinds[-1] == "session_end" and records[-1]["reason"] == ""
    assert {
        "transcript",
        "turn_complete",
        "interrupted",
        "error_event",
        "session_state",
        "usage_update",
    } <= set(kinds)
    assert {
        "t": 1.5,
        "type": "transcript",
        "role": "user",
        "text": " capital of France?",
        "final": True,
    } in records
    assert {"t": 6.0, "type": "user_text", "text": "Tell me a long story"} in records
    assert writer.lines == len(lines)


def test_files_are_private(tmp_path: Path) -> None:
    clock = FakeClock()
    with writer_at(tmp_path / "history", clock) as writer:
        pass
    assert writer.path is not None
    assert stat.S_IMODE(writer.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "history").stat().st_mode) == 0o700


def test_turn_ends_are_fsynced_off_the_calling_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = threading.Event()
    threads: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        threads.append(threading.current_thread().name)
        real_fsync(fd)
        synced.set()

    clock = FakeClock()
    writer = writer_at(tmp_path, clock)
    writer.open()
    monkeypatch.setattr(os, "fsync", spy)
    writer(Transcript(Role.MODEL, "no sync for a piece"))
    assert threads == []
    writer(TurnComplete())
    assert synced.wait(5.0)
    assert threads == ["history-fsync"]
    writer.close()
    assert threads[-1] == threading.current_thread().name  # the final fsync on close


@pytest.mark.allow_warnings("desktop_app.history", "Session history cannot be written")
def test_a_write_error_is_reported_once_and_does_not_raise(tmp_path: Path) -> None:
    writer = writer_at(tmp_path, FakeClock())
    writer.open()
    assert writer._file is not None
    writer._file.close()  # simulate the file going away under the writer
    writer(Transcript(Role.USER, "lost"))
    writer(TurnComplete())
    writer.close()
    assert writer.failed


def test_the_reader_groups_turns_with_times_interruptions_and_notices(tmp_path: Path) -> None:
    clock = FakeClock()
    with writer_at(tmp_path, clock) as writer:
        conversation(writer, clock)
    assert writer.path is not None
    log = load_session(writer.path)
    assert log.id == writer.session_id and log.complete and not log.torn_tail
    first, second = log.turns
    assert (first.user, first.model) == ("What is the capital of France?", "Paris is the capital.")
    assert (first.user_start, first.model_start, first.end, first.tokens) == (1.0, 2.0, 3.0, 30)
    assert first.complete and not first.interrupted
    assert (second.user, second.model, second.interrupted) == ("Tell me a long story", "Once upon a", True)
    assert [(n.kind, n.t) for n in log.notices] == [("reconnecting", 5.0), ("error", 7.0)]
    assert (log.reconnects, log.errors, log.interruptions, log.total_tokens) == (1, 1, 1, 30)
    assert log.duration_s == 7.0
    summary = summarize(log)
    assert summary.turns == 2 and summary.first_words == "What is the capital of France?"
    assert summary.started_at == "2026-03-01T09:30:00+01:00"


def test_a_torn_last_line_and_a_garbled_line_are_skipped(tmp_path: Path) -> None:
    clock = FakeClock()
    writer = writer_at(tmp_path, clock)
    path = writer.open()
    writer(Transcript(Role.USER, "hello"))
    writer(TurnComplete())
    # what a crash leaves: no session_end, a garbled line (a disk error) and half a line at the end
    with path.open("ab") as file:
        file.write(b"\x00\x00not json\n")
        file.write(b'{"t": 3.0, "type": "transcript", "role": "model", "text": "cut sh')
    result = read_records(path)
    assert result.torn_tail and result.bad_lines == 1 and len(result.records) == 3
    log = load_session(path)
    assert not log.complete and log.torn_tail
    assert [t.user for t in log.turns] == ["hello"]


def test_a_turn_in_progress_at_a_crash_is_kept_as_incomplete(tmp_path: Path) -> None:
    clock = FakeClock()
    writer = writer_at(tmp_path, clock)
    path = writer.open()
    writer(Transcript(Role.USER, "first"))
    writer(TurnComplete())
    writer(Transcript(Role.USER, "second"))
    writer(ModelText("half an ans"))
    log = load_session(path)  # never closed: the process "died"
    assert [(t.user, t.model, t.complete) for t in log.turns] == [
        ("first", "", True),
        ("second", "half an ans", False),
    ]
    assert summarize(log).turns == 1
    writer.close()


def test_model_text_is_used_only_without_a_transcript(tmp_path: Path) -> None:
    clock = FakeClock()
    with writer_at(tmp_path, clock) as writer:
        writer(ModelText("text part"))
        writer(Transcript(Role.MODEL, "spoken words"))
        writer(TurnComplete())
        writer(ModelText("only text"))
        writer(TurnComplete())
    assert writer.path is not None
    assert [t.model for t in load_session(writer.path).turns] == ["spoken words", "only text"]


def test_the_history_directory_follows_the_override_then_the_environment(tmp_path: Path) -> None:
    assert history_dir(tmp_path / "x") == tmp_path / "x"
    assert history_dir(env={"GLD_DATA_DIR": str(tmp_path)}) == tmp_path / "history"
    default = history_dir(env={})
    assert default.name == "history" and "gemini-live-desktop" in str(default)
