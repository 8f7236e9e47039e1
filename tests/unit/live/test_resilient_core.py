"""The resilient session's sans-I/O core: what sends and events mean, what is passed on, the counters.

No loop, no sockets, no clock: times are plain numbers.
"""

from __future__ import annotations

import random

from desktop_app.core.audio_format import MIC_FORMAT
from desktop_app.core.commands import (
    ActivityEnd,
    ActivityStart,
    AudioStreamEnd,
    FunctionResult,
    ToolResponse,
    UserAudio,
    UserImage,
    UserText,
)
from desktop_app.core.errors import ConnectionLostError
from desktop_app.core.events import (
    GoAway,
    ModelAudio,
    ResumptionUpdate,
    SetupComplete,
    TurnComplete,
)
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import Reconnect, ReconnectPolicy, ReconnectReason
from desktop_app.live.resilient_core import ResilientCore

LOUD = b"\x00\x40" * MIC_FORMAT.frames_for_ms(20)
QUIET = bytes(MIC_FORMAT.bytes_for_ms(20))


def make_core(**policy: object) -> ResilientCore:
    core = ResilientCore(ReconnectPolicy(**policy), SessionOptions(), random.Random(1))  # type: ignore[arg-type]
    core.reconnect.connected(0.0)
    return core


def send(core: ResilientCore, now: float, command: object, *, went_out: bool = True) -> bool:
    loud = core.sending(now, command)  # type: ignore[arg-type]
    core.sent(command, went_out=went_out, loud=loud)  # type: ignore[arg-type]
    return loud


def test_loud_audio_counts_as_speech_and_quiet_audio_does_not() -> None:
    core = make_core()
    assert send(core, 1.0, UserAudio(LOUD)) is True
    assert not core.reconnect.user_silent(1.1)
    assert core.buffer.has_speech
    other = make_core()
    assert send(other, 1.0, UserAudio(QUIET)) is False
    assert other.reconnect.user_silent(1.0) and not other.buffer.has_speech


def test_a_typed_turn_awaits_a_reply_and_seeds_a_fresh_session() -> None:
    core = make_core()
    send(core, 1.0, UserText("what is my name?"))
    assert core.reconnect.awaiting_reply(1.5)
    assert core.reconnect.transcript.lines() == ["User: what is my name?"]


def test_a_stream_end_awaits_a_reply_only_after_speech() -> None:
    silent = make_core()
    send(silent, 1.0, UserAudio(QUIET))
    send(silent, 1.1, AudioStreamEnd())
    assert not silent.reconnect.awaiting_reply(1.2)
    spoken = make_core()
    send(spoken, 1.0, UserAudio(LOUD))
    send(spoken, 1.1, AudioStreamEnd())
    assert spoken.reconnect.awaiting_reply(1.2)


def test_explicit_activity_marks_the_user_speaking_until_it_ends() -> None:
    core = make_core()
    send(core, 1.0, ActivityStart())
    assert not core.reconnect.user_silent(5.0)
    send(core, 5.0, ActivityEnd())
    assert core.reconnect.user_silent(5.0) and core.reconnect.awaiting_reply(5.1)


def test_frames_and_tool_answers_are_kept_only_when_they_did_not_go_out() -> None:
    core = make_core()
    send(core, 1.0, UserImage(b"a"))
    send(core, 1.0, ToolResponse((FunctionResult("c", "f"),)))
    assert len(core.buffer) == 0
    send(core, 2.0, UserImage(b"b"), went_out=False)
    assert len(core.buffer) == 1


def test_only_the_first_setup_is_passed_on_and_go_away_never() -> None:
    core = make_core()
    first = SetupComplete(session_id="s1")
    assert core.received(0.0, first) is first
    assert core.received(1.0, SetupComplete(session_id="s2")) is None
    assert core.received(1.0, GoAway(time_left_s=30.0)) is None
    assert core.stats.go_aways == 1 and core.reconnect.go_away_pending
    audio = ModelAudio(b"\0\0")
    assert core.received(1.0, audio) is audio


def test_a_late_event_is_passed_on_but_its_go_away_is_not_counted() -> None:
    core = make_core()
    audio = ModelAudio(b"\0\0")
    assert core.received(1.0, audio, late=True) is audio
    assert core.received(1.0, GoAway(time_left_s=30.0), late=True) is None
    assert core.stats.go_aways == 0
    setup = SetupComplete(session_id="s1")
    assert core.received(1.0, setup, late=True) is None
    assert core.received(1.0, setup) is setup  # the late one did not use up the first setup


def test_an_answered_turn_lets_the_ring_forget_what_was_sent() -> None:
    core = make_core()
    for _ in range(5):
        send(core, 1.0, UserAudio(LOUD))
    send(core, 1.1, AudioStreamEnd())
    assert len(core.buffer) == 6
    core.received(2.0, TurnComplete())
    assert len(core.buffer) == 0


def test_a_replayed_turn_end_awaits_a_reply_again() -> None:
    core = make_core()
    send(core, 1.0, UserText("hello"), went_out=False)
    core.received(2.0, TurnComplete())  # an earlier turn ends: nothing awaited, the unsent text stays
    assert not core.reconnect.awaiting_reply(3.0)
    core.buffer.begin_replay()
    [entry] = core.buffer.take()
    core.replayed(3.0, entry)
    assert entry.sent and core.reconnect.awaiting_reply(3.1)


def test_a_replayed_audio_block_is_counted_but_does_not_end_the_turn() -> None:
    core = make_core()
    send(core, 1.0, UserAudio(LOUD), went_out=False)
    core.reconnect.connected(3.0)
    core.buffer.begin_replay()
    [entry] = core.buffer.take()
    core.replayed(3.0, entry)
    assert core.stats.buffer.audio_replayed_s == MIC_FORMAT.duration_s(len(LOUD))
    assert not core.reconnect.awaiting_reply(3.1)


def test_live_again_counts_the_reconnect_by_its_first_reason() -> None:
    core = make_core()
    failure = core.reconnect.failed(10.0, ConnectionLostError("lost"))
    assert isinstance(failure, Reconnect) and failure.reason is ReconnectReason.FAILURE
    how = core.live_again(10.5, 500.0, failure, failure)
    assert how.startswith("started a fresh session")
    assert core.stats.reconnects == 1 and core.stats.failure_reconnects == 1
    assert core.stats.fresh_sessions == 1 and core.stats.failure_gaps_ms == [500.0]
    core.received(11.0, ResumptionUpdate("h1", True))
    resumed = core.reconnect.failed(12.0, ConnectionLostError("lost"))
    assert isinstance(resumed, Reconnect) and resumed.resumed
    assert core.live_again(12.2, 200.0, resumed, resumed) == "resumed the session"
    assert core.stats.fresh_sessions == 1 and core.stats.gaps_ms == [500.0, 200.0]


def test_counters_of_attempts_stalls_and_giving_up() -> None:
    core = make_core()
    core.opened()
    core.attempt_failed()
    core.send_stalled()
    core.gave_up()
    stats = core.stats
    assert (stats.connections, stats.failed_attempts, stats.stalled_sends, stats.gave_up) == (1, 1, 1, True)
