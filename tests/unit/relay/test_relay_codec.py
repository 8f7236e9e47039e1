"""The browser protocol codec: every message kind, every kind of bad input, and fuzzing (never raises)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.core.audio_format import MIC_FORMAT, PcmFormat
from desktop_app.core.commands import UserAudio, UserImage, UserText
from desktop_app.live.options import Modality
from desktop_app.relay import codec
from desktop_app.relay.messages import BrowserSetup, ErrorCode, ProtocolError, RealtimeInput
from desktop_app.relay.setup_codec import MAX_SYSTEM_INSTRUCTION_CHARS

PCM = bytes(range(256)) * 2  # 512 bytes, 256 samples
JPEG = b"\xff\xd8\xff\xe0" + bytes(60) + b"\xff\xd9"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def frame(obj: object) -> str:
    return json.dumps(obj)


def decode_ok(obj: object) -> object:
    result = codec.decode_frame(frame(obj))
    assert not isinstance(result, ProtocolError), result
    return result


def decode_err(raw: str | bytes) -> ProtocolError:
    result = codec.decode_frame(raw)
    assert isinstance(result, ProtocolError), result
    return result


# --- setup -----------------------------------------------------------------------------------------


def test_tutorial_setup_asks_for_text() -> None:
    setup = decode_ok({"setup": {"generation_config": {"response_modalities": ["TEXT"]}}})
    assert setup == BrowserSetup(modality=Modality.TEXT)


def test_empty_setup_means_audio_and_relay_defaults() -> None:
    setup = decode_ok({"setup": {}})
    assert setup == BrowserSetup(modality=Modality.AUDIO)


def test_full_setup_in_snake_case() -> None:
    setup = decode_ok(
        {
            "setup": {
                "generation_config": {"response_modalities": ["audio"]},
                "speech_config": {"voice_config": {"prebuilt_voice_config": {"voice_name": "kore"}}},
                "system_instruction": "  Be brief.  ",
                "input_audio_transcription": {},
                "output_audio_transcription": False,
            }
        }
    )
    assert setup == BrowserSetup(
        modality=Modality.AUDIO,
        voice="Kore",
        system_instruction="Be brief.",
        input_transcription=True,
        output_transcription=False,
    )


def test_camel_case_setup_and_content_instruction() -> None:
    setup = decode_ok(
        {
            "setup": {
                "generationConfig": {
                    "responseModalities": ["TEXT"],
                    "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}},
                },
                "systemInstruction": {"parts": [{"text": "One."}, {"text": "Two."}]},
                "inputAudioTranscription": None,
            }
        }
    )
    assert setup == BrowserSetup(
        modality=Modality.TEXT,
        voice="Puck",
        system_instruction="One.\nTwo.",
        input_transcription=False,
    )


def test_model_key_and_tools_are_ignored_and_named() -> None:
    setup = decode_ok(
        {
            "setup": {
                "model": "models/evil",
                "api_key": "stolen",
                "tools": [{"googleSearch": {}}],
                "generation_config": {"response_modalities": ["AUDIO"], "temperature": 2},
            }
        }
    )
    assert isinstance(setup, BrowserSetup)
    assert setup.modality is Modality.AUDIO
    assert set(setup.ignored) == {"model", "api_key", "tools", "generation_config.temperature"}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ([], "'setup' must be an object"),
        ({"generation_config": "TEXT"}, "generation_config"),
        ({"generation_config": {"response_modalities": "TEXT"}}, "must be a list"),
        ({"generation_config": {"response_modalities": ["VIDEO"]}}, "Unknown response modality"),
        ({"generation_config": {"response_modalities": ["TEXT", "AUDIO"]}}, "not both"),
        ({"generation_config": {"response_modalities": [1]}}, "must be a list"),
        ({"speech_config": {"voice_config": {"prebuilt_voice_config": {"voice_name": "Nobody"}}}}, "voice"),
        ({"speech_config": {"voice_config": "Puck"}}, "voice_config"),
        ({"speech_config": 3}, "speech_config"),
        ({"system_instruction": 42}, "system_instruction"),
        ({"system_instruction": {"parts": [{"image": 1}]}}, "system_instruction"),
        ({"system_instruction": "x" * (MAX_SYSTEM_INSTRUCTION_CHARS + 1)}, "longer than"),
        ({"input_audio_transcription": "yes"}, "input_audio_transcription"),
    ],
)
def test_invalid_setups_are_answered_not_raised(body: object, needle: str) -> None:
    error = decode_err(frame({"setup": body}))
    assert error.code is ErrorCode.INVALID_SETUP
    assert needle in error.message
    assert not error.fatal


# --- realtime input ----------------------------------------------------------------------------


def test_tutorial_media_chunks_translate_chunk_by_chunk() -> None:
    message = decode_ok(
        {
            "realtime_input": {
                "media_chunks": [
                    {"mime_type": "audio/pcm", "data": b64(PCM)},
                    {"mime_type": "image/jpeg", "data": b64(JPEG)},
                ]
            }
        }
    )
    assert message == RealtimeInput(
        chunks=(UserAudio(PCM, MIC_FORMAT), UserImage(JPEG, "image/jpeg")),
    )


def test_image_chunk_without_data_is_skipped_not_fatal() -> None:
    # The tutorial's page before its first camera frame: JSON.stringify drops the undefined data.
    message = decode_ok(
        {
            "realtime_input": {
                "media_chunks": [{"mime_type": "audio/pcm", "data": b64(PCM)}, {"mime_type": "image/jpeg"}]
            }
        }
    )
    assert message == RealtimeInput(chunks=(UserAudio(PCM, MIC_FORMAT),), skipped=1)


def test_audio_rate_parameter_and_camel_case_chunks() -> None:
    message = decode_ok(
        {"realtimeInput": {"mediaChunks": [{"mimeType": "audio/pcm; rate=24000", "data": b64(PCM)}]}}
    )
    assert message == RealtimeInput(chunks=(UserAudio(PCM, PcmFormat(24_000)),))


def test_urlsafe_and_unpadded_base64_are_accepted() -> None:
    data = b"\xfb\xff\xfe\x00"  # standard b64 "+//+AA==", url-safe "-__-AA"
    urlsafe = base64.urlsafe_b64encode(data).decode().rstrip("=")
    message = decode_ok({"realtime_input": {"media_chunks": [{"mime_type": "audio/pcm", "data": urlsafe}]}})
    assert message == RealtimeInput(chunks=(UserAudio(data, MIC_FORMAT),))


def test_audio_stream_end() -> None:
    assert decode_ok({"realtime_input": {"audio_stream_end": True}}) == RealtimeInput(audio_stream_end=True)


@pytest.mark.parametrize(
    ("chunk", "code"),
    [
        ({"mime_type": "video/mp4", "data": b64(JPEG)}, ErrorCode.UNKNOWN_MIME),
        ({"mime_type": "audio/pcm;rate=1000", "data": b64(PCM)}, ErrorCode.UNKNOWN_MIME),
        ({"mime_type": "audio/pcm;bits=8", "data": b64(PCM)}, ErrorCode.UNKNOWN_MIME),
        ({"mime_type": "audio/pcm", "data": "not base64!"}, ErrorCode.BAD_BASE64),
        ({"mime_type": "audio/pcm", "data": "QUJD="}, ErrorCode.BAD_BASE64),
        ({"mime_type": "audio/pcm", "data": "QQ"}, ErrorCode.BAD_AUDIO),  # one byte: half a sample
        ({"mime_type": "audio/pcm", "data": "ünïcode"}, ErrorCode.BAD_BASE64),
        ({"mime_type": "audio/pcm", "data": 12}, ErrorCode.WRONG_TYPE),
        ({"mime_type": 7, "data": b64(PCM)}, ErrorCode.WRONG_TYPE),
        ({"data": b64(PCM)}, ErrorCode.WRONG_TYPE),
        ("audio/pcm", ErrorCode.WRONG_TYPE),
    ],
)
def test_bad_chunk_is_reported_and_good_chunks_still_pass(chunk: object, code: ErrorCode) -> None:
    message = decode_ok(
        {"realtime_input": {"media_chunks": [chunk, {"mime_type": "image/jpeg", "data": b64(JPEG)}]}}
    )
    assert isinstance(message, RealtimeInput)
    assert message.chunks == (UserImage(JPEG, "image/jpeg"),)
    assert [p.code for p in message.problems] == [code]
    assert "media_chunks[0]" in message.problems[0].message


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"media_chunks": {}},
        {"media_chunks": [], "audio_stream_end": "yes"},
        {"audio": {"data": "AAAA"}},
    ],
)
def test_malformed_realtime_input(body: object) -> None:
    assert decode_err(frame({"realtime_input": body})).code is ErrorCode.WRONG_TYPE


# --- client content and framing --------------------------------------------------------------


def test_typed_text_turn() -> None:
    assert decode_ok({"client_content": {"text": "hello there"}}) == UserText("hello there")


@pytest.mark.parametrize(
    "body",
    [
        "hi",
        {"text": 5},
        {"text": "   "},
        {"text": "hi", "turn_complete": True},
        {"turns": [{"parts": [{"text": "hi"}]}]},
        {"text": "x" * (codec.MAX_TEXT_CHARS + 1)},
    ],
)
def test_bad_client_content(body: object) -> None:
    assert decode_err(frame({"client_content": body})).code is ErrorCode.WRONG_TYPE


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", ErrorCode.BAD_JSON),
        ("", ErrorCode.BAD_JSON),
        ("[" * 100_000, ErrorCode.BAD_JSON),  # deep nesting: RecursionError inside json
        ("[1, 2]", ErrorCode.NOT_AN_OBJECT),
        ('"setup"', ErrorCode.NOT_AN_OBJECT),
        ("{}", ErrorCode.NOT_AN_OBJECT),
        ('{"setup": {}, "realtime_input": {}}', ErrorCode.NOT_AN_OBJECT),
        ('{"tool_response": {}}', ErrorCode.UNKNOWN_KIND),
        (b'{"setup": {}}', ErrorCode.BINARY_FRAME),
    ],
)
def test_framing_errors(raw: str | bytes, code: ErrorCode) -> None:
    error = decode_err(raw)
    assert error.code is code
    assert error.message


def test_error_messages_do_not_echo_large_client_data() -> None:
    error = decode_err(frame({"x" * 10_000: 1}))
    assert error.code is ErrorCode.UNKNOWN_KIND
    assert len(error.message) < 200


# --- helpers and encoders ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mime", "rate"),
    [("audio/pcm", 16_000), ("AUDIO/PCM;RATE=48000", 48_000), ("audio/pcm ; rate = 8000", 8_000)],
)
def test_parse_audio_mime(mime: str, rate: int) -> None:
    assert codec.parse_audio_mime(mime) == PcmFormat(rate)


@pytest.mark.parametrize("mime", ["audio/wav", "audio/pcm;rate=96000", "audio/pcm;rate=", "audio/pcm;x"])
def test_parse_audio_mime_refuses(mime: str) -> None:
    assert codec.parse_audio_mime(mime) is None


def test_encoders_produce_the_documented_json() -> None:
    assert json.loads(codec.encode_text("héllo")) == {"text": "héllo"}
    assert json.loads(codec.encode_audio(PCM)) == {"audio": b64(PCM)}
    assert json.loads(codec.encode_flag("turn_complete")) == {"turn_complete": True}
    assert json.loads(codec.encode_transcription("input_transcription", "hi")) == {
        "input_transcription": "hi"
    }
    assert json.loads(codec.encode_error("bad_json", 'a "quote"')) == {
        "error": {"code": "bad_json", "message": 'a "quote"'}
    }
    assert json.loads(codec.encode_session_state("reconnecting")) == {"session": {"state": "reconnecting"}}


# --- fuzzing -------------------------------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(
    ["setup", "realtime_input", "client_content", "realtimeInput", "media_chunks", "mime_type", "data", "x"]
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=50))
def test_decode_never_raises_on_any_text(raw: str | bytes) -> None:
    result = codec.decode_frame(raw)
    assert isinstance(result, BrowserSetup | RealtimeInput | UserText | ProtocolError)


@settings(max_examples=300, deadline=None)
@given(_keys, st.dictionaries(_keys, _json_values, max_size=4) | _json_values)
def test_decode_never_raises_on_protocol_shaped_json(kind: str, body: object) -> None:
    result = codec.decode_frame(json.dumps({kind: body}))
    assert isinstance(result, BrowserSetup | RealtimeInput | UserText | ProtocolError)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_base64_round_trip_in_both_alphabets(data: bytes) -> None:
    assert codec.decode_base64(base64.b64encode(data).decode()) == data
    assert codec.decode_base64(base64.urlsafe_b64encode(data).decode().rstrip("=")) == data
