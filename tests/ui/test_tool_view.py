"""The Qt-free view of tools: readable arguments, the compact call line, link checks, and the transcript's
tool, consent and sources entries."""

from __future__ import annotations

import json

from desktop_app.controller_api import ConsentAnswer, ConsentRequest, Risk
from desktop_app.core.app_events import ToolActivity, ToolPhase
from desktop_app.ui.tool_view import (
    CardState,
    ConsentPrompt,
    SourceList,
    chip_label,
    pretty_args,
    safe_link,
    state_of_answer,
    tool_line,
)
from desktop_app.ui.transcript_model import ChangeKind, EntryKind, TranscriptModel


def _prompt(call_id: str = "c1") -> ConsentPrompt:
    request = ConsentRequest(
        call_id, "open_url", "Open a link", Risk.CHANGES, {"url": "https://x.org"}, "", 30
    )
    return ConsentPrompt.of(request)


def test_arguments_are_pretty_json_with_long_values_elided_and_every_key_shown() -> None:
    text = pretty_args({"api_key": "sk-123", "text": "a" * 500, "n": [1, 2]})
    assert '"api_key": "sk-123"' in text  # secrets-looking keys are not special-cased
    assert "…" in text and "(500 characters)" in text and "a" * 200 not in text
    assert text.startswith("{\n  ")
    assert pretty_args({}) == "{}"
    assert json.loads(pretty_args({"a": 1})) == {"a": 1}


def test_a_prompt_says_the_risk_in_words() -> None:
    prompt = _prompt()
    assert prompt.risk == "changes something on this computer"
    assert '"url": "https://x.org"' in prompt.args_text and prompt.timeout_s == 30


def test_the_call_line_shows_phase_decision_duration_and_result() -> None:
    done = ToolActivity("c1", "clock_now", ToolPhase.DONE, "{}", "allow", '"10:42"', duration_ms=12.4)
    assert tool_line(done) == '✓ clock_now({}) · allow · 12 ms → "10:42"'
    failed = ToolActivity("c2", "open_url", ToolPhase.FAILED, "{}", "denied by the user", "No.", "denied")
    assert tool_line(failed).startswith("✗ open_url({}) · denied by the user → denied: No.")
    assert "waiting for your consent" in tool_line(ToolActivity("c3", "x", ToolPhase.ASKING))


def test_only_http_and_https_links_with_a_host_are_safe() -> None:
    assert safe_link("https://example.org/a") and safe_link("http://example.org")
    for bad in ("file:///etc/passwd", "javascript:alert(1)", "https://", "ftp://x.org", "example.org"):
        assert not safe_link(bad), bad


def test_grounding_drops_duplicate_sources_and_blank_queries() -> None:
    g = SourceList.of(
        ["weather", " "], [("A", "https://a.org"), ("A again", "https://a.org"), ("", "https://b.org/x")]
    )
    assert g.queries == ("weather",)
    assert [s.uri for s in g.sources] == ["https://a.org", "https://b.org/x"]
    assert chip_label(g.sources[1]) == "b.org"
    assert not SourceList.of([], [])


def test_each_answer_has_its_card_state() -> None:
    assert state_of_answer(ConsentAnswer.ALLOW_ONCE) is CardState.ALLOWED_ONCE
    assert state_of_answer(ConsentAnswer.ALWAYS) is CardState.ALWAYS
    assert state_of_answer(ConsentAnswer.DENY) is CardState.DENIED


def test_each_call_is_one_line_rewritten_by_its_activity() -> None:
    m = TranscriptModel()
    added = m.apply(ToolActivity("c1", "clock_now", ToolPhase.RUNNING, "{}", "allow"))
    assert [c.kind for c in added] == [ChangeKind.ADDED] and not added[0].entry.final
    updated = m.apply(ToolActivity("c1", "clock_now", ToolPhase.DONE, "{}", "allow", "ok", duration_ms=3))
    assert [c.kind for c in updated] == [ChangeKind.UPDATED]
    (entry,) = m.entries
    assert entry.kind is EntryKind.TOOL and entry.final and entry.text.startswith("✓ clock_now")
    assert entry.as_dict()["call_id"] == "c1"


def test_a_card_waits_then_closes_once_with_the_answer() -> None:
    m = TranscriptModel()
    (added,) = m.add_consent(_prompt())
    assert added.entry.card is CardState.WAITING and m.open_cards() == [added.entry]
    assert m.add_consent(_prompt()) == []  # one card per call
    (closed,) = m.settle_consent("c1", CardState.ALLOWED_ONCE)
    assert closed.entry.card is CardState.ALLOWED_ONCE and closed.entry.final
    assert m.settle_consent("c1", CardState.DENIED) == []  # the first answer stands
    assert m.open_cards() == [] and m.entries[0].as_dict()["card"] == "allowed once"


def test_a_consent_timeout_or_a_cancellation_closes_the_card() -> None:
    m = TranscriptModel()
    m.add_consent(_prompt("late"))
    m.add_consent(_prompt("gone"))
    m.apply(ToolActivity("late", "open_url", ToolPhase.FAILED, "{}", "no answer", "", "no_consent"))
    m.apply(ToolActivity("gone", "open_url", ToolPhase.CANCELLED, "{}", "", "cancelled by the server"))
    cards = {e.call_id: e.card for e in m.entries if e.kind is EntryKind.CONSENT}
    assert cards == {"late": CardState.TIMED_OUT, "gone": CardState.CANCELLED}


def test_sources_join_the_reply_they_follow() -> None:
    from desktop_app.core.events import Role, Transcript, TurnComplete

    m = TranscriptModel()
    m.apply(Transcript(Role.MODEL, "It is sunny.", final=True))
    m.apply(TurnComplete())
    (added,) = m.add_grounding(SourceList.of(["weather"], [("Met", "https://met.example")]))
    assert added.entry.kind is EntryKind.SOURCES and added.entry.turn == 1
    assert m.add_grounding(SourceList()) == []


def test_trimming_forgets_the_call_so_a_late_activity_adds_a_new_line() -> None:
    m = TranscriptModel(max_entries=1)
    m.apply(ToolActivity("c1", "a", ToolPhase.RUNNING))
    m.apply(ToolActivity("c2", "b", ToolPhase.RUNNING))
    changes = m.apply(ToolActivity("c1", "a", ToolPhase.DONE))
    assert ChangeKind.ADDED in [c.kind for c in changes] and m.dropped == 2
