"""The bounded recent transcript that seeds a fresh session's system instruction."""

from __future__ import annotations

from desktop_app.core.events import Interrupted, ModelText, Role, Transcript, TurnComplete
from desktop_app.live.resilient_context import CONTEXT_HEADER, RecentTranscript


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
    assert recent.lines() == [
        "User: What is the time?",
        "Model: It is noon.",
        "Model: A text part.",
    ]


def test_interrupted_replies_are_marked() -> None:
    recent = RecentTranscript()
    for event in (Transcript(Role.MODEL, "Let me tell you a long"), Interrupted(), TurnComplete()):
        recent.observe(event)
    assert recent.lines() == ["Model: Let me tell you a long [interrupted]"]


def test_typed_turns_are_their_own_entries() -> None:
    recent = RecentTranscript()
    recent.add_user_text("first")
    recent.add_user_text("second")
    recent.add_user_text("   ")
    assert recent.lines() == ["User: first", "User: second"]


def test_the_oldest_entries_go_first_when_a_bound_is_hit() -> None:
    recent = RecentTranscript(max_entries=3, max_chars=1000)
    for n in range(5):
        recent.observe(Transcript(Role.USER, f"u{n}"))
        recent.observe(TurnComplete())
    assert recent.lines() == ["User: u2", "User: u3", "User: u4"]
    small = RecentTranscript(max_entries=10, max_chars=10)
    for n in range(5):
        small.observe(Transcript(Role.MODEL, f"abcd{n}"))
        small.observe(TurnComplete())
    assert small.chars <= 10 and small.lines() == ["Model: abcd3", "Model: abcd4"]


def test_one_huge_entry_keeps_its_newest_text() -> None:
    recent = RecentTranscript(max_chars=10)
    recent.observe(Transcript(Role.MODEL, "0123456789abcdef"))
    assert recent.lines() == ["Model: 6789abcdef"]


def test_the_seed_keeps_the_base_instruction_first() -> None:
    recent = RecentTranscript()
    assert recent.seed_instruction("Be brief.").instruction == "Be brief."
    assert recent.seed_instruction(None).instruction is None
    recent.observe(Transcript(Role.USER, "hi"))
    seeded = recent.seed_instruction("Be brief.")
    assert seeded.entries == 1
    assert seeded.instruction == "Be brief.\n\n" + CONTEXT_HEADER + "\n\nUser: hi"
    assert recent.seed_instruction(None).instruction == CONTEXT_HEADER + "\n\nUser: hi"
