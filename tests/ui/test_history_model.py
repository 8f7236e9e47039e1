"""The history panel's pure side: dates people read, recordings found beside a session, entries in order."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from desktop_app.history import HistoryStore
from desktop_app.ui.history_model import (
    list_rows,
    open_session,
    recordings_of,
    started_label,
    transcript_entries,
)
from desktop_app.ui.transcript_model import EntryKind
from tests.ui.history_sessions import a_week_of_history


def test_start_times_read_naturally() -> None:
    today = date(2025, 5, 14)
    assert started_label("2025-05-14T14:03:09+02:00", today) == "Today, 14:03"
    assert started_label("2025-05-13T09:12:00+02:00", today) == "Yesterday, 09:12"
    assert started_label("2025-05-12T18:40:00+02:00", today) == "Mon 12 May, 18:40"
    assert started_label("2024-12-31T23:59:00+01:00", today) == "31 Dec 2024, 23:59"
    assert started_label("", today) == "Unknown date"
    assert started_label("not a date", today) == "not a date"


def test_recordings_beside_a_session_are_found_and_no_others(tmp_path: Path) -> None:
    session = tmp_path / "20250514-140309-ab12.jsonl"
    session.write_text("")
    for name in ("20250514-140309-ab12.wav", "20250514-140309-ab12-2.wav", "20250514-140309-ab12x.wav",
                 "20250514-140309-ab.wav", "other.wav"):  # fmt: skip
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in recordings_of(session)] == [
        "20250514-140309-ab12.wav",
        "20250514-140309-ab12-2.wav",
    ]
    assert recordings_of(tmp_path / "gone" / "x.jsonl") == []


def test_entries_follow_the_conversation_with_notices_in_place(tmp_path: Path) -> None:
    now = datetime(2025, 5, 14, 14, 3).astimezone()
    sessions = a_week_of_history(tmp_path, now)
    past = open_session(sessions["today"], today=now.date())
    kinds = [(e.kind, e.turn) for e in past.entries]
    assert kinds == [
        (EntryKind.USER, 1),
        (EntryKind.MODEL, 1),
        (EntryKind.SYSTEM, 1),
        (EntryKind.USER, 2),
        (EntryKind.MODEL, 2),
    ]
    assert [e.id for e in past.entries] == [1, 2, 3, 4, 5]
    assert all(e.final for e in past.entries)
    assert past.title == "Today, 13:43" and past.flags == "1 reconnect"
    assert past.facts.endswith("2 turns · emulator · gemini-live-2.5-flash")
    assert transcript_entries(open_session(sessions["crashed"]).log)[-1].final is False


def test_the_list_is_capped_and_says_so(tmp_path: Path) -> None:
    now = datetime(2025, 5, 14, 14, 3).astimezone()
    a_week_of_history(tmp_path, now)
    store = HistoryStore(tmp_path)
    capped = list_rows(store, limit=3)
    assert len(capped.rows) == 3 and capped.truncated and capped.exists
    whole = list_rows(store, limit=4)
    assert len(whole.rows) == 4 and not whole.truncated
    assert list_rows(HistoryStore(tmp_path / "none")).exists is False
