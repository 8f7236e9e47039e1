"""The stall watchdog's sans-I/O core: when an open turn has been quiet long enough to probe."""

from __future__ import annotations

import pytest

from desktop_app.core.events import (
    FunctionCall,
    Interrupted,
    ModelAudio,
    Role,
    ToolCall,
    Transcript,
    TurnComplete,
)
from desktop_app.live.resilient_watchdog import StallWatchdog


def make() -> StallWatchdog:
    dog = StallWatchdog(stall_after_s=5.0, probe_timeout_s=2.0)
    dog.connected(0.0)
    return dog


def test_no_turn_no_probe_however_quiet() -> None:
    dog = make()
    assert not dog.due(1000.0) and dog.next_check_in(1000.0) is None


def test_an_open_turn_quiet_for_stall_after_s_is_due_and_every_message_restarts_the_timer() -> None:
    dog = make()
    dog.turn_opened(10.0)
    assert dog.next_check_in(10.0) == pytest.approx(5.0)
    assert not dog.due(14.9)
    dog.heard(14.0, ModelAudio(b"\x00\x00"))  # the reply streams
    assert not dog.due(18.9) and dog.due(19.0)
    assert dog.next_check_in(17.0) == pytest.approx(2.0)


def test_turn_complete_interrupted_and_a_tool_call_close_the_turn() -> None:
    for closing in (TurnComplete(), Interrupted(), ToolCall((FunctionCall("1", "f", {}),))):
        dog = make()
        dog.turn_opened(0.0)
        dog.heard(1.0, closing)
        assert not dog.turn_open and not dog.due(100.0), closing


def test_opening_an_open_turn_again_does_not_push_the_deadline() -> None:
    dog = make()
    dog.turn_opened(0.0)
    dog.turn_opened(4.0)
    assert dog.due(5.0)


def test_an_answered_probe_waits_again_and_a_failed_one_reports_the_detection_time() -> None:
    dog = make()
    dog.heard(1.0, Transcript(Role.USER, "hello"))
    dog.turn_opened(2.0)
    assert dog.due(7.0)
    dog.probe_started()
    assert not dog.due(8.0) and dog.next_check_in(8.0) is None  # one probe at a time
    dog.probe_answered(7.5)  # the model only thinks
    assert not dog.due(12.4) and dog.due(12.5)
    dog.probe_started()
    assert dog.probe_failed(14.5) == pytest.approx(13500.0)  # from the last server message (1.0)
    assert (dog.stats.probes, dog.stats.probes_alive, dog.stats.stalls) == (2, 1, 1)


def test_a_new_connection_starts_with_no_open_turn() -> None:
    dog = make()
    dog.turn_opened(0.0)
    dog.probe_started()
    dog.connected(3.0)
    assert not dog.turn_open
    dog.turn_opened(3.0)
    assert dog.due(8.0)  # and the probe of the old link no longer blocks


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        StallWatchdog(0.0, 1.0)


def test_a_turn_silent_for_max_quiet_s_on_a_live_link_is_stuck() -> None:
    dog = StallWatchdog(stall_after_s=5.0, probe_timeout_s=2.0, max_quiet_s=15.0)
    dog.connected(0.0)
    dog.turn_opened(0.0)
    for at in (5.0, 10.0):  # answered probes do not reset the silence
        assert dog.due(at)
        dog.probe_started()
        dog.probe_answered(at)
        assert not dog.stuck(at)
    dog.heard(12.0, ModelAudio(b"\x00\x00"))  # a server message does
    assert not dog.stuck(26.9) and dog.stuck(27.0)
    assert dog.stats.stuck == 1
