"""The connection label, without Qt or timers: phases, the goAway countdown, and when to tick."""

from __future__ import annotations

from desktop_app.core.events import QUIET_NOTICE, GoAway, SessionPhase, SessionState, TurnComplete
from desktop_app.ui.connection_status import ConnectionStatus


def test_phases_map_to_labels_and_tones() -> None:
    s = ConnectionStatus()
    assert (s.label(0).text, s.label(0).tone) == ("Starting…", "idle")
    expected = {
        SessionPhase.CONNECTING: ("Connecting…", "busy"),
        SessionPhase.LIVE: ("Live", "ok"),
        SessionPhase.RECONNECTING: ("Reconnecting…", "warn"),
        SessionPhase.CLOSED: ("Closed", "bad"),
    }
    for phase, (text, tone) in expected.items():
        assert s.apply(SessionState(phase, "why"), now=0.0)
        label = s.label(0.0)
        assert (label.text, label.tone) == (text, tone)
    assert not s.apply(TurnComplete(), now=0.0)


def test_goaway_counts_down_and_stops_ticking_when_the_session_moves_on() -> None:
    s = ConnectionStatus()
    s.apply(SessionState(SessionPhase.LIVE), now=100.0)
    s.apply(GoAway(time_left_s=10.0), now=100.0)
    assert s.needs_ticks()
    assert s.label(100.0).text == "Live · reconnecting in 10 s"
    assert s.label(104.2).text == "Live · reconnecting in 6 s"
    assert s.label(130.0).text == "Live · reconnecting in 0 s"
    s.apply(SessionState(SessionPhase.RECONNECTING), now=110.0)
    assert not s.needs_ticks() and s.label(110.0).text == "Reconnecting…"
    s.apply(SessionState(SessionPhase.LIVE), now=111.0)
    assert s.label(111.0).text == "Live"


def test_goaway_without_a_time_says_soon() -> None:
    s = ConnectionStatus()
    s.apply(SessionState(SessionPhase.LIVE), now=0.0)
    s.apply(GoAway(time_left_s=None), now=0.0)
    assert not s.needs_ticks()
    assert s.label(5.0).text == "Live · reconnecting soon"


def test_a_notice_is_the_reconnecting_label_and_the_detail_its_tooltip() -> None:
    s = ConnectionStatus()
    s.apply(SessionState(SessionPhase.RECONNECTING, "ConnectionLostError: …", QUIET_NOTICE), now=0.0)
    label = s.label(0.0)
    assert (label.text, label.tone, label.tooltip) == (
        "Gemini went quiet — reconnecting…",
        "warn",
        "ConnectionLostError: …",
    )
    s.apply(SessionState(SessionPhase.RECONNECTING, "goAway"), now=1.0)
    assert s.label(1.0).text == "Reconnecting…"
