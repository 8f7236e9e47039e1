"""The emulator on the wire: the REAL google-genai SDK (no mocks) talking to it over loopback TLS.

Every refusal must surface in the SDK as ``google.genai.errors.APIError`` with the service's close code and
reason; raw ``websockets`` clients cover what the SDK cannot send (a bad first message, a wrong path).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import re
import signal
import sys
import time
import warnings
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from google import genai
from google.genai import errors, types
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.emulator.connection import Connection

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MODEL = "gemini-2.5-flash-native-audio-preview-12-2025"
RATE = 16_000


# ---------------------------------------------------------------------------- helpers


def speech(seconds: float) -> bytes:
    """A speech-like 220 Hz tone with a 4 Hz syllable envelope, PCM16 16 kHz (about -17 dBFS)."""
    t = np.arange(int(seconds * RATE)) / RATE
    wave = 0.3 * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)) * np.sin(2 * np.pi * 220 * t)
    return (wave * 32767).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return bytes(2 * int(seconds * RATE))


def jpeg(width: int, height: int, bgr: tuple[int, int, int]) -> bytes:
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:] = bgr
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return bytes(data.tobytes())


def client_for(
    emu: Emulator, key: str = "test-key", api_version: str = "v1beta", trailing_slash: bool = True
) -> genai.Client:
    return genai.Client(
        api_key=key,
        http_options=types.HttpOptions(
            # the default base URL ends in "/", so the real SDK requests "//ws/…"; do the same
            base_url=emu.base_url + ("/" if trailing_slash else ""),
            api_version=api_version,
            async_client_args={"ssl": emu.client_ssl_context()},
        ),
    )


async def send_audio(session: genai.live.AsyncSession, pcm: bytes, block_ms: int = 20) -> None:
    size = RATE * block_ms // 1000 * 2
    for i in range(0, len(pcm), size):
        await session.send_realtime_input(
            audio=types.Blob(data=pcm[i : i + size], mime_type="audio/pcm;rate=16000")
        )


async def read_until(
    session: genai.live.AsyncSession,
    stop: Callable[[types.LiveServerMessage], bool],
    timeout: float = 10.0,
) -> list[types.LiveServerMessage]:
    """Messages up to and including the first that satisfies ``stop`` (looping ``receive()`` across
    turns, as a real client must)."""
    seen: list[types.LiveServerMessage] = []

    async def run() -> None:
        while True:
            async with contextlib.aclosing(session.receive()) as stream:
                async for message in stream:
                    seen.append(message)
                    if stop(message):
                        return

    await asyncio.wait_for(run(), timeout)
    return seen


def turn_complete(message: types.LiveServerMessage) -> bool:
    return bool(message.server_content and message.server_content.turn_complete)


def audio_of(messages: list[types.LiveServerMessage]) -> bytes:
    out = b""
    for message in messages:
        content = message.server_content
        if content and content.model_turn and content.model_turn.parts:
            for part in content.model_turn.parts:
                if part.inline_data and part.inline_data.data:
                    assert part.inline_data.mime_type == "audio/pcm;rate=24000"
                    out += part.inline_data.data
    return out


def output_text(messages: list[types.LiveServerMessage]) -> str:
    return "".join(
        m.server_content.output_transcription.text or ""
        for m in messages
        if m.server_content and m.server_content.output_transcription
    )


def flags(messages: list[types.LiveServerMessage], name: str) -> int:
    return sum(bool(m.server_content and getattr(m.server_content, name)) for m in messages)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(pace=0.0)) as emulator:
        yield emulator


VAD_FAST = types.RealtimeInputConfig(
    automatic_activity_detection=types.AutomaticActivityDetection(silence_duration_ms=200)
)
AUDIO_CONFIG = types.LiveConnectConfig(
    response_modalities=[types.Modality.AUDIO],
    input_audio_transcription=types.AudioTranscriptionConfig(),
    output_audio_transcription=types.AudioTranscriptionConfig(),
    realtime_input_config=VAD_FAST,
)

FULL_CONFIG = types.LiveConnectConfig(
    response_modalities=[types.Modality.AUDIO],
    temperature=0.7,
    top_p=0.9,
    top_k=40,
    max_output_tokens=512,
    seed=7,
    media_resolution=types.MediaResolution.MEDIA_RESOLUTION_LOW,
    speech_config=types.SpeechConfig(
        voice_config=types.VoiceConfig(prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name="Puck")),
        language_code="en-US",
    ),
    enable_affective_dialog=True,
    thinking_config=types.ThinkingConfig(thinking_budget=0, include_thoughts=False),
    system_instruction="You are a helpful assistant.",
    tools=[
        types.Tool(google_search=types.GoogleSearch()),
        types.Tool(code_execution=types.ToolCodeExecution()),
        types.Tool(url_context=types.UrlContext()),
        types.Tool(
            function_declarations=[
                types.FunctionDeclaration(
                    name="set_light",
                    description="Set the light colour.",
                    parameters=types.Schema(
                        type=types.Type.OBJECT,
                        properties={"colour": types.Schema(type=types.Type.STRING)},
                        required=["colour"],
                    ),
                    behavior=types.Behavior.NON_BLOCKING,
                )
            ]
        ),
    ],
    session_resumption=types.SessionResumptionConfig(),
    input_audio_transcription=types.AudioTranscriptionConfig(),
    output_audio_transcription=types.AudioTranscriptionConfig(),
    realtime_input_config=types.RealtimeInputConfig(
        automatic_activity_detection=types.AutomaticActivityDetection(
            disabled=False,
            start_of_speech_sensitivity=types.StartSensitivity.START_SENSITIVITY_LOW,
            end_of_speech_sensitivity=types.EndSensitivity.END_SENSITIVITY_LOW,
            prefix_padding_ms=20,
            silence_duration_ms=300,
        ),
        activity_handling=types.ActivityHandling.START_OF_ACTIVITY_INTERRUPTS,
        turn_coverage=types.TurnCoverage.TURN_INCLUDES_ONLY_ACTIVITY,
    ),
    context_window_compression=types.ContextWindowCompressionConfig(
        trigger_tokens=25_600, sliding_window=types.SlidingWindow(target_tokens=12_800)
    ),
    proactivity=types.ProactivityConfig(proactive_audio=True),
    history_config=types.HistoryConfig(initial_history_in_client_content=True),
    safety_settings=[
        types.SafetySetting(
            category=types.HarmCategory.HARM_CATEGORY_HARASSMENT,
            threshold=types.HarmBlockThreshold.BLOCK_ONLY_HIGH,
        )
    ],
    translation_config=types.TranslationConfig(target_language_code="de"),
)


async def refused(client: genai.Client, model: str, config: types.LiveConnectConfig) -> errors.APIError:
    with pytest.raises(errors.APIError) as caught:
        async with client.aio.live.connect(model=model, config=config):
            pass
    return caught.value


# ---------------------------------------------------------------------------- setup


async def test_a_full_live_connect_config_is_accepted(emu: Emulator) -> None:
    async with client_for(emu).aio.live.connect(model=MODEL, config=FULL_CONFIG) as session:
        assert session.session_id and session.session_id.startswith("emulator-")
        first = await read_until(session, lambda m: m.session_resumption_update is not None)
    assert first[-1].session_resumption_update and first[-1].session_resumption_update.resumable
    setup = emu.stats.last_setup
    assert setup is not None
    assert setup["model"] == f"models/{MODEL}"
    generation = setup["generationConfig"]
    assert isinstance(generation, dict)
    assert generation["speechConfig"]["voiceConfig"]["prebuiltVoiceConfig"]["voiceName"] == "Puck"
    assert setup["realtimeInputConfig"]["automaticActivityDetection"]["silenceDurationMs"] == 300  # type: ignore[index]
    assert setup["contextWindowCompression"] == {
        "triggerTokens": 25_600,
        "slidingWindow": {"targetTokens": 12_800},
    }


@pytest.mark.parametrize("api_version", ["v1", "v1beta", "v1alpha"])
async def test_every_api_version_and_both_base_url_forms_are_served(emu: Emulator, api_version: str) -> None:
    for trailing_slash in (True, False):
        client = client_for(emu, api_version=api_version, trailing_slash=trailing_slash)
        async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
            assert session.session_id


async def test_an_ephemeral_token_reaches_the_constrained_method(emu: Emulator) -> None:
    client = client_for(emu, key="auth_tokens/abc", api_version="v1alpha")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK calls its token support experimental
        async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
            assert session.session_id


async def test_an_unknown_setup_field_closes_1007_with_the_field_named(emu: Emulator) -> None:
    config = types.LiveConnectConfig(generation_config=types.GenerationConfig(response_logprobs=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LiveConnectConfig.generation_config is deprecated
        error = await refused(client_for(emu), MODEL, config)
    assert error.code == 1007
    assert error.details == (
        'Invalid JSON payload received. Unknown name "response_logprobs" at '
        "'setup.generation_config': Cannot find field."
    )


async def test_an_unknown_model_closes_1008(emu: Emulator) -> None:
    error = await refused(client_for(emu), "gemini-live-2.5-flash-preview", AUDIO_CONFIG)
    assert error.code == 1008
    assert str(error.details).startswith(
        "models/gemini-live-2.5-flash-preview is not found for API version v1beta, or is not supported "
        "for bidiGenerateContent."
    )
    assert len(str(error.details).encode()) <= 123


async def test_text_modality_on_a_native_audio_model_closes_1007(emu: Emulator) -> None:
    config = types.LiveConnectConfig(response_modalities=[types.Modality.TEXT])
    error = await refused(client_for(emu), MODEL, config)
    assert (error.code, error.details) == (1007, "Request contains an invalid argument.")


async def test_a_text_capable_model_answers_in_text() -> None:
    config = EmulatorConfig(
        pace=0, known_models=frozenset({"text-model"}), text_models=frozenset({"text-model"})
    )
    async with Emulator(config) as emu:
        live = types.LiveConnectConfig(response_modalities=[types.Modality.TEXT])
        async with client_for(emu).aio.live.connect(model="text-model", config=live) as session:
            await session.send_realtime_input(text="hi")
            turn = await read_until(session, turn_complete)
    assert "".join(m.text or "" for m in turn) == 'You said: "hi". (Offline emulator, turn 1.)'
    assert audio_of(turn) == b""


async def test_a_rejected_key_closes_1007() -> None:
    async with Emulator(EmulatorConfig(pace=0, rejected_keys=frozenset({"bad-key"}))) as emu:
        error = await refused(client_for(emu, key="bad-key"), MODEL, AUDIO_CONFIG)
        assert (error.code, error.details) == (1007, "API Key not found. Please pass a valid API key.")
        async with client_for(emu, key="good-key").aio.live.connect(model=MODEL, config=AUDIO_CONFIG):
            pass
        assert emu.stats.setups_rejected == 1 and emu.stats.setups_accepted == 1


async def test_an_unknown_resumption_handle_closes_1008(emu: Emulator) -> None:
    config = types.LiveConnectConfig(session_resumption=types.SessionResumptionConfig(handle="stale"))
    error = await refused(client_for(emu), MODEL, config)
    assert (error.code, error.details) == (1008, "BidiGenerateContent session not found")


# ---------------------------------------------------------------------------- raw websocket clients


async def test_a_first_message_that_is_not_setup_closes_1007(emu: Emulator) -> None:
    async with ws_connect(
        emu.ws_url, ssl=emu.client_ssl_context(), additional_headers={"x-goog-api-key": "k"}
    ) as ws:
        await ws.send('{"realtime_input": {"text": "hi"}}')
        with pytest.raises(ConnectionClosedError) as caught:
            await ws.recv()
    assert caught.value.rcvd is not None
    assert (caught.value.rcvd.code, caught.value.rcvd.reason) == (
        1007,
        "Request contains an invalid argument.",
    )


async def test_replies_are_binary_camel_case_frames_and_the_key_may_be_in_the_query(emu: Emulator) -> None:
    async with ws_connect(emu.ws_url + "?key=from-query", ssl=emu.client_ssl_context()) as ws:
        await ws.send(f'{{"setup": {{"model": "models/{MODEL}", "explicit_vad_signal": true}}}}')
        frame = await ws.recv()
        assert isinstance(frame, bytes)
        assert frame.startswith(b'{"setupComplete":{"sessionId":"emulator-')
        pcm = speech(0.5) + silence(0.5)
        for block in range(0, len(pcm), 640):
            data = base64.b64encode(pcm[block : block + 640]).decode()
            await ws.send(
                f'{{"realtimeInput": {{"audio": {{"mimeType": "audio/pcm;rate=16000", "data": "{data}"}}}}}}'
            )
        frames = [await asyncio.wait_for(ws.recv(), 5)]
        while b'"turnComplete":true' not in frames[-1]:  # read the whole turn, so the close is clean
            frames.append(await asyncio.wait_for(ws.recv(), 5))
    assert all(isinstance(frame, bytes) for frame in frames)
    assert frames[0] == b'{"voiceActivity":{"type":"ACTIVITY_START","audioOffset":"0s"}}'
    assert frames[1] == b'{"voiceActivityDetectionSignal":{"vadSignalType":"VAD_SIGNAL_TYPE_SOS"}}'


async def test_a_missing_key_closes_1007(emu: Emulator) -> None:
    async with ws_connect(emu.ws_url, ssl=emu.client_ssl_context()) as ws:
        await ws.send(f'{{"setup": {{"model": "models/{MODEL}"}}}}')
        with pytest.raises(ConnectionClosedError) as caught:
            await ws.recv()
    assert caught.value.rcvd is not None and caught.value.rcvd.code == 1007


@pytest.mark.parametrize(
    "path",
    ["/", "/ws/google.ai.generativelanguage.v2.GenerativeService.BidiGenerateContent", "/ws/other"],
)
async def test_other_paths_get_http_404(emu: Emulator, path: str) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with ws_connect(emu.base_url.replace("https", "wss") + path, ssl=emu.client_ssl_context()):
            pass
    assert caught.value.response.status_code == 404


# ---------------------------------------------------------------------------- turns


async def test_an_audio_turn_echoes_speech_of_the_same_duration_and_describes_the_frame(
    emu: Emulator,
) -> None:
    async with client_for(emu).aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await session.send_realtime_input(
            video=types.Blob(data=jpeg(320, 240, (34, 58, 127)), mime_type="image/jpeg")
        )
        await send_audio(session, speech(1.0) + silence(0.6))
        turn = await read_until(session, turn_complete)
    echo_s = len(audio_of(turn)) / (2 * 24_000)
    assert echo_s == pytest.approx(1.0, rel=0.10)
    heard = [
        m.server_content.input_transcription.text
        for m in turn
        if m.server_content and m.server_content.input_transcription
    ]
    assert heard == ["[speech 1.0 s]"]
    text = output_text(turn)
    assert text.startswith("Offline emulator, turn 1: I heard 1.0 s of speech at -17 dBFS")
    assert "Latest camera frame: 320x240, average colour #7" in text
    assert flags(turn, "generation_complete") == 1 and flags(turn, "interrupted") == 0
    usage = turn[-1].usage_metadata
    assert usage is not None and usage.prompt_token_count and usage.response_token_count
    assert [m.voice_activity.voice_activity_type for m in turn if m.voice_activity] == [
        types.VoiceActivityType.ACTIVITY_START,
        types.VoiceActivityType.ACTIVITY_END,
    ]
    assert emu.stats.video_frames_in == 1 and emu.stats.turns == 1


async def test_audio_stream_end_flushes_an_utterance(emu: Emulator) -> None:
    async with client_for(emu).aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await send_audio(session, speech(0.8))
        await session.send_realtime_input(audio_stream_end=True)
        turn = await read_until(session, turn_complete)
    assert len(audio_of(turn)) / (2 * 24_000) == pytest.approx(0.8, rel=0.10)


async def test_manual_activity_signals_bracket_a_turn(emu: Emulator) -> None:
    config = types.LiveConnectConfig(
        response_modalities=[types.Modality.AUDIO],
        realtime_input_config=types.RealtimeInputConfig(
            automatic_activity_detection=types.AutomaticActivityDetection(disabled=True)
        ),
    )
    async with client_for(emu).aio.live.connect(model=MODEL, config=config) as session:
        await session.send_realtime_input(activity_start=types.ActivityStart())
        await send_audio(session, speech(0.6) + silence(0.2))
        await session.send_realtime_input(activity_end=types.ActivityEnd())
        turn = await read_until(session, turn_complete)
    assert len(audio_of(turn)) / (2 * 24_000) == pytest.approx(0.8, rel=0.05)


@pytest.mark.parametrize("how", ["realtime_text", "client_content"])
async def test_a_text_turn_is_answered_with_text_and_audio(emu: Emulator, how: str) -> None:
    async with client_for(emu).aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        if how == "realtime_text":
            await session.send_realtime_input(text="hello there")
        else:
            await session.send_client_content(
                turns=types.Content(role="user", parts=[types.Part(text="hello there")]), turn_complete=True
            )
        turn = await read_until(session, turn_complete)
    assert output_text(turn) == 'You said: "hello there". (Offline emulator, turn 1.)'
    assert len(audio_of(turn)) / (2 * 24_000) >= 0.5
    assert flags(turn, "generation_complete") == 1


async def test_speech_during_a_reply_interrupts_it() -> None:
    async with (
        Emulator(EmulatorConfig(pace=1.0)) as emu,
        client_for(emu).aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session,
    ):
        await send_audio(session, speech(1.0) + silence(0.3))
        before = await read_until(session, lambda m: bool(audio_of([m])))
        await send_audio(session, speech(0.2))
        after = await read_until(session, turn_complete)
        await send_audio(session, silence(0.3))  # end the interrupting utterance: it gets its own turn
        next_turn = await read_until(session, turn_complete)
    turn = before + after
    assert flags(turn, "interrupted") == 1
    assert flags(turn, "generation_complete") == 0
    interrupted_at = next(i for i, m in enumerate(turn) if m.server_content and m.server_content.interrupted)
    assert turn_complete(turn[-1]) and interrupted_at < len(turn) - 1
    assert audio_of(turn[interrupted_at:]) == b""
    assert len(audio_of(turn)) / (2 * 24_000) < 0.9  # the rest of the reply was never sent
    assert emu.stats.interruptions == 1
    # the next turn answers the interruption alone; nothing of the interrupted reply leaks into it
    assert len(audio_of(next_turn)) / (2 * 24_000) == pytest.approx(0.2, rel=0.10)
    assert "turn 2: I heard 0.2 s" in output_text(next_turn)


@pytest.mark.parametrize("pace", [2.0, 4.0])
async def test_reply_audio_is_streamed_at_the_configured_pace(pace: float) -> None:
    async with (
        Emulator(EmulatorConfig(pace=pace, lead_ms=0)) as emu,
        client_for(emu).aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session,
    ):
        await send_audio(session, speech(1.0) + silence(0.3))
        first = await read_until(session, lambda m: bool(audio_of([m])))
        started = time.monotonic()
        rest = await read_until(session, turn_complete)
        elapsed = time.monotonic() - started
    assert len(audio_of(first + rest)) / (2 * 24_000) == pytest.approx(1.0, rel=0.1)
    assert (1.0 - 0.04) / pace <= elapsed < 1.0 / pace + 2.0


async def test_a_named_function_is_called_and_its_response_answered(emu: Emulator) -> None:
    config = types.LiveConnectConfig(
        response_modalities=[types.Modality.AUDIO],
        output_audio_transcription=types.AudioTranscriptionConfig(),
        tools=[types.Tool(function_declarations=[types.FunctionDeclaration(name="set_light")])],
    )
    async with client_for(emu).aio.live.connect(model=MODEL, config=config) as session:
        await session.send_realtime_input(text="please set_light to red")
        (call_message,) = await read_until(session, lambda m: m.tool_call is not None)
        assert call_message.tool_call and call_message.tool_call.function_calls
        (call,) = call_message.tool_call.function_calls
        assert call.name == "set_light" and call.id
        await session.send_tool_response(
            function_responses=types.FunctionResponse(id=call.id, name=call.name, response={"result": "ok"})
        )
        turn = await read_until(session, turn_complete)
    assert 'set_light returned {"result": "ok"}' in output_text(turn)


async def test_gemini_3_1_refuses_mid_session_client_content(emu: Emulator) -> None:
    async with client_for(emu).aio.live.connect(
        model="gemini-3.1-flash-live-preview", config=AUDIO_CONFIG
    ) as s:
        await s.send_client_content(turns=types.Content(role="user", parts=[types.Part(text="hi")]))
        with pytest.raises(errors.APIError) as caught:
            await read_until(s, turn_complete)
    reason = "client_content is accepted only as initial history on this model."
    assert (caught.value.code, caught.value.details) == (1007, reason)


# ---------------------------------------------------------------------------- session lifetime


async def test_go_away_arrives_then_the_connection_closes_1011() -> None:
    async with Emulator(EmulatorConfig(pace=0, go_away_after_s=0.05, go_away_time_left_s=0.3)) as emu:
        async with client_for(emu).aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
            (message,) = await read_until(session, lambda m: m.go_away is not None)
            assert message.go_away and message.go_away.time_left == "0.300s"
            with pytest.raises(errors.APIError) as caught:
                await read_until(session, lambda m: False)
        assert (caught.value.code, caught.value.details) == (
            1011,
            "Deadline expired before operation could complete.",
        )
        assert emu.stats.go_aways == 1


async def test_a_resumption_handle_resumes_the_session(emu: Emulator) -> None:
    config = AUDIO_CONFIG.model_copy(update={"session_resumption": types.SessionResumptionConfig()})
    client = client_for(emu)
    async with client.aio.live.connect(model=MODEL, config=config) as session:
        first_id = session.session_id
        await session.send_realtime_input(text="one")
        turn = await read_until(session, turn_complete)
        assert "turn 1" in output_text(turn)
        (update,) = await read_until(session, lambda m: m.session_resumption_update is not None)
        assert update.session_resumption_update is not None
        handle = update.session_resumption_update.new_handle
    assert handle
    resumed = config.model_copy(update={"session_resumption": types.SessionResumptionConfig(handle=handle)})
    async with client.aio.live.connect(model=MODEL, config=resumed) as session:
        assert session.session_id == first_id
        await session.send_realtime_input(text="two")
        turn = await read_until(session, turn_complete)
    assert "turn 2" in output_text(turn)
    assert emu.stats.resumptions == 1


# ---------------------------------------------------------------------------- faults


async def test_a_dropped_connection_surfaces_as_1006_and_the_fault_fires_once(emu: Emulator) -> None:
    emu.faults.drop_after_server_messages = 2  # setupComplete, then one message of the reply
    client = client_for(emu)
    async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await session.send_realtime_input(text="hello")
        with pytest.raises(errors.APIError) as caught:
            await read_until(session, turn_complete)
    assert caught.value.code == 1006
    assert emu.stats.drops == 1 and emu.faults.drop_after_server_messages is None
    async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await session.send_realtime_input(text="again")
        await read_until(session, turn_complete)


async def test_a_close_with_a_given_code_after_n_client_messages(emu: Emulator) -> None:
    emu.faults.close_after_client_messages = 2
    emu.faults.close_code, emu.faults.close_reason = 1011, "Internal error encountered."
    async with client_for(emu).aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await session.send_realtime_input(text="hello")
        with pytest.raises(errors.APIError) as caught:
            await read_until(session, turn_complete)
    assert (caught.value.code, caught.value.details) == (1011, "Internal error encountered.")


async def test_closing_the_setup_itself(emu: Emulator) -> None:
    emu.faults.close_after_client_messages = 1
    emu.faults.close_code, emu.faults.close_reason = 1011, "The service is currently unavailable."
    error = await refused(client_for(emu), MODEL, AUDIO_CONFIG)
    assert (error.code, error.details) == (1011, "The service is currently unavailable.")


async def test_on_demand_close_drop_and_go_away(emu: Emulator) -> None:
    client = client_for(emu)
    async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await emu.wait_until(lambda s: s.setups_accepted == 1)
        await emu.close_connections(1011, "Internal error occurred.")
        with pytest.raises(errors.APIError) as caught:
            await read_until(session, lambda m: False)
        assert (caught.value.code, caught.value.details) == (1011, "Internal error occurred.")
    async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await emu.wait_until(lambda s: s.setups_accepted == 2)
        emu.drop_connections()
        with pytest.raises(errors.APIError) as caught:
            await read_until(session, lambda m: False)
        assert caught.value.code == 1006
    async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await emu.wait_until(lambda s: s.setups_accepted == 3)
        emu.go_away(0.1)
        (message,) = await read_until(session, lambda m: m.go_away is not None)
        assert message.go_away and message.go_away.time_left == "0.100s"
        with pytest.raises(errors.APIError) as caught:
            await read_until(session, lambda m: False)
        assert caught.value.code == 1011
    await emu.wait_until(lambda s: s.active_connections == 0)


async def test_reply_delay_holds_every_message_back(emu: Emulator) -> None:
    async with client_for(emu).aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        emu.faults.reply_delay_ms = 300
        started = time.monotonic()
        await session.send_realtime_input(text="hello")
        await read_until(session, lambda m: True)
        first_after = time.monotonic() - started
        await read_until(session, turn_complete)
    assert 0.3 <= first_after < 5.0


@pytest.mark.allow_warnings("desktop_app.emulator", "emulator task emulator-delay failed")
async def test_a_failing_delayed_sender_closes_1011_and_logs_why(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with client_for(emu).aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        emu.faults.reply_delay_ms = 20

        async def broken_send(self: Connection, outgoing: object, frame: bytes) -> None:
            raise RuntimeError("injected send fault")

        monkeypatch.setattr(Connection, "_send_now", broken_send)
        await session.send_realtime_input(text="hello")
        with pytest.raises(errors.APIError) as caught:
            await read_until(session, lambda m: False)
        assert caught.value.code == 1011
    failures = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in failures] == ["emulator task emulator-delay failed"]
    assert failures[0].exc_info is not None and "injected send fault" in str(failures[0].exc_info[1])
    caplog.clear()  # the one expected error; any other warning still fails the test


async def test_reject_next_resumption_refuses_a_known_handle_once(emu: Emulator) -> None:
    config = types.LiveConnectConfig(session_resumption=types.SessionResumptionConfig())
    client = client_for(emu)
    async with client.aio.live.connect(model=MODEL, config=config) as session:
        (update,) = await read_until(session, lambda m: m.session_resumption_update is not None)
    assert update.session_resumption_update is not None
    resume = types.LiveConnectConfig(
        session_resumption=types.SessionResumptionConfig(handle=update.session_resumption_update.new_handle)
    )
    emu.faults.reject_next_resumption = True
    error = await refused(client, MODEL, resume)
    assert (error.code, error.details) == (1008, "BidiGenerateContent session not found")
    async with client.aio.live.connect(model=MODEL, config=resume) as session:
        assert session.session_id


async def test_stop_closes_open_sessions_and_leaves_no_tasks() -> None:
    emu = Emulator(EmulatorConfig(pace=1.0, go_away_after_s=60))
    await emu.start()
    client = client_for(emu)
    async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
        await session.send_realtime_input(text="a long reply is being paced when the emulator stops")
        await read_until(session, lambda m: bool(audio_of([m])))
        await emu.stop()
        with pytest.raises(errors.APIError) as caught:
            await read_until(session, lambda m: False)
        assert caught.value.code == 1001
    assert emu.stats.active_connections == 0
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftovers == []
    await emu.stop()  # idempotent


# ---------------------------------------------------------------------------- standalone


async def test_the_standalone_emulator_serves_an_unmodified_sdk_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = ["-m", "desktop_app.emulator", "--port", "0", "--pace", "0", "--cert-dir", str(tmp_path)]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, stdout=asyncio.subprocess.PIPE, cwd=REPO
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Press Ctrl+C"):
            line = await asyncio.wait_for(process.stdout.readline(), 20)
            assert line, f"the emulator exited early: {lines}"
            lines.append(line.decode().strip())
        paste = next(line for line in lines if line.startswith("GOOGLE_GEMINI_BASE_URL="))
        env = dict(item.split("=", 1) for item in paste.split())
        assert Path(env["SSL_CERT_FILE"]).parent == tmp_path
        for name in ("GOOGLE_API_KEY", "GOOGLE_GENAI_API_VERSION", "SSL_CERT_DIR"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        client = genai.Client()  # everything from the pasted environment
        async with client.aio.live.connect(model=MODEL, config=AUDIO_CONFIG) as session:
            await session.send_realtime_input(text="offline")
            turn = await read_until(session, turn_complete)
        assert 'You said: "offline"' in output_text(turn)
        assert re.fullmatch(r"https://127\.0\.0\.1:\d+", env["GOOGLE_GEMINI_BASE_URL"])
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(process.wait(), 20)
    assert code == 0
    assert os.environ.get("SSL_CERT_FILE") == env["SSL_CERT_FILE"]
