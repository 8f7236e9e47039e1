"""The history as a collection (issue 18, "History you can live with"): sessions in which nothing was said
are not listed, sessions are searched by their words, renamed and deleted, and an export's suggested file
name carries the day and the first words."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.core.clock import FakeClock
from desktop_app.core.events import Role, SessionPhase, SessionState, Transcript, TurnComplete
from desktop_app.history.cli import history_main
from desktop_app.history.export import export_file_name
from desktop_app.history.paths import new_recording_file, title_file
from desktop_app.history.reader import load_session
from desktop_app.history.store import TITLE_MAX, HistoryStore, SessionNotFound
from desktop_app.history.writer import HistoryWriter

START = datetime(2026, 3, 1, 9, 30, 0, tzinfo=timezone(timedelta(hours=1)))


def session(directory: Path, minutes: int, *exchanges: tuple[str, str], typed: str = "") -> Path:
    """A session started ``minutes`` after START with ``exchanges`` (user, model); ``typed`` a typed turn."""
    clock = FakeClock()
    writer = HistoryWriter(directory, backend="emulator", model="m", clock=clock,
                           wall=lambda: START + timedelta(minutes=minutes))  # fmt: skip
    path = writer.open()
    writer(SessionState(SessionPhase.LIVE, "emulator"))
    if typed:
        writer.user_text(typed)
        writer(TurnComplete())
    for user, model in exchanges:
        clock.advance(1.0)
        writer(Transcript(Role.USER, user))
        clock.advance(1.0)
        writer(Transcript(Role.MODEL, model))
        writer(TurnComplete())
    clock.advance(1.0)
    writer.close()
    return path


def test_a_session_in_which_nothing_was_said_is_not_listed(tmp_path: Path) -> None:
    silent = session(tmp_path, 0)
    spoken = session(tmp_path, 1, ("Hello there", "Hi!"))
    typed = session(tmp_path, 2, typed="a typed question")
    assert silent.is_file(), "the file stays; it is only not listed"
    assert [s.path for s in HistoryStore(tmp_path).list_sessions()] == [typed, spoken]
    assert [s.path for s in HistoryStore(tmp_path).list_sessions(limit=1)] == [typed]


def test_search_finds_sessions_holding_every_word_with_the_words_around_the_hit(tmp_path: Path) -> None:
    lisbon = session(tmp_path, 0, ("What is the weather in Lisbon?", "Mild, around twenty degrees."))
    baking = session(tmp_path, 1, ("Read me the shopping list", "Eggs, flour and two lemons."))
    store = HistoryStore(tmp_path)
    assert [s.path for s in store.list_sessions(matching="LISBON weather")] == [lisbon]
    assert [s.path for s in store.list_sessions(matching="lemons")] == [baking], "the model's words count"
    assert store.list_sessions(matching="lisbon lemons") == [], "every word must be in one session"
    [hit] = store.list_sessions(matching="twenty")
    assert "around twenty degrees" in hit.match
    assert {s.path for s in store.list_sessions(matching="  ")} == {lisbon, baking}


def test_rename_keeps_a_name_beside_the_session_and_an_empty_one_removes_it(tmp_path: Path) -> None:
    path = session(tmp_path, 0, ("Plan the trip", "Sure."))
    store = HistoryStore(tmp_path)
    assert store.rename(path.stem, "  Trip\n to   Lisbon ") == "Trip to Lisbon"
    [summary] = store.list_sessions()
    assert summary.title == "Trip to Lisbon" and load_session(path).title == "Trip to Lisbon"
    assert oct(title_file(path).stat().st_mode & 0o777) == oct(0o600), "it says what was talked about"
    assert [s.path for s in store.list_sessions(matching="lisbon")] == [path], "the name is searched too"
    assert len(store.rename(path.stem, "x" * 500)) == TITLE_MAX
    assert store.rename(path.stem, "") == ""
    assert not title_file(path).exists() and store.list_sessions()[0].title == ""
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    with pytest.raises(SessionNotFound):
        store.rename("19990101-000000-dead", "nope")


def test_delete_removes_the_session_its_recordings_and_its_name(tmp_path: Path) -> None:
    keep = session(tmp_path, 0, ("Keep me", "Kept."))
    gone = session(tmp_path, 1, ("Forget me", "Forgotten."))
    recordings = [new_recording_file(gone), new_recording_file(gone)]
    store = HistoryStore(tmp_path)
    store.rename(gone.stem, "Secret")
    removed = store.delete(gone.stem)
    assert sorted(removed) == sorted([*recordings, title_file(gone), gone])
    assert sorted(os.listdir(tmp_path)) == [keep.name]
    with pytest.raises(SessionNotFound):
        store.delete(gone.stem)


def test_the_suggested_export_name_carries_the_day_and_the_first_words(tmp_path: Path) -> None:
    path = session(tmp_path, 0, ("  Good morning!! Can you/hear me? ../../etc/passwd", "Yes."))
    log = load_session(path)
    assert export_file_name(log, "md") == "2026-03-01-good-morning-can-you-hear-me.md"
    log.title = "Ünïcode: «名前» trip"
    assert export_file_name(log, "srt") == "2026-03-01-ünïcode-名前-trip.srt", "a name the user gave wins"
    log.title = "word " * 40
    name = export_file_name(log, "md")
    assert name.startswith("2026-03-01-word-word") and len(name) <= len("2026-03-01-") + 48 + len(".md")
    silent = load_session(session(tmp_path, 5))
    assert export_file_name(silent, "md") == "2026-03-01-conversation.md"
    assert "/" not in export_file_name(load_session(path), "md")


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = history_main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_command_line_searches_renames_and_deletes(tmp_path: Path) -> None:
    lisbon = session(tmp_path, 0, ("What is the weather in Lisbon?", "Mild, around twenty degrees."))
    session(tmp_path, 1, ("Read me the shopping list", "Eggs, flour and two lemons."))
    session(tmp_path, 2)  # nothing said: never listed
    code, out, _ = _run("list", "--dir", str(tmp_path), "--search", "lisbon")
    assert code == 0 and len(out.splitlines()) == 2 and lisbon.stem in out
    assert _run("list", "--dir", str(tmp_path), "--search", "otters")[1].startswith("No past session holds")
    assert len(_run("list", "--dir", str(tmp_path))[1].splitlines()) == 3, "a header and two sessions"

    code, out, _ = _run("rename", lisbon.stem[:15], "Trip", "--dir", str(tmp_path))
    assert code == 0 and out.strip() == f"renamed {lisbon.stem}: Trip"
    assert "Trip: What is the weather" in _run("list", "--dir", str(tmp_path))[1]
    [record] = [
        json.loads(line) for line in _run("list", "--json", "--dir", str(tmp_path))[1].splitlines()
        if json.loads(line)["id"] == lisbon.stem
    ]  # fmt: skip
    assert record["title"] == "Trip"

    code, _, err = _run("delete", lisbon.stem, "--dir", str(tmp_path))
    assert code == 2 and "--yes" in err and lisbon.exists(), "no deletion without --yes"
    code, out, _ = _run("delete", lisbon.stem, "--yes", "--dir", str(tmp_path))
    assert code == 0 and out.strip() == "deleted 2 files" and not lisbon.exists()
    code, _, err = _run("delete", lisbon.stem, "--yes", "--dir", str(tmp_path))
    assert code == 1 and "No session" in err
