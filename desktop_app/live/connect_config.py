"""Build the SDK's ``LiveConnectConfig`` from :class:`SessionOptions`. Pure: no I/O."""

from __future__ import annotations

from google.genai import types

from desktop_app.live.options import Modality, SessionOptions

__all__ = ["build_connect_config"]

_START = {"high": types.StartSensitivity.START_SENSITIVITY_HIGH,
          "low": types.StartSensitivity.START_SENSITIVITY_LOW}  # fmt: skip
_END = {"high": types.EndSensitivity.END_SENSITIVITY_HIGH,
        "low": types.EndSensitivity.END_SENSITIVITY_LOW}  # fmt: skip


def build_connect_config(options: SessionOptions) -> types.LiveConnectConfig:
    """The ``LiveConnectConfig`` for ``options``.

    Context-window compression is on by default, so audio+video sessions are not cut after 2 minutes;
    session resumption is on so the caller receives handles to reconnect with.
    """
    vad = options.vad
    config = types.LiveConnectConfig(
        response_modalities=[types.Modality(options.modality.value)],
        realtime_input_config=types.RealtimeInputConfig(
            automatic_activity_detection=types.AutomaticActivityDetection(
                disabled=vad.disabled,
                start_of_speech_sensitivity=_START[vad.start_sensitivity],
                end_of_speech_sensitivity=_END[vad.end_sensitivity],
                prefix_padding_ms=vad.prefix_padding_ms,
                silence_duration_ms=vad.silence_duration_ms,
            ),
            activity_handling=(
                types.ActivityHandling.START_OF_ACTIVITY_INTERRUPTS
                if vad.interrupt_on_speech
                else types.ActivityHandling.NO_INTERRUPTION
            ),
        ),
    )
    if options.voice and options.modality is Modality.AUDIO:
        config.speech_config = types.SpeechConfig(
            voice_config=types.VoiceConfig(
                prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=options.voice)
            )
        )
    if options.system_instruction:
        config.system_instruction = types.Content(
            parts=[types.Part(text=options.system_instruction)], role="user"
        )
    if options.input_transcription:
        config.input_audio_transcription = types.AudioTranscriptionConfig()
    if options.output_transcription and options.modality is Modality.AUDIO:
        config.output_audio_transcription = types.AudioTranscriptionConfig()
    if options.context_compression:
        config.context_window_compression = types.ContextWindowCompressionConfig(
            trigger_tokens=options.compression_trigger_tokens,
            sliding_window=types.SlidingWindow(),
        )
    if options.session_resumption:
        config.session_resumption = types.SessionResumptionConfig(handle=options.resume_handle)
    return config
