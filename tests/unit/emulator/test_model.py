"""The simulated model as a state machine: echo, transcripts, interruptions, text, tools, resumption."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from desktop_app.emulator.messages import (
    ActivityEnd,
    ActivityStart,
    AudioChunk,
    AudioIn,
    AudioStreamEnd,
    ClientTurn,
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
    VadSignal,
    VideoIn,
    VoiceActivity,
)
from desktop_app.emulator.model import ModelOptions, SimulatedModel
from desktop_app.emulator.parse import ActivityDetection, SetupRequest
from desktop_app.emulator.protocol_errors import WireError
from desktop_app.emulator.resumption import ResumptionStore, SessionState

RATE = 16_000


def speech(seconds: float) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    wave = 0.3 * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)) * np.sin(2 * np.pi * 220 * t)
    return (wave * 32767).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return bytes(2 * int(seconds * RATE))


def make(
    *,
    store: ResumptionStore | None = None,
    state: SessionState | None = None,
    **setup: object,
) -> SimulatedModel:
    options = {
        "model": "models/m",
        "input_transcription": True,
        "output_transcription": True,
        "activity": ActivityDetection(silence_duration_ms=300),
    }
    options.update(setup)
    counter = itertools.count(1)
    model = SimulatedModel(
        SetupRequest(**options),  # type: ignore[arg-type]
        state or SessionState("s1"),
        options=ModelOptions(chunk_ms=40),
        store=store,
        new_call_id=lambda: f"call-{next(counter)}",
    )
    first = drain(model)
    assert first[0] == SetupComplete(model.state.session_id)
    assert [type(o) for o in first[1:]] == ([SessionResumptionUpdate] if options.get("resumption") else [])
    return model


def drain(model: SimulatedModel, limit: int | None = None) -> list[ServerOutput]:
    out: list[ServerOutput] = []
    while limit is None or len(out) < limit:
        item = model.pop()
        if item is None:
            break
        out.append(item.output)
    return out


def feed(model: SimulatedModel, pcm: bytes, block_ms: int = 20) -> None:
    size = RATE * block_ms // 1000 * 2
    for i in range(0, len(pcm), size):
        model.handle(AudioIn(pcm[i : i + size]))


def audio_seconds(outputs: list[ServerOutput]) -> float:
    return sum(len(o.pcm) for o in outputs if isinstance(o, AudioChunk)) / (2 * 24_000)


def transcript(outputs: list[ServerOutput]) -> str:
    return "".join(o.text for o in outputs if isinstance(o, OutputTranscription))


def kinds(outputs: list[ServerOutput]) -> Iterator[type]:
    return (type(o) for o in outputs)


def test_end_of_speech_echoes_the_utterance_at_24_khz_in_40_ms_chunks() -> None:
    model = make()
    feed(model, silence(0.2) + speech(1.2) + silence(0.5))
    out = drain(model)
    assert audio_seconds(out) == pytest.approx(1.2, abs=0.01)
    chunks = [o for o in out if isinstance(o, AudioChunk)]
    assert all(c.rate == 24_000 for c in chunks)
    assert {len(c.pcm) for c in chunks[:-1]} == {24_000 * 2 * 40 // 1000}
    # the echo is the user's audio (resampled), not something else: same level
    echo = np.frombuffer(b"".join(c.pcm for c in chunks), dtype="<i2").astype(float)
    assert 20 * np.log10(np.sqrt(np.mean((echo / 32768) ** 2))) == pytest.approx(-16.5, abs=1.0)


def test_an_audio_turn_in_order() -> None:
    model = make()
    feed(model, speech(1.0) + silence(0.5))
    out = drain(model)
    assert out[:3] == [
        VoiceActivity("ACTIVITY_START", 0.0),
        VoiceActivity("ACTIVITY_END", 1.0),
        InputTranscription("[speech 1.0 s]"),
    ]
    assert isinstance(out[3], AudioChunk)
    assert list(kinds(out[-2:])) == [GenerationComplete, TurnComplete]
    text = transcript(out)
    assert text.startswith("Offline emulator, turn 1: I heard 1.0 s of speech at -17 dBFS")
    assert text.endswith("No camera frame received.")
    done = out[-1]
    assert isinstance(done, TurnComplete) and done.usage is not None
    assert done.usage.prompt == {"AUDIO": 32}
    assert done.usage.response == {"AUDIO": 25}


def test_transcriptions_and_voice_activity_are_only_sent_when_asked() -> None:
    model = make(input_transcription=False, output_transcription=False)
    model.options = ModelOptions(voice_activity=False)
    feed(model, speech(0.5) + silence(0.5))
    out = drain(model)
    assert set(kinds(out)) == {AudioChunk, GenerationComplete, TurnComplete}


def test_explicit_vad_signal_adds_start_and_end_signals() -> None:
    model = make(explicit_vad_signal=True)
    feed(model, speech(0.5) + silence(0.5))
    signals = [o for o in drain(model) if isinstance(o, VadSignal)]
    assert signals == [VadSignal("VAD_SIGNAL_TYPE_SOS"), VadSignal("VAD_SIGNAL_TYPE_EOS")]


def test_speech_during_a_reply_interrupts_it_and_drops_the_rest() -> None:
    model = make()
    feed(model, speech(1.0) + silence(0.5))
    sent = drain(model, limit=8)  # activity, transcription, and the first few audio chunks
    assert isinstance(sent[-1], AudioChunk | OutputTranscription)
    assert model.turn_open
    feed(model, speech(0.1))
    out = drain(model)
    assert list(kinds(out)) == [VoiceActivity, Interrupted, TurnComplete]
    assert not model.turn_open
    done = out[-1]
    assert isinstance(done, TurnComplete) and done.usage is not None
    sent_audio = audio_seconds(sent)
    assert done.usage.response == {"AUDIO": round(sent_audio * 25)}
    # the new utterance is answered when it ends
    feed(model, speech(0.4) + silence(0.5))
    reply = drain(model)
    assert audio_seconds(reply) == pytest.approx(0.5, abs=0.01)
    assert "turn 2" in transcript(reply)


def test_without_interruptions_speech_during_a_reply_waits_its_turn() -> None:
    model = make(activity=ActivityDetection(silence_duration_ms=300, interrupts=False))
    feed(model, speech(1.0) + silence(0.5))
    first = drain(model, limit=6)
    feed(model, speech(0.5) + silence(0.5))
    rest = drain(model)
    assert Interrupted not in set(kinds(rest))
    assert audio_seconds(first + rest) == pytest.approx(1.5, abs=0.02)
    assert [type(o) for o in rest].count(TurnComplete) == 2


def test_a_quiet_moment_after_a_reply_does_not_interrupt_anything() -> None:
    model = make()
    feed(model, speech(0.5) + silence(0.5))
    drain(model)
    assert not model.turn_open
    feed(model, speech(0.2))
    assert list(kinds(drain(model))) == [VoiceActivity]


def test_audio_stream_end_flushes_the_utterance() -> None:
    model = make()
    feed(model, speech(0.8))
    assert list(kinds(drain(model))) == [VoiceActivity]
    model.handle(AudioStreamEnd())
    out = drain(model)
    assert audio_seconds(out) == pytest.approx(0.8, abs=0.01)


def test_audio_at_another_rate_is_resampled_first() -> None:
    model = make()
    pcm48 = np.repeat(np.frombuffer(speech(0.6) + silence(0.5), dtype="<i2"), 3).tobytes()
    for i in range(0, len(pcm48), 1920):
        model.handle(AudioIn(pcm48[i : i + 1920], rate=48_000))
    assert audio_seconds(drain(model)) == pytest.approx(0.6, abs=0.02)


def test_a_text_turn_is_answered_with_you_said_and_some_audio() -> None:
    model = make()
    model.handle(TextIn("hello there"))
    out = drain(model)
    assert transcript(out) == 'You said: "hello there". (Offline emulator, turn 1.)'
    assert 0.5 <= audio_seconds(out) <= 4.0
    samples = np.frombuffer(b"".join(o.pcm for o in out if isinstance(o, AudioChunk)), dtype="<i2")
    assert np.abs(samples[240:-240]).max() > 1000  # audible, not silence
    assert list(kinds(out[-2:])) == [GenerationComplete, TurnComplete]


def test_client_content_waits_for_turn_complete() -> None:
    model = make()
    model.handle(ClientTurn(("first",), turn_complete=False))
    assert drain(model) == []
    model.handle(ClientTurn(("second",), turn_complete=True))
    assert transcript(drain(model)).startswith('You said: "first\nsecond"')


def test_client_content_interrupts_a_reply_even_without_barge_in() -> None:
    model = make(activity=ActivityDetection(interrupts=False))
    model.handle(TextIn("one"))
    drain(model, limit=2)
    model.handle(ClientTurn(("two",), turn_complete=True))
    out = drain(model)
    assert list(kinds(out[:2])) == [Interrupted, TurnComplete]
    assert 'You said: "two"' in transcript(out)


def test_text_modality_replies_with_text_parts_and_no_audio() -> None:
    model = make(response_modalities=("TEXT",))
    model.handle(TextIn("hi"))
    out = drain(model)
    assert AudioChunk not in set(kinds(out))
    assert (
        "".join(o.text for o in out if isinstance(o, TextPart))
        == 'You said: "hi". (Offline emulator, turn 1.)'
    )


def test_naming_a_declared_function_calls_it_and_the_response_finishes_the_turn() -> None:
    model = make(function_names=("set_light", "get_time"))
    model.handle(TextIn("Please set light to blue"))
    out = drain(model)
    assert len(out) == 1 and isinstance(out[0], ToolCall)
    (call,) = out[0].calls
    assert (call.id, call.name, call.args) == ("call-1", "set_light", {})
    assert model.turn_open
    with pytest.raises(WireError, match="matches no function call"):  # ids must match (issue 14 §9)
        model.handle(ToolResponse(("unknown",), ("set_light",), ({},)))
    assert drain(model) == []
    model.handle(ToolResponse(("call-1",), ("set_light",), ({"result": "ok"},)))
    reply = drain(model)
    assert 'set_light returned {"result": "ok"}' in transcript(reply)
    assert list(kinds(reply[-2:])) == [GenerationComplete, TurnComplete]
    assert not model.turn_open


def test_interrupting_a_pending_tool_call_cancels_it() -> None:
    model = make(function_names=("get_time",))
    model.handle(TextIn("get_time please"))
    drain(model)
    feed(model, speech(0.1))
    out = drain(model)
    assert out[1:] == [ToolCallCancellation(("call-1",)), Interrupted(), out[-1]]
    assert isinstance(out[-1], TurnComplete)


def test_manual_activity_brackets_the_utterance() -> None:
    model = make(activity=ActivityDetection(disabled=True))
    feed(model, speech(0.3))  # outside an activity: ignored
    model.handle(ActivityStart())
    feed(model, speech(0.7) + silence(0.3))
    assert drain(model) == []
    model.handle(ActivityEnd())
    out = drain(model)
    assert audio_seconds(out) == pytest.approx(1.0, abs=0.01)
    assert VoiceActivity not in set(kinds(out))


def test_activity_signals_are_refused_while_automatic_detection_is_on() -> None:
    model = make()
    with pytest.raises(WireError) as caught:
        model.handle(ActivityStart())
    assert caught.value.code == 1007


def test_the_latest_camera_frame_is_described() -> None:
    model = make()
    image = np.zeros((480, 640, 3), dtype=np.uint8)
    image[:] = (34, 58, 127)  # BGR for #7f3a22
    ok, jpeg = cv2.imencode(".jpg", image)
    assert ok
    model.handle(VideoIn(b"garbage", "image/jpeg"))
    model.handle(VideoIn(jpeg.tobytes(), "image/jpeg"))
    feed(model, speech(0.3) + silence(0.5))
    out = drain(model)
    text = transcript(out)
    found = re.search(r"Latest camera frame: 640x480, average colour #([0-9a-f]{6})\.", text)
    assert found, text
    rgb = bytes.fromhex(found.group(1))
    assert max(abs(a - b) for a, b in zip(rgb, (0x7F, 0x3A, 0x22), strict=True)) <= 3
    done = out[-1]
    assert isinstance(done, TurnComplete) and done.usage is not None
    assert done.usage.prompt["VIDEO"] == 2 * 258


def test_an_undecodable_frame_is_reported_honestly() -> None:
    model = make()
    model.handle(VideoIn(b"not an image", "image/jpeg"))
    model.handle(TextIn("x"))
    drain(model)
    feed(model, speech(0.3) + silence(0.5))
    assert "image/jpeg, 12 bytes, could not be decoded" in transcript(drain(model))


def test_resumption_handles_come_after_setup_and_after_each_turn() -> None:
    store = ResumptionStore()
    model = make(store=store, resumption=True)
    model.handle(TextIn("one"))
    out = drain(model)
    assert isinstance(out[-1], SessionResumptionUpdate) and out[-1].resumable
    assert isinstance(out[-2], TurnComplete)
    state = store.lookup(out[-1].new_handle)
    assert state == SessionState("s1", turns=1)
    resumed = make(store=store, state=state, resumption=True)
    resumed.handle(TextIn("two"))
    assert "turn 2" in transcript(drain(resumed))


def test_the_first_handle_follows_setup_complete() -> None:
    store = ResumptionStore()
    model = SimulatedModel(SetupRequest("models/m", resumption=True), SessionState("s9"), store=store)
    first, second = drain(model)
    assert first == SetupComplete("s9")
    assert isinstance(second, SessionResumptionUpdate)
    assert store.lookup(second.new_handle) == SessionState("s9")


def test_an_interrupted_turn_is_followed_by_a_fresh_handle() -> None:
    model = make(store=ResumptionStore(), resumption=True)
    model.handle(TextIn("one"))
    drain(model, limit=2)
    feed(model, speech(0.1))
    out = drain(model)
    assert list(kinds(out)) == [VoiceActivity, Interrupted, TurnComplete, SessionResumptionUpdate]


def test_emitted_messages_jump_the_queue() -> None:
    model = make()
    model.handle(TextIn("hello"))
    drain(model, limit=1)
    model.emit(GoAway(3.0))
    assert drain(model, limit=1) == [GoAway(3.0)]


def history_only(**setup: object) -> SimulatedModel:
    model = SimulatedModel(
        SetupRequest("models/gemini-3.1-flash-live-preview", output_transcription=True, **setup),  # type: ignore[arg-type]
        SessionState("s1"),
        options=ModelOptions(client_content_history_only=True),
    )
    drain(model)
    return model


def test_a_history_only_model_refuses_client_content_without_the_history_setting() -> None:
    with pytest.raises(WireError) as caught:
        history_only().handle(ClientTurn(("hi",), turn_complete=True))
    reason = "client_content is accepted only as initial history on this model."
    assert (caught.value.code, caught.value.reason) == (1007, reason)


def test_a_history_only_model_takes_seeded_history_before_realtime_input_only() -> None:
    model = history_only(history_in_client_content=True)
    model.handle(ClientTurn(("earlier",), turn_complete=True))
    assert drain(model) == []  # history, not a question
    model.handle(TextIn("now"))
    assert 'You said: "now"' in transcript(drain(model))
    with pytest.raises(WireError):
        model.handle(ClientTurn(("late",), turn_complete=True))


def test_the_setup_voice_pitches_the_synthetic_reply() -> None:
    from desktop_app.emulator.media import DEFAULT_PITCH_HZ, synth_voice, voice_pitch
    from desktop_app.emulator.parse import parse_setup

    speech = {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}
    setup = parse_setup({"setup": {"model": "m", "generationConfig": {"speechConfig": speech}}})
    assert setup.voice == "Kore"
    assert parse_setup({"setup": {"model": "m"}}).voice is None
    assert voice_pitch(None) == DEFAULT_PITCH_HZ and voice_pitch("kore") == voice_pitch("Kore")
    assert {voice_pitch(v) for v in ("Kore", "Charon", "Puck")} <= {110.0 + 10 * i for i in range(24)}
    pcm = np.frombuffer(synth_voice(1.0, pitch_hz=voice_pitch("Kore")), dtype="<i2").astype(np.float64)
    peak = np.fft.rfftfreq(len(pcm), 1 / 24_000)[int(np.argmax(np.abs(np.fft.rfft(pcm))))]
    assert abs(peak - voice_pitch("Kore")) < 2
