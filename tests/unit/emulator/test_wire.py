"""The wire codec: both casings, both base64 alphabets, proto-style refusals, and camelCase replies."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.emulator.decode import decode_base64, decode_frame
from desktop_app.emulator.encode import encode
from desktop_app.emulator.messages import (
    ActivityEnd,
    ActivityStart,
    AudioChunk,
    AudioIn,
    AudioStreamEnd,
    ClientTurn,
    ContextUpdate,
    FunctionCall,
    GenerationComplete,
    GoAway,
    InputTranscription,
    Interrupted,
    OutputTranscription,
    ServerOutput,
    SessionResumptionUpdate,
    SetupComplete,
    TextIn,
    TextPart,
    ToolCall,
    ToolCallCancellation,
    ToolResponse,
    TurnComplete,
    Usage,
    VadSignal,
    VideoIn,
    VoiceActivity,
)
from desktop_app.emulator.parse import ActivityDetection, parse_client_message, parse_setup
from desktop_app.emulator.protocol_errors import WireError, close_reason, model_not_found

# What google-genai 3.3.0 sent for a full config (research/protocol.md §2.4), verbatim
# (line breaks aside).
SDK_330_SETUP = """{"setup": {"model": "models/gemini-2.5-flash-native-audio-preview-12-2025",
 "generationConfig": {"responseModalities": ["AUDIO"], "temperature": 0.7,
   "mediaResolution": "MEDIA_RESOLUTION_LOW",
   "speechConfig": {"voice_config": {"prebuilt_voice_config": {"voice_name": "Puck"}},
   "language_code": "en-US"},
   "enableAffectiveDialog": true},
 "systemInstruction": {"parts": [{"text": "You are helpful."}], "role": "user"},
 "tools": [{"googleSearch": {}}, {"functionDeclarations": [{"description": "d", "name": "set_light",
   "parameters": {"properties": {"b": {"type": "NUMBER"}}, "type": "OBJECT"}}]}],
 "sessionResumption": {}, "inputAudioTranscription": {}, "outputAudioTranscription": {},
 "realtimeInputConfig": {"automatic_activity_detection": {"disabled": false,
   "start_of_speech_sensitivity": "START_SENSITIVITY_LOW", "end_of_speech_sensitivity": "END_SENSITIVITY_LOW",
   "prefix_padding_ms": 20, "silence_duration_ms": 100},
   "activity_handling": "START_OF_ACTIVITY_INTERRUPTS", "turn_coverage": "TURN_INCLUDES_ONLY_ACTIVITY"},
 "contextWindowCompression": {"trigger_tokens": 25600, "sliding_window": {"target_tokens": 12800}},
 "proactivity": {"proactive_audio": true}}}"""


def refusal(frame: str | bytes) -> WireError:
    with pytest.raises(WireError) as caught:
        message = decode_frame(frame)
        if "setup" in message:
            parse_setup(message)
        else:
            parse_client_message(message)
    return caught.value


def events(message: dict[str, Any]) -> list[object]:
    return list(parse_client_message(decode_frame(json.dumps(message))))


# ---------------------------------------------------------------------------- setup


def test_the_sdk_full_setup_is_accepted_and_normalised_to_camel_case() -> None:
    setup = parse_setup(decode_frame(SDK_330_SETUP))
    assert setup.model_id == "gemini-2.5-flash-native-audio-preview-12-2025"
    assert setup.response_modalities == ("AUDIO",)
    assert setup.input_transcription and setup.output_transcription
    assert setup.resumption and setup.resume_handle is None
    assert setup.function_names == ("set_light",)
    assert setup.activity == ActivityDetection(
        disabled=False,
        start_sensitivity="START_SENSITIVITY_LOW",
        end_sensitivity="END_SENSITIVITY_LOW",
        prefix_padding_ms=20,
        silence_duration_ms=100,
        interrupts=True,
    )
    speech = setup.raw["generationConfig"]["speechConfig"]
    assert speech == {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}, "languageCode": "en-US"}
    assert setup.raw["contextWindowCompression"] == {
        "triggerTokens": 25600,
        "slidingWindow": {"targetTokens": 12800},
    }
    # free-form values (a JSON schema) keep their own keys untouched
    declaration = setup.raw["tools"][1]["functionDeclarations"][0]
    assert declaration["parameters"] == {"properties": {"b": {"type": "NUMBER"}}, "type": "OBJECT"}


def test_snake_and_camel_spellings_mean_the_same_setup() -> None:
    camel = {"setup": {"model": "models/m", "generationConfig": {"responseModalities": ["AUDIO"]}}}
    snake = {"setup": {"model": "models/m", "generation_config": {"response_modalities": ["AUDIO"]}}}
    assert decode_frame(json.dumps(camel)) == decode_frame(json.dumps(snake))


def test_defaults_when_the_setup_only_names_a_model() -> None:
    setup = parse_setup(decode_frame('{"setup": {"model": "models/m"}}'))
    assert setup.response_modalities == ("AUDIO",)
    assert not setup.input_transcription and not setup.output_transcription
    assert not setup.resumption and setup.activity == ActivityDetection()


def test_a_resumption_handle_and_no_interruption_are_read() -> None:
    setup = parse_setup(
        decode_frame(
            json.dumps(
                {
                    "setup": {
                        "model": "models/m",
                        "session_resumption": {"handle": "h1"},
                        "realtime_input_config": {"activity_handling": "NO_INTERRUPTION"},
                    }
                }
            )
        )
    )
    assert setup.resume_handle == "h1"
    assert setup.activity.interrupts is False


def test_an_unknown_setup_field_is_refused_like_the_service_does() -> None:
    error = refusal('{"setup": {"model": "models/m", "xyz": 1}}')
    assert error.code == 1007
    assert (
        error.reason == "Invalid JSON payload received. Unknown name \"xyz\" at 'setup': Cannot find field."
    )


def test_a_misplaced_nested_field_names_the_snake_case_path() -> None:
    error = refusal('{"setup": {"model": "models/m", "generationConfig": {"inputAudioTranscription": {}}}}')
    assert error.code == 1007
    assert error.reason == (
        'Invalid JSON payload received. Unknown name "inputAudioTranscription" '
        "at 'setup.generation_config': Cannot find field."
    )


def test_an_unknown_field_inside_a_list_names_the_index() -> None:
    error = refusal('{"setup": {"model": "models/m", "tools": [{"googleSearch": {}}, {"nope": 1}]}}')
    assert "at 'setup.tools[1]'" in error.reason


def test_an_unknown_top_level_message_is_refused() -> None:
    error = refusal('{"hello": {}}')
    assert error.reason == 'Invalid JSON payload received. Unknown name "hello": Cannot find field.'


@pytest.mark.parametrize(
    "frame",
    [
        '{"realtime_input": {"text": "hi"}}',
        '{"client_content": {"turnComplete": true}}',
        "{}",
        '{"setup": {"model": "models/m"}, "realtimeInput": {}}',
        '{"setup": {}}',
    ],
)
def test_a_first_message_that_is_not_exactly_a_setup_is_an_invalid_argument(frame: str) -> None:
    with pytest.raises(WireError) as caught:
        parse_setup(decode_frame(frame))
    assert (caught.value.code, caught.value.reason) == (1007, "Request contains an invalid argument.")


@pytest.mark.parametrize("modalities", [["AUDIO", "TEXT"], ["IMAGE"]])
def test_more_than_one_or_an_unusable_modality_is_an_invalid_argument(modalities: list[str]) -> None:
    frame = json.dumps(
        {"setup": {"model": "models/m", "generationConfig": {"responseModalities": modalities}}}
    )
    assert refusal(frame).reason == "Request contains an invalid argument."


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        ({"generationConfig": {"responseModalities": ["SPEECH"]}}, "response_modalities[0]"),
        ({"generationConfig": {"temperature": "hot"}}, "(TYPE_FLOAT)"),
        ({"generationConfig": {"topK": 1.5}}, "(TYPE_INT32)"),
        ({"realtimeInputConfig": {"automaticActivityDetection": {"disabled": "no"}}}, "detection.disabled'"),
        ({"tools": {"googleSearch": {}}}, "'setup.tools' (repeated)"),
    ],
)
def test_values_of_the_wrong_type_are_refused(setup: dict[str, Any], fragment: str) -> None:
    error = refusal(json.dumps({"setup": {"model": "models/m", **setup}}))
    assert error.code == 1007
    assert fragment in error.reason


def test_numbers_are_accepted_in_the_forms_proto_json_allows() -> None:
    frame = json.dumps(
        {
            "setup": {
                "model": "models/m",
                "generationConfig": {"topK": 40.0, "seed": "7", "temperature": "0.5"},
            }
        }
    )
    generation = decode_frame(frame)["setup"]["generationConfig"]
    assert generation == {"topK": 40, "seed": 7, "temperature": 0.5}


def test_invalid_json_is_refused() -> None:
    assert refusal(b"{not json").code == 1007


# ---------------------------------------------------------------------------- realtime input


def test_sdk_realtime_inputs_become_events() -> None:
    pcm = b"\xfb\xff\xfe\x00"
    assert events(
        {"realtime_input": {"audio": {"data": "-__-AA==", "mime_type": "audio/pcm;rate=16000"}}}
    ) == [AudioIn(pcm, 16_000)]
    assert events({"realtime_input": {"video": {"data": "_9j_", "mime_type": "image/jpeg"}}}) == [
        VideoIn(b"\xff\xd8\xff", "image/jpeg")
    ]
    assert events({"realtime_input": {"text": "hello"}}) == [TextIn("hello")]
    assert events({"realtime_input": {"audioStreamEnd": True}}) == [AudioStreamEnd()]
    assert events({"realtime_input": {"activityStart": {}}}) == [ActivityStart()]
    assert events({"realtimeInput": {"activity_end": {}}}) == [ActivityEnd()]


@given(data=st.binary(max_size=64), urlsafe=st.booleans(), padded=st.booleans())
def test_base64_in_either_alphabet_with_or_without_padding_decodes(
    data: bytes, urlsafe: bool, padded: bool
) -> None:
    text = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
    if not padded:
        text = text.rstrip("=")
    assert decode_base64(text) == data


def test_standard_and_url_safe_audio_payloads_are_the_same_bytes() -> None:
    pcm = bytes(range(256))
    standard = {"audio": {"data": base64.b64encode(pcm).decode(), "mimeType": "audio/pcm"}}
    urlsafe = {"audio": {"data": base64.urlsafe_b64encode(pcm).decode(), "mime_type": "audio/pcm"}}
    assert events({"realtimeInput": standard}) == events({"realtime_input": urlsafe}) == [AudioIn(pcm)]


def test_broken_base64_is_refused_with_the_field_path() -> None:
    error = refusal('{"realtime_input": {"audio": {"data": "a$b", "mime_type": "audio/pcm"}}}')
    assert error.code == 1007
    assert "realtime_input.audio.data" in error.reason


def test_the_audio_rate_comes_from_the_mime_type() -> None:
    (event,) = events({"realtime_input": {"audio": {"data": "AAAA", "mime_type": "audio/pcm; rate=48000"}}})
    assert event == AudioIn(b"\0\0\0", 48_000)


def test_compressed_audio_is_skipped_not_fatal() -> None:
    assert events({"realtime_input": {"audio": {"data": "AAAA", "mime_type": "audio/ogg"}}}) == []


def test_legacy_media_chunks_use_only_the_first_element() -> None:
    first = base64.b64encode(b"\x01\x00").decode()
    second = base64.b64encode(b"\x02\x00").decode()
    message = {
        "realtime_input": {
            "media_chunks": [
                {"mime_type": "audio/pcm", "data": first},
                {"mime_type": "audio/pcm", "data": second},
            ]
        }
    }
    assert events(message) == [AudioIn(b"\x01\x00")]


def test_a_legacy_media_chunks_image_is_refused_as_the_service_does() -> None:
    error = refusal('{"realtime_input": {"mediaChunks": [{"mime_type": "image/jpeg", "data": "_9j_"}]}}')
    assert (error.code, error.reason) == (1007, "Mime type 'image/jpeg' is not supported")


def test_a_second_setup_is_refused() -> None:
    with pytest.raises(WireError) as caught:
        parse_client_message(decode_frame('{"setup": {"model": "models/m"}}'))
    assert caught.value.code == 1007


# ---------------------------------------------------------------------------- client content, tools


def test_client_content_yields_the_user_texts_and_images() -> None:
    message = {
        "client_content": {
            "turns": [
                {
                    "role": "user",
                    "parts": [{"text": "hi"}, {"inline_data": {"data": "_9j_", "mime_type": "image/jpeg"}}],
                },
                {"role": "model", "parts": [{"text": "not mine"}]},
            ],
            "turnComplete": True,
        }
    }
    assert events(message) == [VideoIn(b"\xff\xd8\xff", "image/jpeg"), ClientTurn(("hi",), True)]
    assert events({"client_content": {}}) == [ClientTurn((), False)]


def test_tool_responses_and_context_updates_are_read() -> None:
    message = {"tool_response": {"functionResponses": [{"id": "c1", "name": "f", "response": {"ok": 1}}]}}
    assert events(message) == [ToolResponse(("c1",), ("f",), ({"ok": 1},), (None,))]
    scheduled = {"toolResponse": {"functionResponses": [{"id": "c2", "name": "f", "scheduling": "SILENT"}]}}
    assert events(scheduled) == [ToolResponse(("c2",), ("f",), (None,), ("SILENT",))]
    update = {"contextUpdate": {"systemInstruction": {"parts": [{"text": "x"}]}, "tools": {"tools": []}}}
    assert events(update) == [ContextUpdate(("systemInstruction", "tools"))]


# ---------------------------------------------------------------------------- close reasons


def test_close_reasons_fit_in_a_close_frame() -> None:
    assert close_reason("short") == "short"
    long = "é" * 100
    cut = close_reason(long)
    assert len(cut.encode()) <= 123 and long.startswith(cut)
    assert WireError(1007, "x" * 500).reason == "x" * 123


def test_the_unknown_model_reason_is_cut_like_the_real_one() -> None:
    error = model_not_found("models/gemini-live-2.5-flash-preview", "v1beta")
    assert error.code == 1008
    assert error.reason.startswith(
        "models/gemini-live-2.5-flash-preview is not found for API version v1beta, or is not supported for "
        "bidiGenerateContent. Call"
    )
    assert len(error.reason.encode()) == 123
    assert model_not_found("x", "v1").reason.startswith("models/x is not found for API version v1,")


# ---------------------------------------------------------------------------- server messages

ALL_OUTPUTS: list[ServerOutput] = [
    SetupComplete("s1"),
    AudioChunk(b"\xfb\xff"),
    TextPart("t"),
    OutputTranscription("o"),
    InputTranscription("i"),
    GenerationComplete(),
    TurnComplete(Usage({"AUDIO": 32}, {"AUDIO": 25})),
    Interrupted(),
    ToolCall((FunctionCall("c1", "f", {"a_b": 1}),)),
    ToolCallCancellation(("c1",)),
    GoAway(5.0),
    SessionResumptionUpdate("h"),
    VoiceActivity("ACTIVITY_START", 1.25),
    VadSignal("VAD_SIGNAL_TYPE_SOS"),
]


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in (k, *_keys(v))]
    if isinstance(value, list):
        return [k for item in value for k in _keys(item)]
    return []


@pytest.mark.parametrize("output", ALL_OUTPUTS, ids=lambda o: type(o).__name__)
def test_every_reply_is_camel_case_json_bytes_with_one_top_level_field(output: ServerOutput) -> None:
    frame = encode(output)
    assert isinstance(frame, bytes)
    message = json.loads(frame)
    assert len(set(message) - {"usageMetadata"}) == 1
    function_args = {"a_b"}  # the function's own argument names are the function's business
    assert all("_" not in key for key in _keys(message) if key not in function_args)


def test_reply_shapes() -> None:
    audio = json.loads(encode(AudioChunk(b"\xfb\xff")))
    assert audio == {
        "serverContent": {
            "modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": "+/8="}}]}
        }
    }
    done = json.loads(encode(TurnComplete(Usage({"AUDIO": 32, "VIDEO": 258}, {"AUDIO": 25}))))
    assert done["serverContent"] == {"turnComplete": True}
    assert done["usageMetadata"]["promptTokenCount"] == 290
    assert done["usageMetadata"]["totalTokenCount"] == 315
    assert json.loads(encode(GoAway(5.0))) == {"goAway": {"timeLeft": "5s"}}
    assert json.loads(encode(GoAway(0.25))) == {"goAway": {"timeLeft": "0.250s"}}
    assert json.loads(encode(VoiceActivity("ACTIVITY_END", 1.5))) == {
        "voiceActivity": {"type": "ACTIVITY_END", "audioOffset": "1.500s"}
    }
