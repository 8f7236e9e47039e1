"""The sans-I/O reconnect policy with a FakeClock: handles, goAway timing, backoff, caps, fresh sessions."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.clock import FakeClock
from desktop_app.core.errors import (
    AuthError,
    ConnectionLostError,
    InvalidRequestError,
    LiveError,
    ModelNotFoundError,
    ServerError,
    SessionNotFoundError,
)
from desktop_app.core.events import (
    GenerationComplete,
    GoAway,
    ModelAudio,
    ResumptionUpdate,
    Role,
    ToolCall,
    Transcript,
    TurnComplete,
    VoiceActivity,
)
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import (
    GiveUp,
    Reconnect,
    ReconnectCore,
    ReconnectGaveUpError,
    ReconnectPolicy,
    ReconnectReason,
)

POLICY = ReconnectPolicy(
    max_failures=3, backoff_base_s=0.5, backoff_max_s=2.0, jitter=0.5, stable_after_s=30.0
)


def make_core(policy: ReconnectPolicy = POLICY, **options: object) -> tuple[ReconnectCore, FakeClock]:
    clock = FakeClock(100.0)
    core = ReconnectCore(policy, SessionOptions(**options), random.Random(7))  # type: ignore[arg-type]
    core.connected(clock.now())
    return core, clock


def feed(core: ReconnectCore, clock: FakeClock, *events: object) -> list[bool]:
    return [core.observe(clock.now(), event) for event in events]  # type: ignore[arg-type]


def a_turn(text: str = "hello there") -> list[object]:
    return [
        Transcript(Role.USER, "[speech 1.0 s]", final=True),
        ModelAudio(b"\0\0" * 240),
        Transcript(Role.MODEL, text),
        GenerationComplete(),
        TurnComplete(),
    ]


# --- handles ---------------------------------------------------------------------------------------


def test_the_newest_resumable_handle_is_kept() -> None:
    core, clock = make_core()
    feed(
        core,
        clock,
        ResumptionUpdate("h1", True),
        ResumptionUpdate(None, False),
        ResumptionUpdate("h2", True),
    )
    feed(core, clock, ResumptionUpdate("h3", False))
    assert core.handle == "h2"


def test_a_failure_resumes_with_the_newest_handle() -> None:
    core, clock = make_core()
    feed(core, clock, ResumptionUpdate("h1", True), *a_turn(), ResumptionUpdate("h2", True))
    decision = core.failed(clock.now(), ConnectionLostError("lost", code=1006))
    assert isinstance(decision, Reconnect)
    assert decision.resumed and decision.options.resume_handle == "h2"
    assert decision.reason is ReconnectReason.FAILURE and decision.delay_s == 0.0
    assert "1006" in decision.detail and "attempt 1 of 3" in decision.detail


# --- goAway ----------------------------------------------------------------------------------------


def test_go_away_waits_for_the_end_of_the_model_turn_and_a_fresh_handle() -> None:
    core, clock = make_core()
    feed(core, clock, ResumptionUpdate("h0", True), Transcript(Role.USER, "hi"), ModelAudio(b"\0\0"))
    feed(core, clock, GoAway(time_left_s=30.0))
    assert core.go_away_pending
    assert core.poll(clock.now()) is None  # the model is talking
    clock.advance(1.0)
    feed(core, clock, Transcript(Role.MODEL, "answer"), GenerationComplete(), TurnComplete())
    assert core.poll(clock.now()) is None  # the turn ended, but the newest handle predates it
    feed(core, clock, ResumptionUpdate("h1", True))
    decision = core.poll(clock.now())
    assert isinstance(decision, Reconnect)
    assert decision.reason is ReconnectReason.GO_AWAY and decision.options.resume_handle == "h1"
    assert "quiet moment" in decision.detail and "goAway" in decision.detail
    assert not core.go_away_pending
    assert core.poll(clock.now()) is None  # decided once


def test_go_away_waits_while_the_user_speaks() -> None:
    core, clock = make_core()
    feed(core, clock, *a_turn(), ResumptionUpdate("h1", True))
    core.audio_sent(clock.now(), loud=True)
    feed(core, clock, GoAway(time_left_s=30.0))
    assert core.poll(clock.now()) is None
    clock.advance(POLICY.quiet_hold_s / 2)
    core.audio_sent(clock.now(), loud=False)
    assert core.poll(clock.now()) is None  # not silent long enough yet
    clock.advance(POLICY.quiet_hold_s)
    assert isinstance(core.poll(clock.now()), Reconnect)


def test_the_servers_voice_activity_counts_as_speaking() -> None:
    core, clock = make_core()
    feed(core, clock, *a_turn(), ResumptionUpdate("h1", True), VoiceActivity(speaking=True))
    feed(core, clock, GoAway(time_left_s=30.0))
    clock.advance(5.0)
    assert core.poll(clock.now()) is None
    feed(core, clock, VoiceActivity(speaking=False))  # ... and then a reply is awaited
    assert core.poll(clock.now()) is None
    feed(core, clock, *a_turn(), ResumptionUpdate("h2", True))
    decision = core.poll(clock.now())
    assert isinstance(decision, Reconnect) and decision.options.resume_handle == "h2"


def test_go_away_without_a_quiet_moment_reconnects_at_the_deadline() -> None:
    core, clock = make_core()
    feed(core, clock, ResumptionUpdate("h0", True), ModelAudio(b"\0\0"))
    feed(core, clock, GoAway(time_left_s=10.0))
    deadline = 10.0 - POLICY.go_away_margin_s
    assert core.next_poll_in(clock.now()) == pytest.approx(0.1)
    clock.advance(deadline - 0.05)
    assert core.poll(clock.now()) is None
    assert core.next_poll_in(clock.now()) == pytest.approx(0.05)
    clock.advance(0.05)
    decision = core.poll(clock.now())
    assert isinstance(decision, Reconnect)
    assert decision.options.resume_handle == "h0" and "before the deadline" in decision.detail


def test_go_away_with_no_time_left_given_uses_the_default() -> None:
    core, clock = make_core()
    feed(core, clock, ModelAudio(b"\0\0"), GoAway(time_left_s=None))
    clock.advance(POLICY.default_time_left_s - POLICY.go_away_margin_s - 0.01)
    assert core.poll(clock.now()) is None
    clock.advance(0.02)
    assert isinstance(core.poll(clock.now()), Reconnect)


def test_go_away_shorter_than_the_margin_acts_at_once() -> None:
    core, clock = make_core()
    feed(core, clock, ModelAudio(b"\0\0"), GoAway(time_left_s=0.5))
    assert isinstance(core.poll(clock.now()), Reconnect)


def test_go_away_before_any_handle_starts_a_fresh_seeded_session() -> None:
    core, clock = make_core(system_instruction="Be brief.")
    feed(core, clock, *a_turn("the answer is 42"), GoAway(time_left_s=3.0))
    assert core.poll(clock.now()) is None  # no handle: never quiet, so it waits for the deadline
    clock.advance(3.0)
    decision = core.poll(clock.now())
    assert isinstance(decision, Reconnect) and not decision.resumed
    assert decision.options.system_instruction == "Be brief."  # the user's own, unchanged
    assert ("model", "the answer is 42") in decision.options.history and decision.seeded_entries == 2


def test_a_pending_tool_call_is_not_a_quiet_moment() -> None:
    core, clock = make_core()
    feed(core, clock, ResumptionUpdate("h0", True), ToolCall(calls=()), GoAway(time_left_s=30.0))
    clock.advance(1.0)
    assert core.poll(clock.now()) is None


def test_no_polling_is_needed_without_go_away() -> None:
    core, clock = make_core()
    assert core.next_poll_in(clock.now()) is None
    assert core.poll(clock.now()) is None


# --- failures --------------------------------------------------------------------------------------


def test_retryable_failures_back_off_and_stop_at_the_cap() -> None:
    core, clock = make_core()
    feed(core, clock, ResumptionUpdate("h", True))
    delays = []
    for attempt in range(1, POLICY.max_failures + 1):
        decision = core.failed(clock.now(), ServerError("boom", code=1011))
        assert isinstance(decision, Reconnect) and decision.attempt == attempt
        delays.append(decision.delay_s)
        clock.advance(decision.delay_s + 0.01)  # the new attempt fails quickly
    assert delays[0] == 0.0
    assert 0.25 <= delays[1] <= 0.5 and 0.5 <= delays[2] <= 1.0
    final = core.failed(clock.now(), ServerError("boom again", code=1011))
    assert isinstance(final, GiveUp) and isinstance(final.error, ReconnectGaveUpError)
    assert final.error.attempts == POLICY.max_failures and not final.error.retryable
    assert "boom again" in str(final.error) and final.error.code == 1011


def test_a_stable_connection_resets_the_failure_count() -> None:
    core, clock = make_core()
    for _ in range(POLICY.max_failures):
        assert isinstance(core.failed(clock.now(), ConnectionLostError("x")), Reconnect)
        core.connected(clock.now())
    assert core.failures == POLICY.max_failures
    clock.advance(POLICY.stable_after_s)
    decision = core.failed(clock.now(), ConnectionLostError("x"))
    assert isinstance(decision, Reconnect) and decision.attempt == 1 and decision.delay_s == 0.0


def test_a_stable_run_ended_by_go_away_also_resets_the_count() -> None:
    core, clock = make_core()
    feed(core, clock, ResumptionUpdate("h", True))
    for _ in range(POLICY.max_failures):
        core.failed(clock.now(), ConnectionLostError("x"))
        core.connected(clock.now())
    clock.advance(POLICY.stable_after_s)
    feed(core, clock, ResumptionUpdate("h2", True), GoAway(time_left_s=30.0))
    assert isinstance(core.poll(clock.now()), Reconnect)
    core.connected(clock.now())
    clock.advance(1.0)  # the new connection drops soon: a first failure, not the cap
    decision = core.failed(clock.now(), ConnectionLostError("x"))
    assert isinstance(decision, Reconnect) and decision.attempt == 1


def test_a_short_lived_connection_does_not_reset_the_count() -> None:
    core, clock = make_core()
    for _ in range(POLICY.max_failures):
        core.failed(clock.now(), ConnectionLostError("x"))
        core.connected(clock.now())
        clock.advance(POLICY.stable_after_s / 2)
    assert isinstance(core.failed(clock.now(), ConnectionLostError("x")), GiveUp)


@pytest.mark.parametrize(
    "error",
    [
        AuthError("bad key", code=1007),
        InvalidRequestError("invalid", code=1007),
        ModelNotFoundError("no such model", code=1008),
        LiveError("unclassified"),
    ],
)
def test_fatal_errors_give_up_at_once(error: LiveError) -> None:
    core, clock = make_core()
    feed(core, clock, ResumptionUpdate("h", True))
    decision = core.failed(clock.now(), error)
    assert isinstance(decision, GiveUp) and decision.error is error
    assert core.failures == 0


def test_a_refused_handle_starts_a_fresh_session_with_the_recent_context() -> None:
    core, clock = make_core()
    feed(core, clock, ResumptionUpdate("h1", True), *a_turn("Paris is the capital."))
    core.user_text("and Spain?")
    decision = core.failed(clock.now(), SessionNotFoundError("not found", code=1008))
    assert isinstance(decision, Reconnect)
    assert decision.reason is ReconnectReason.HANDLE_REFUSED and not decision.resumed
    assert decision.options.resume_handle is None and core.handle is None
    history = decision.options.history
    assert ("model", "Paris is the capital.") in history
    assert ("user", "and Spain?") not in history  # unanswered: the replay ring sends it, once
    assert decision.options.system_instruction is None and core.failures == 0


def test_a_refusal_without_a_handle_gives_up() -> None:
    core, clock = make_core()
    error = SessionNotFoundError("not found", code=1008)
    decision = core.failed(clock.now(), error)
    assert isinstance(decision, GiveUp) and decision.error is error


def test_a_failure_before_any_handle_starts_fresh() -> None:
    core, clock = make_core()
    feed(core, clock, *a_turn("first answer"))
    decision = core.failed(clock.now(), ConnectionLostError("x", code=1006))
    assert isinstance(decision, Reconnect) and not decision.resumed
    assert ("model", "first answer") in decision.options.history


def test_the_first_connection_is_retried_only_when_asked() -> None:
    core, clock = make_core()
    assert isinstance(core.first_connect_failed(clock.now(), ConnectionLostError("x")), GiveUp)
    retrying = ReconnectCore(ReconnectPolicy(retry_first_connect=True), SessionOptions())
    assert isinstance(retrying.first_connect_failed(clock.now(), ConnectionLostError("x")), Reconnect)


# --- acknowledgement points ------------------------------------------------------------------------


def test_acknowledgement_points_are_turn_ends_and_handles_between_turns() -> None:
    core, clock = make_core()
    acks = feed(
        core,
        clock,
        Transcript(Role.USER, "hi"),
        ResumptionUpdate("h-mid", True),  # the user's turn is awaiting its reply: not an ack
        ModelAudio(b"\0\0"),
        ResumptionUpdate("h-busy", True),  # the model is talking: not an ack
        TurnComplete(),
        ResumptionUpdate("h-after", True),
    )
    assert acks == [False, False, False, False, True, True]


def test_an_awaited_reply_expires() -> None:
    core, clock = make_core()
    core.user_turn_sent(clock.now())
    assert core.awaiting_reply(clock.now())
    clock.advance(POLICY.reply_wait_s)
    assert not core.awaiting_reply(clock.now())


# --- the policy's own arithmetic -------------------------------------------------------------------


@given(failures=st.integers(min_value=1, max_value=60), seed=st.integers(min_value=0, max_value=2**32))
def test_backoff_stays_within_its_bounds(failures: int, seed: int) -> None:
    delay = POLICY.backoff_s(failures, random.Random(seed))
    if failures == 1:
        assert delay == 0.0
        return
    ceiling = min(POLICY.backoff_max_s, POLICY.backoff_base_s * 2 ** (failures - 2))
    assert (1 - POLICY.jitter) * ceiling <= delay <= ceiling


@pytest.mark.parametrize(
    "bad",
    [{"max_failures": 0}, {"jitter": 1.5}, {"audio_buffer_s": 0}, {"backoff_base_s": -1}],
)
def test_nonsense_policies_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ReconnectPolicy(**bad)  # type: ignore[arg-type]
