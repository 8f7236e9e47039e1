"""The bounded recent transcript that seeds a fresh session (as clientContent history)."""

from __future__ import annotations

from desktop_app.core.events import Interrupted, ModelText, Role, Transcript, TurnComplete
from desktop_app.live.resilient_context import RecentTranscript


def test_pieces_are_joined_into_one_entry_per_role_per_turn() -> None:
    recent = RecentTranscript()
    for event in (
        Transcript(Role.USER, "What is"),
        Transcript(Role.MODEL, "It is"),
        Transcript(Role.USER, " the time?"),
        Transcript(Role.MODEL, " noon."),
        TurnComplete(),
        ModelText("A text part."),
        TurnComplete(),
    ):
        recent.observe(event)
    assert recent.history() == (
        ("user", "What is the time?"),
        ("model", "It is noon."),
        ("model", "A text part."),
    )


def test_interrupted_replies_are_marked() -> None:
    recent = RecentTranscript()
    for event in (Transcript(Role.MODEL, "Let me tell you a long"), Interrupted(), TurnComplete()):
        recent.observe(event)
    assert recent.history() == (("model", "Let me tell you a long [interrupted]"),)


def test_typed_turns_are_their_own_entries() -> None:
    recent = RecentTranscript()
    recent.add_user_text("first")
    recent.add_user_text("second")
    recent.add_user_text("   ")
    recent.observe(TurnComplete())
    assert recent.history() == (("user", "first"), ("user", "second"))


def test_the_open_turn_is_left_out_because_the_replay_ring_sends_it_again() -> None:
    recent = RecentTranscript()
    recent.add_user_text("answered")
    recent.observe(Transcript(Role.MODEL, "yes"))
    recent.observe(TurnComplete())
    recent.add_user_text("not answered yet")
    recent.observe(Transcript(Role.USER, "spoken, no reply yet"))
    assert recent.history() == (("user", "answered"), ("model", "yes"))
    assert len(recent) == 4


def test_the_oldest_entries_go_first_when_a_bound_is_hit() -> None:
    recent = RecentTranscript(max_entries=3, max_chars=1000)
    for n in range(5):
        recent.observe(Transcript(Role.USER, f"u{n}"))
        recent.observe(TurnComplete())
    assert recent.history() == (("user", "u2"), ("user", "u3"), ("user", "u4"))
    small = RecentTranscript(max_entries=10, max_chars=10)
    for n in range(5):
        small.observe(Transcript(Role.MODEL, f"abcd{n}"))
        small.observe(TurnComplete())
    assert small.chars <= 10 and small.history() == (("model", "abcd3"), ("model", "abcd4"))


def test_one_huge_entry_keeps_its_newest_text() -> None:
    recent = RecentTranscript(max_chars=10)
    recent.observe(Transcript(Role.MODEL, "0123456789abcdef"))
    recent.observe(TurnComplete())
    assert recent.history() == (("model", "6789abcdef"),)
