from google.genai import types

from desktop_app.live.connect_config import build_connect_config
from desktop_app.live.options import Modality, SessionOptions, VadOptions


def test_defaults_enable_audio_transcripts_compression_and_resumption() -> None:
    cfg = build_connect_config(SessionOptions())
    assert cfg.response_modalities == [types.Modality.AUDIO]
    assert cfg.input_audio_transcription is not None
    assert cfg.output_audio_transcription is not None
    assert cfg.context_window_compression is not None
    assert cfg.session_resumption is not None and cfg.session_resumption.handle is None
    assert cfg.speech_config is not None
    assert cfg.speech_config.voice_config.prebuilt_voice_config.voice_name == "Puck"  # type: ignore[union-attr]


def test_options_flow_into_the_config() -> None:
    opts = SessionOptions(
        modality=Modality.TEXT,
        system_instruction="Be brief.",
        vad=VadOptions(start_sensitivity="low", silence_duration_ms=800, interrupt_on_speech=False),
        resume_handle="h1",
    )
    cfg = build_connect_config(opts)
    assert cfg.response_modalities == [types.Modality.TEXT]
    assert cfg.output_audio_transcription is None  # transcription of audio makes no sense for TEXT
    assert cfg.speech_config is None
    assert cfg.system_instruction.parts[0].text == "Be brief."  # type: ignore[union-attr,index]
    aad = cfg.realtime_input_config.automatic_activity_detection  # type: ignore[union-attr]
    assert aad.start_of_speech_sensitivity == types.StartSensitivity.START_SENSITIVITY_LOW  # type: ignore[union-attr]
    assert aad.silence_duration_ms == 800  # type: ignore[union-attr]
    assert cfg.realtime_input_config.activity_handling == types.ActivityHandling.NO_INTERRUPTION  # type: ignore[union-attr]
    assert cfg.session_resumption.handle == "h1"  # type: ignore[union-attr]
