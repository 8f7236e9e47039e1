"""The per-connection relay state machine: setup, forwarding, reply mapping, error budget, rate limit, and
how the live session's states and final failures reach the browser (the relay itself never reconnects)."""

from __future__ import annotations

import base64
import json

import pytest

from desktop_app.core.audio_format import MIC_FORMAT
from desktop_app.core.commands import AudioStreamEnd, UserAudio, UserImage, UserText
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
    Interrupted,
    ModelAudio,
    ModelText,
    ResumptionUpdate,
    Role,
    SessionPhase,
    SessionState,
    SetupComplete,
    Transcript,
    TurnComplete,
    UsageUpdate,
)
from desktop_app.live.options import Modality, SessionOptions
from desktop_app.live.reconnect import ReconnectGaveUpError
from desktop_app.relay.protocol import RelayProtocol
from desktop_app.relay.protocol_values import (
    Action,
    Close,
    CloseCode,
    Forward,
    OpenSession,
    Phase,
    ProtocolLimits,
    Reply,
    close_reason,
)
from desktop_app.relay.redact import Redactor

KEY = "AIzaSyTHISISAFAKEKEYFORTESTS0123456789ab"
BASE = SessionOptions(model="models/relay-choice", voice="Charon", system_instruction="Relay default.")
TEXT_SETUP = json.dumps({"setup": {"generation_config": {"response_modalities": ["TEXT"]}}})
AUDIO_SETUP = json.dumps({"setup": {"generation_config": {"response_modalities": ["AUDIO"]}}})


def replies(actions: list[Action]) -> list[dict[str, object]]:
    return [json.loads(a.frame) for a in actions if isinstance(a, Reply)]


def live(setup: str = AUDIO_SETUP, **kwargs: object) -> RelayProtocol:
    proto = RelayProtocol(BASE, redact=Redactor([KEY]), **kwargs)  # type: ignore[arg-type]
    actions = proto.receive(setup)
    assert isinstance(actions[0], OpenSession)
    proto.session_opened()
    return proto


def media(*chunks: dict[str, object]) -> str:
    return json.dumps({"realtime_input": {"media_chunks": list(chunks)}})


# --- setup ---------------------------------------------------------------------------------------


def test_setup_opens_audio_session_with_output_transcription_whatever_the_client_asked() -> None:
    proto = RelayProtocol(BASE)
    [action] = proto.receive(TEXT_SETUP)
    assert isinstance(action, OpenSession)
    assert action.options.modality is Modality.AUDIO
    assert action.options.output_transcription is True
    assert action.options.model == "models/relay-choice"
    assert action.options.voice == "Charon"
    assert action.options.system_instruction == "Relay default."
    assert proto.phase is Phase.LIVE


def test_whitelisted_fields_override_and_model_stays_the_relays() -> None:
    proto = RelayProtocol(BASE)
    actions = proto.receive(
        json.dumps(
            {
                "setup": {
                    "model": "models/browser-choice",
                    "speech_config": {"voice_config": {"prebuilt_voice_config": {"voice_name": "Aoede"}}},
                    "system_instruction": "Browser says hi.",
                    "input_audio_transcription": False,
                }
            }
        )
    )
    open_session = actions[0]
    assert isinstance(open_session, OpenSession)
    assert open_session.options.model == "models/relay-choice"
    assert open_session.options.voice == "Aoede"
    assert open_session.options.system_instruction == "Browser says hi."
    assert open_session.options.input_transcription is False
    [notice] = replies(actions[1:])
    assert notice["error"] == {
        "code": "ignored_setup_fields",
        "message": "The relay ignored these setup fields (it chooses them itself): model.",
    }


def test_messages_before_setup_are_answered_and_setup_can_follow() -> None:
    proto = RelayProtocol(BASE)
    [reply] = replies(proto.receive(media({"mime_type": "audio/pcm", "data": "AAAA"})))
    assert reply["error"]["code"] == "setup_required"  # type: ignore[index]
    assert proto.phase is Phase.AWAITING_SETUP
    assert isinstance(proto.receive(AUDIO_SETUP)[0], OpenSession)


def test_invalid_setup_is_recoverable() -> None:
    proto = RelayProtocol(BASE)
    actions = proto.receive(json.dumps({"setup": {"generation_config": {"response_modalities": ["VIDEO"]}}}))
    assert [r["error"]["code"] for r in replies(actions)] == ["invalid_setup"]  # type: ignore[index]
    assert not any(isinstance(a, OpenSession | Close) for a in actions)
    assert isinstance(proto.receive(TEXT_SETUP)[0], OpenSession)


def test_second_setup_is_refused() -> None:
    proto = live()
    [reply] = replies(proto.receive(TEXT_SETUP))
    assert reply["error"]["code"] == "setup_repeated"  # type: ignore[index]


def test_setup_complete_then_connected_when_the_session_opens() -> None:
    proto = RelayProtocol(BASE)
    assert proto.session == "awaiting_setup"
    proto.receive(AUDIO_SETUP)
    assert proto.session == "connecting"
    assert replies(proto.session_opened()) == [{"setup_complete": True}, {"session": {"state": "connected"}}]
    assert proto.session == "connected"
    assert proto.stats.reconnects == 0


def test_setup_timeout_closes_with_policy_code() -> None:
    proto = RelayProtocol(BASE)
    actions = proto.setup_timed_out(10)
    assert replies(actions) == [
        {"error": {"code": "setup_timeout", "message": "Setup timeout: no setup message within 10 s."}}
    ]
    assert actions[-1] == Close(CloseCode.POLICY, "Setup timeout: no setup message within 10 s.")
    assert proto.phase is Phase.CLOSED


# --- forwarding ----------------------------------------------------------------------------------


def test_chunks_become_forwards_frames_first_and_empty_image_is_skipped() -> None:
    proto = live()
    pcm = bytes(640)
    actions = proto.receive(
        media(
            {"mime_type": "audio/pcm", "data": base64.b64encode(pcm).decode()},
            {"mime_type": "image/jpeg"},
            {"mime_type": "image/png", "data": base64.b64encode(b"\x89PNG").decode()},
        )
    )
    assert actions == [Forward(UserImage(b"\x89PNG", "image/png")), Forward(UserAudio(pcm, MIC_FORMAT))]
    assert (proto.stats.audio_chunks_in, proto.stats.frames_in, proto.stats.chunks_skipped) == (1, 1, 1)


def test_text_turn_and_stream_end() -> None:
    proto = live()
    assert proto.receive(json.dumps({"client_content": {"text": "hi"}})) == [Forward(UserText("hi"))]
    assert proto.receive(json.dumps({"realtime_input": {"audio_stream_end": True}})) == [
        Forward(AudioStreamEnd())
    ]


def test_bad_chunk_next_to_good_one_forwards_good_and_answers_bad() -> None:
    proto = live()
    actions = proto.receive(
        media({"mime_type": "audio/pcm", "data": "AAAAAA=="}, {"mime_type": "text/html", "data": "AAAA"})
    )
    assert isinstance(actions[0], Forward)
    assert replies(actions)[0]["error"]["code"] == "unknown_mime"  # type: ignore[index]
    assert proto.phase is Phase.LIVE


def test_binary_frame_is_answered_and_connection_survives() -> None:
    proto = live()
    [reply] = replies(proto.receive(b"\x00\x01"))
    assert reply["error"]["code"] == "binary_frame"  # type: ignore[index]
    assert proto.phase is Phase.LIVE


def test_error_budget_closes_with_1008() -> None:
    proto = live(limits=ProtocolLimits(max_errors=3))
    for _ in range(2):
        assert not any(isinstance(a, Close) for a in proto.receive("nope"))
    actions = proto.receive("nope")
    assert [r["error"]["code"] for r in replies(actions)] == ["bad_json", "too_many_errors"]  # type: ignore[index]
    assert actions[-1] == Close(CloseCode.POLICY, "Closing after 3 invalid messages.")
    assert proto.receive(AUDIO_SETUP) == []  # closed: nothing more happens


def test_counters() -> None:
    proto = live()
    proto.receive("garbage")
    assert proto.stats.messages_in == 2
    assert proto.stats.bytes_in == len(AUDIO_SETUP) + len("garbage")
    assert proto.stats.errors_sent == 1


# --- replies -------------------------------------------------------------------------------------


def test_audio_client_gets_audio_and_extension_messages() -> None:
    proto = live(AUDIO_SETUP)
    out: list[Action] = []
    for event in (
        Transcript(Role.USER, "hello"),
        ModelAudio(b"\x01\x02"),
        Transcript(Role.MODEL, "hi there"),
        ModelText("part"),
        GenerationComplete(),
        UsageUpdate(1, 2, 3),
        TurnComplete(),
    ):
        out += proto.live_event(event)
    assert replies(out) == [
        {"input_transcription": "hello"},
        {"audio": base64.b64encode(b"\x01\x02").decode()},
        {"output_transcription": "hi there"},
        {"text": "part"},
        {"turn_complete": True},
    ]
    audio_reply = out[1]
    assert isinstance(audio_reply, Reply) and audio_reply.audio


def test_text_client_gets_transcription_as_text_and_no_audio() -> None:
    proto = live(TEXT_SETUP)
    out: list[Action] = []
    for event in (ModelAudio(b"\x01\x02"), Transcript(Role.MODEL, "hi there"), TurnComplete()):
        out += proto.live_event(event)
    assert replies(out) == [{"text": "hi there"}, {"turn_complete": True}]


def test_transcription_switches_are_honoured() -> None:
    setup = json.dumps({"setup": {"input_audio_transcription": False, "output_audio_transcription": False}})
    proto = live(setup)
    out = proto.live_event(Transcript(Role.USER, "hello")) + proto.live_event(Transcript(Role.MODEL, "hi"))
    assert out == []


def test_interrupted_asks_to_flush_queued_audio() -> None:
    proto = live()
    [reply] = proto.live_event(Interrupted())
    assert isinstance(reply, Reply) and reply.flush_audio
    assert json.loads(reply.frame) == {"interrupted": True}


def test_setup_complete_event_is_not_repeated() -> None:
    proto = live()
    assert proto.live_event(SetupComplete("s1")) == []


# --- the live session's states and failures --------------------------------------------------------


def test_session_states_become_reconnecting_then_connected_once_each() -> None:
    proto = live()
    out: list[Action] = []
    for event in (
        SessionState(SessionPhase.RECONNECTING, "ServerError (1011): reconnecting, attempt 1 of 5"),
        SessionState(SessionPhase.RECONNECTING, "attempt 2 of 5"),  # a further attempt: nothing new to say
        SessionState(SessionPhase.LIVE, "resumed the session after 80 ms"),
        SessionState(SessionPhase.LIVE, "not news"),
    ):
        out += proto.live_event(event)
    assert replies(out) == [{"session": {"state": "reconnecting"}}, {"session": {"state": "connected"}}]
    assert proto.stats.reconnects == 1
    assert proto.session == "connected"
    assert not any(isinstance(a, Close | OpenSession) for a in out)


def test_closed_state_waits_for_the_failure_that_explains_it() -> None:
    proto = live()
    assert proto.live_event(SessionState(SessionPhase.CLOSED, "giving up")) == []
    assert proto.phase is Phase.LIVE


def test_go_away_and_handles_are_left_to_the_live_session() -> None:
    proto = live()
    assert proto.live_event(ResumptionUpdate("h1", True)) == []
    assert proto.live_event(GoAway(5.0)) == []
    assert proto.phase is Phase.LIVE


def test_reconnect_cap_reached_is_reported_and_closes_1013() -> None:
    proto = live()
    proto.live_event(SessionState(SessionPhase.RECONNECTING))
    error = ReconnectGaveUpError(5, ServerError("Internal error encountered.", code=1011))
    actions = proto.live_failed(error)
    [reported, closed] = replies(actions)
    assert reported["error"]["code"] == "reconnect_gave_up"  # type: ignore[index]
    assert "failed 5 times in a row" in reported["error"]["message"]  # type: ignore[index]
    assert closed == {"session": {"state": "closed"}}
    close = actions[-1]
    assert isinstance(close, Close) and close.code == CloseCode.TRY_AGAIN_LATER == 1013
    assert close.reason.startswith("The connection to the Live API failed 5 times in a row")
    assert proto.phase is Phase.CLOSED and proto.session == "closed"


@pytest.mark.parametrize(
    "error", [ConnectionLostError("The connection dropped.", code=1006), ServerError("Internal.", code=1011)]
)
def test_a_plain_sessions_drop_is_final_and_closes_1013(error: LiveError) -> None:
    proto = live()
    actions = proto.live_failed(error)
    assert replies(actions)[0]["error"]["code"] == error.kind  # type: ignore[index]
    assert actions[-1] == Close(CloseCode.TRY_AGAIN_LATER, str(error))
    assert proto.receive(json.dumps({"client_content": {"text": "after"}})) == []  # closed: nothing forwarded


@pytest.mark.parametrize(
    "error",
    [
        AuthError(f"Key {KEY} refused."),
        InvalidRequestError(f"bad ?key={KEY}", code=1007),
        ModelNotFoundError(f"models/x is not found ?key={KEY}", code=1008),
        SessionNotFoundError(f"BidiGenerateContent session not found ?key={KEY}", code=1008),
    ],
)
def test_fatal_failure_is_reported_redacted_and_closes_1011(error: LiveError) -> None:
    proto = live()
    actions = proto.live_failed(error)
    text = json.dumps(replies(actions)) + repr(actions[-1])
    assert KEY not in text
    assert "[redacted]" in text
    assert replies(actions)[-1] == {"session": {"state": "closed"}}
    assert isinstance(actions[-1], Close) and actions[-1].code == CloseCode.UPSTREAM_FAILED == 1011
    assert proto.phase is Phase.CLOSED


def test_failure_before_setup_or_after_close_says_nothing() -> None:
    proto = RelayProtocol(BASE)
    assert proto.live_failed(ServerError("x")) == []
    proto = live()
    proto.live_failed(AuthError("no"))
    assert proto.live_failed(ServerError("again")) == []


# --- rate limit ------------------------------------------------------------------------------------


def test_messages_beyond_the_burst_are_answered_and_dropped_until_tokens_return() -> None:
    proto = live(limits=ProtocolLimits(rate_per_s=2.0, rate_burst=3))
    text = json.dumps({"client_content": {"text": "hi"}})
    now = 100.0
    # the setup (sent by live() without a time) did not spend a token: three go through at once
    assert [proto.receive(text, now) for _ in range(3)] == [[Forward(UserText("hi"))]] * 3
    [limited] = replies(proto.receive(text, now))
    assert limited == {
        "error": {
            "code": "rate_limited",
            "message": "Too many messages: the relay takes at most 2 per second (bursts of 3); "
            "this one was dropped.",
        }
    }
    assert replies(proto.receive(text, now + 0.25)) == [limited]  # half a token is not enough
    assert proto.receive(text, now + 0.5) == [Forward(UserText("hi"))]  # one token back after 0.5 s
    assert (proto.stats.rate_limited, proto.stats.errors_sent, proto.stats.messages_in) == (2, 2, 7)
    assert proto.phase is Phase.LIVE


def test_rate_limited_messages_do_not_spend_the_error_budget() -> None:
    proto = live(limits=ProtocolLimits(max_errors=2, rate_per_s=1.0, rate_burst=1))
    proto.receive("{}", 0.0)  # takes the only token
    for _ in range(10):
        actions = proto.receive("{}", 0.0)
        assert replies(actions)[0]["error"]["code"] == "rate_limited"  # type: ignore[index]
        assert not any(isinstance(a, Close) for a in actions)
    assert proto.stats.rate_limited == 10


def test_rate_limit_off() -> None:
    proto = live(limits=ProtocolLimits(rate_per_s=0))
    text = json.dumps({"client_content": {"text": "hi"}})
    assert all(proto.receive(text, 0.0) == [Forward(UserText("hi"))] for _ in range(1000))


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="rate"):
        ProtocolLimits(rate_per_s=-1)
    with pytest.raises(ValueError, match="max_errors"):
        ProtocolLimits(max_errors=0)


def test_live_end_closes_normally() -> None:
    proto = live()
    actions = proto.live_ended()
    assert replies(actions) == [{"session": {"state": "closed"}}]
    assert actions[-1] == Close(CloseCode.NORMAL, "The live session ended.")


def test_close_reason_fits_the_websocket_limit() -> None:
    reason = close_reason("é" * 200)
    assert len(reason.encode()) <= 123
    assert close_reason("short") == "short"
