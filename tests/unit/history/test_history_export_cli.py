"""Readable exports (Markdown, SRT) and the ``history`` subcommand over a real history directory."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.core.clock import FakeClock
from desktop_app.core.events import (
    Interrupted,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
)
from desktop_app.history.cli import history_main
from desktop_app.history.export import format_duration, to_markdown, to_srt
from desktop_app.history.reader import load_session
from desktop_app.history.store import HistoryStore, SessionNotFound
from desktop_app.history.writer import HistoryWriter

SRT_CUE = re.compile(r"^(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+)\n$")


def record_session(
    directory: Path, start: datetime, turns: list[tuple[str, str]], *, close: bool = True
) -> Path:
    clock = FakeClock()
    writer = HistoryWriter(directory, backend="emulator", model="m", clock=clock, wall=lambda: start)
    path = writer.open()
    for number, (user, model) in enumerate(turns):
        clock.advance(1.0)
        writer(Transcript(Role.USER, user, final=True))
        clock.advance(0.5)
        for word in model.split(" "):
            writer(Transcript(Role.MODEL, word + " "))
            clock.advance(0.25)
        if number == 1:
            writer(Interrupted())
        writer(TurnComplete())
        if number == 0:
            writer(SessionState(SessionPhase.RECONNECTING, "connection lost (1006)"))
    if close:
        writer.close()
    return path


@pytest.fixture
def history(tmp_path: Path) -> Path:
    tz = timezone(timedelta(hours=2))
    record_session(
        tmp_path, datetime(2026, 1, 5, 10, 0, 0, tzinfo=tz), [("Good morning", "Hello there friend")]
    )
    record_session(
        tmp_path,
        datetime(2026, 1, 6, 18, 15, 0, tzinfo=tz),
        [("What is two plus two?", "Four."), ("And a long story please", "Once upon a time")],
        close=False,
    )
    return tmp_path


def test_markdown_shows_who_said_what_when_and_the_notices(history: Path) -> None:
    log = HistoryStore(history).load("20260106")
    text = to_markdown(log)
    assert text.startswith(f"# Conversation {log.id}\n\n2026-01-06T18:15:00+02:00 · ")
    assert "did not end cleanly" in text
    assert "**You** (00:01): What is two plus two?\n" in text
    assert "**Gemini** (00:01): Four.\n" in text
    assert "**Gemini** (00:03): Once upon a time *(interrupted)*\n" in text
    assert "> _00:01 — reconnecting: connection lost (1006)_" in text
    lines = [line for line in text.splitlines() if line.startswith("**")]
    assert [line.split("**")[1] for line in lines] == ["You", "Gemini", "You", "Gemini"]


def test_srt_cues_are_numbered_ordered_and_well_formed(history: Path) -> None:
    log = HistoryStore(history).load("20260106")
    blocks = to_srt(log).split("\n\n")
    assert len(blocks) == 4
    previous_start = -1.0
    for number, block in enumerate(blocks, 1):
        match = SRT_CUE.match(block if block.endswith("\n") else block + "\n")
        assert match, block
        values = [int(v) for v in match.groups()[:9]]
        assert values[0] == number
        start = values[1] * 3600 + values[2] * 60 + values[3] + values[4] / 1000
        end = values[5] * 3600 + values[6] * 60 + values[7] + values[8] / 1000
        assert end > start >= previous_start
        previous_start = start
    assert blocks[0].endswith("You: What is two plus two?")
    assert blocks[3].endswith("Gemini: Once upon a time [interrupted]\n")


def test_the_list_shows_id_start_duration_turns_and_first_words(history: Path) -> None:
    out = io.StringIO()
    assert history_main(["--dir", str(history)], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["ID", "STARTED", "DURATION", "TURNS", "FIRST", "WORDS"]
    newest, oldest = lines[1], lines[2]
    assert newest.startswith("20260106-181500-") and "2026-01-06T18:15:00+02:00" in newest
    assert re.search(r"\s2\s+What is two plus two\? \(cut short\)$", newest)
    assert oldest.startswith("20260105-100000-") and re.search(r"\s1\s+Good morning$", oldest)
    assert re.search(r"\s\d+ s\s", oldest)


def test_the_list_as_json(history: Path) -> None:
    out = io.StringIO()
    assert history_main(["list", "--json", "--limit", "1", "--dir", str(history)], out=out) == 0
    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["turns"] == 2 and record["complete"] is False and record["reconnects"] == 1


def test_export_writes_a_file_and_accepts_a_unique_prefix(history: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "talk.srt"
    target.parent.mkdir()
    err = io.StringIO()
    assert (
        history_main(
            ["export", "20260105", "--format", "srt", "-o", str(target), "--dir", str(history)], err=err
        )
        == 0
    )
    assert target.read_text().startswith("1\n00:00:01,000 --> ")
    assert "wrote" in err.getvalue()
    out = io.StringIO()
    assert history_main(["--dir", str(history), "export", "20260105", "--format", "md"], out=out) == 0
    assert "**You** (00:01): Good morning" in out.getvalue()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["export", "2026"], 1, "matches 2 sessions"),
        (["export", "1999"], 1, "No session '1999'"),
        (["export", "../etc/passwd"], 1, "No session"),
        (["export", "2026", "--format", "pdf"], 2, "invalid choice"),
    ],
)
def test_errors_have_a_clear_message_and_exit_code(
    history: Path, argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = io.StringIO()
    assert history_main([*argv, "--dir", str(history)], err=err) == code
    assert message in err.getvalue() + capsys.readouterr().err


def test_an_empty_history_says_so(tmp_path: Path) -> None:
    out = io.StringIO()
    assert history_main(["--dir", str(tmp_path / "none")], out=out) == 0
    assert "No past sessions" in out.getvalue()
    assert HistoryStore(tmp_path / "none").list_sessions() == []
    with pytest.raises(SessionNotFound):
        HistoryStore(tmp_path / "none").find("x")


def test_the_path_command(tmp_path: Path) -> None:
    out = io.StringIO()
    assert history_main(["path", "--dir", str(tmp_path)], out=out) == 0
    assert out.getvalue().strip() == str(tmp_path)


def test_durations_read_naturally() -> None:
    assert [format_duration(s) for s in (0, 42.4, 185, 3720)] == ["0 s", "42 s", "3 min 05 s", "1 h 02 min"]


def test_an_export_of_a_crashed_file_with_a_torn_tail(history: Path) -> None:
    path = HistoryStore(history).find("20260106")
    with path.open("ab") as file:
        file.write(b'{"t": 9.0, "type": "transcr')
    log = load_session(path)
    assert log.torn_tail and "Once upon a time" in to_markdown(log)
