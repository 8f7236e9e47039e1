"""The transcript rules, without Qt: pieces join, turns end, interruptions and latency attach."""

from __future__ import annotations

import pytest

from desktop_app.core.app_events import TurnLatency
from desktop_app.core.events import (
    FRESH_NOTICE,
    QUIET_NOTICE,
    Interrupted,
    ModelText,
    Role,
    SessionPhase,
    SessionState,
    Transcript,
    TurnComplete,
)
from desktop_app.ui.transcript_model import ChangeKind, EntryKind, TranscriptModel


def _texts(model: TranscriptModel) -> list[tuple[str, str, bool, int]]:
    return [(e.kind.value, e.text, e.final, e.turn) for e in model.entries]


def test_pieces_of_one_role_join_until_final() -> None:
    m = TranscriptModel()
    added = m.apply(Transcript(Role.USER, "Hel"))
    assert [c.kind for c in added] == [ChangeKind.ADDED]
    updated = m.apply(Transcript(Role.USER, "lo", final=True))
    assert [c.kind for c in updated] == [ChangeKind.UPDATED]
    m.apply(Transcript(Role.USER, "Again"))
    assert _texts(m) == [("user", "Hello", True, 1), ("user", "Again", False, 1)]


def test_turn_complete_closes_open_entries_and_starts_the_next_turn() -> None:
    m = TranscriptModel()
    m.apply(Transcript(Role.USER, "Hi"))
    m.apply(Transcript(Role.MODEL, "Hello"))
    changes = m.apply(TurnComplete())
    assert {c.entry.kind for c in changes} == {EntryKind.USER, EntryKind.MODEL}
    assert all(e.final for e in m.entries)
    m.apply(Transcript(Role.USER, "Next"))
    assert m.entries[-1].turn == 2 and m.turn == 2


def test_an_empty_turn_does_not_advance_the_count() -> None:
    m = TranscriptModel()
    m.apply(TurnComplete())
    m.apply(TurnComplete())
    assert m.turn == 1


def test_interrupted_marks_the_reply_or_adds_a_marker() -> None:
    m = TranscriptModel()
    m.apply(Transcript(Role.MODEL, "Once upon"))
    m.apply(Interrupted())
    assert m.entries[0].interrupted and m.entries[0].final
    m.apply(Transcript(Role.MODEL, " a time"))  # late text after the interruption starts a new entry
    assert len(m.entries) == 2
    m.apply(TurnComplete())
    m.apply(Interrupted())
    marker = m.entries[-1]
    assert (marker.kind, marker.text, marker.interrupted, marker.turn) == (EntryKind.MODEL, "", True, 2)


def test_interrupted_after_the_reply_closed_still_marks_it() -> None:
    m = TranscriptModel()
    m.apply(Transcript(Role.MODEL, "Done.", final=True))
    m.apply(Interrupted())
    assert len(m.entries) == 1 and m.entries[0].interrupted


def test_latency_attaches_to_the_reply_even_before_its_first_word() -> None:
    m = TranscriptModel()
    m.apply(Transcript(Role.USER, "Q", final=True))
    assert m.apply(TurnLatency(420.0)) == []
    m.apply(Transcript(Role.MODEL, "A"))
    assert m.entries[-1].latency_ms == 420.0
    changes = m.apply(TurnLatency(430.0))
    assert changes[0].entry.latency_ms == 430.0
    m.apply(TurnComplete())
    m.apply(Transcript(Role.MODEL, "B"))
    assert m.entries[-1].latency_ms is None, "latency belongs to its own turn"


def test_text_parts_and_transcription_of_one_reply_are_not_shown_twice() -> None:
    m = TranscriptModel()
    m.apply(ModelText("Hello"))
    assert m.apply(Transcript(Role.MODEL, "Hello")) == []
    m.apply(TurnComplete())
    m.apply(Transcript(Role.MODEL, "Hi"))
    assert m.apply(ModelText("Hi")) == []
    assert _texts(m) == [("model", "Hello", True, 1), ("model", "Hi", False, 2)]


def test_typed_turns_show_at_once() -> None:
    m = TranscriptModel()
    assert m.add_typed("   ") == []
    [change] = m.add_typed(" What now? ")
    assert (change.entry.text, change.entry.typed, change.entry.final) == ("What now?", True, True)


def test_session_changes_become_system_lines_only_when_they_matter() -> None:
    m = TranscriptModel()
    for phase in (SessionPhase.CONNECTING, SessionPhase.LIVE, SessionPhase.LIVE):
        m.apply(SessionState(phase))
    assert m.entries == ()
    m.apply(Transcript(Role.MODEL, "Half a sent"))
    m.apply(SessionState(SessionPhase.RECONNECTING))
    m.apply(SessionState(SessionPhase.LIVE))
    m.apply(SessionState(SessionPhase.CLOSED, ""))
    m.apply(SessionState(SessionPhase.CONNECTING))
    m.apply(SessionState(SessionPhase.LIVE))
    m.apply(SessionState(SessionPhase.CLOSED, "The key was refused."))
    kinds = [(e.kind.value, e.text) for e in m.entries]
    assert kinds == [
        ("model", "Half a sent"),
        ("system", "Connection interrupted. Reconnecting…"),
        ("system", "Reconnected. The conversation continues."),
        ("system", "New session started."),
        ("system", "Session closed: The key was refused."),
    ]
    assert m.entries[0].final, "a reconnect closes what was open"


def test_the_oldest_entries_go_beyond_the_limit() -> None:
    m = TranscriptModel(max_entries=3)
    removed = []
    for i in range(5):
        removed += [c.entry.text for c in m.add_typed(f"m{i}") if c.kind is ChangeKind.REMOVED]
    assert [e.text for e in m.entries] == ["m2", "m3", "m4"]
    assert removed == ["m0", "m1"] and m.dropped == 2
    with pytest.raises(ValueError):
        TranscriptModel(max_entries=0)


def test_an_entry_as_plain_data_is_what_the_state_file_writes() -> None:
    m = TranscriptModel()
    m.apply(Transcript(Role.MODEL, "Hello", final=True))
    entry = m.entries[0].as_dict()
    assert entry == {
        "id": m.entries[0].id,
        "kind": "model",
        "turn": 1,
        "text": "Hello",
        "final": True,
        "interrupted": False,
        "typed": False,
        "latency_ms": None,
    }
    assert type(entry["kind"]) is str, "the kind is written as its plain value, not the enum"


def test_a_reconnect_notice_is_the_system_line() -> None:
    m = TranscriptModel()
    m.apply(SessionState(SessionPhase.LIVE))
    m.apply(SessionState(SessionPhase.RECONNECTING, "ConnectionLostError", QUIET_NOTICE))
    m.apply(SessionState(SessionPhase.LIVE, "started a fresh session with 2 entries", FRESH_NOTICE))
    assert [e.text for e in m.entries] == [
        "Gemini went quiet — reconnecting…",
        "Started a new session; Gemini has the transcript so far",
    ]
