"""The per-connection relay state machine: setup, forwarding, reply mapping, error budget, reconnects."""

from __future__ import annotations

import base64
import json

import pytest

from desktop_app.core.audio_format import MIC_FORMAT
from desktop_app.core.errors import (
    AuthError,
    ConnectionLostError,
    InvalidRequestError,
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
    SetupComplete,
    Transcript,
    TurnComplete,
    UsageUpdate,
)
from desktop_app.live.options import Modality, SessionOptions
from desktop_app.relay.messages import AudioChunk, AudioStreamEnd, ImageChunk, TextTurn
from desktop_app.relay.protocol import (
    Action,
    Close,
    CloseCode,
    Forward,
    OpenSession,
    Phase,
    ProtocolLimits,
    Reconnect,
    RelayProtocol,
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


def test_setup_complete_once_then_connected_states() -> None:
    proto = RelayProtocol(BASE)
    proto.receive(AUDIO_SETUP)
    assert replies(proto.session_opened()) == [{"setup_complete": True}, {"session": {"state": "connected"}}]
    assert replies(proto.session_opened()) == [{"session": {"state": "connected"}}]
    assert proto.stats.reconnects == 1


def test_setup_timeout_closes_with_policy_code() -> None:
    proto = RelayProtocol(BASE)
    actions = proto.setup_timed_out(30)
    assert replies(actions)[0]["error"]["code"] == "setup_required"  # type: ignore[index]
    assert actions[-1] == Close(CloseCode.POLICY, "No setup message within 30 s.")


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
    assert actions == [Forward(ImageChunk(b"\x89PNG", "image/png")), Forward(AudioChunk(pcm, MIC_FORMAT))]
    assert (proto.stats.audio_chunks_in, proto.stats.frames_in, proto.stats.chunks_skipped) == (1, 1, 1)


def test_text_turn_and_stream_end() -> None:
    proto = live()
    assert proto.receive(json.dumps({"client_content": {"text": "hi"}})) == [Forward(TextTurn("hi"))]
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


# --- reconnects and failures -----------------------------------------------------------------------


def test_retryable_failure_reconnects_with_newest_handle_then_gives_up() -> None:
    proto = live(limits=ProtocolLimits(max_reconnects=2, reconnect_delays_s=(0.1, 0.4)))
    proto.live_event(ResumptionUpdate("h1", True))
    proto.live_event(ResumptionUpdate(None, False))  # not resumable right now: keep h1
    first = proto.live_failed(ConnectionLostError("The connection dropped."))
    assert replies(first) == [{"session": {"state": "reconnecting"}}]
    assert first[-1] == Reconnect(proto.options.resuming("h1"), delay_s=0.1)  # type: ignore[union-attr]
    second = proto.live_failed(ServerError("Internal error."))
    assert isinstance(second[-1], Reconnect) and second[-1].delay_s == 0.4
    third = proto.live_failed(ServerError("Internal error."))
    assert replies(third) == [
        {"error": {"code": "server_error", "message": "Internal error."}},
        {"session": {"state": "closed"}},
    ]
    assert third[-1] == Close(CloseCode.TRY_AGAIN_LATER, "Internal error.")


def test_successful_open_resets_the_failure_count() -> None:
    proto = live(limits=ProtocolLimits(max_reconnects=1))
    assert isinstance(proto.live_failed(ConnectionLostError("x"))[-1], Reconnect)
    proto.session_opened()
    assert isinstance(proto.live_failed(ConnectionLostError("x"))[-1], Reconnect)


def test_refused_handle_reconnects_fresh() -> None:
    proto = live()
    proto.live_event(ResumptionUpdate("stale", True))
    action = proto.live_failed(SessionNotFoundError("BidiGenerateContent session not found"))[-1]
    assert isinstance(action, Reconnect) and action.options.resume_handle is None


@pytest.mark.parametrize("error", [AuthError(f"Key {KEY} refused."), InvalidRequestError(f"bad ?key={KEY}")])
def test_fatal_failure_is_reported_redacted_and_closes_1011(error: Exception) -> None:
    proto = live()
    actions = proto.live_failed(error)  # type: ignore[arg-type]
    text = json.dumps(replies(actions)) + repr(actions[-1])
    assert KEY not in text
    assert "[redacted]" in text
    assert isinstance(actions[-1], Close) and actions[-1].code == CloseCode.UPSTREAM_FAILED
    assert proto.phase is Phase.CLOSED


def test_go_away_with_handle_reconnects_immediately() -> None:
    proto = live()
    assert proto.live_event(GoAway(5.0)) == []  # no handle yet: ride it out
    proto.live_event(ResumptionUpdate("h2", True))
    actions = proto.live_event(GoAway(5.0))
    assert actions[-1] == Reconnect(proto.options.resuming("h2"), delay_s=0.0)  # type: ignore[union-attr]


def test_live_end_closes_normally() -> None:
    proto = live()
    actions = proto.live_ended()
    assert replies(actions) == [{"session": {"state": "closed"}}]
    assert actions[-1] == Close(CloseCode.NORMAL, "The live session ended.")


def test_close_reason_fits_the_websocket_limit() -> None:
    reason = close_reason("é" * 200)
    assert len(reason.encode()) <= 123
    assert close_reason("short") == "short"
