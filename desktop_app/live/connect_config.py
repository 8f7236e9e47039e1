"""Build the SDK's ``LiveConnectConfig`` from :class:`SessionOptions`, per model. Pure: no I/O.

:func:`plan_connect` reads the model's entry in :mod:`desktop_app.live.models` and sends only what that model
takes. A chosen option the model refuses is left out, and the plan carries a one-line notice for each such
option: the caller must show ``plan.notices`` to the user (as ``ErrorEvent(code="model_setup")``) when the
session opens. ``plan.sent`` names the model-specific options that did go out, so a refusal that still
happens can name its likely cause (:func:`desktop_app.live.errors.classify_exception`).

Not sent on purpose: ``explicit_vad_signal`` (google-genai 3.6.1 raises ValueError for it on the Gemini
Developer API; the server's ``voice_activity`` messages arrive without it) and ``history_config`` (the
program never seeds history with client content).
"""

from __future__ import annotations

from dataclasses import dataclass

from google.genai import types

from desktop_app.live.models import (
    OPTION_LABELS,
    ModelSpec,
    Proactivity,
    ThinkingKind,
    model_spec,
    unknown_model_notice,
)
from desktop_app.live.options import Modality, SessionOptions

__all__ = ["ConnectPlan", "build_connect_config", "plan_connect", "setup_notices"]

_START = {"high": types.StartSensitivity.START_SENSITIVITY_HIGH,
          "low": types.StartSensitivity.START_SENSITIVITY_LOW}  # fmt: skip
_END = {"high": types.EndSensitivity.END_SENSITIVITY_HIGH,
        "low": types.EndSensitivity.END_SENSITIVITY_LOW}  # fmt: skip
_RESOLUTION = {
    "low": types.MediaResolution.MEDIA_RESOLUTION_LOW,
    "medium": types.MediaResolution.MEDIA_RESOLUTION_MEDIUM,
    "high": types.MediaResolution.MEDIA_RESOLUTION_HIGH,
}


@dataclass(frozen=True, slots=True)
class ConnectPlan:
    """The config to connect with, the notices to show, and the model-specific options sent."""

    config: types.LiveConnectConfig
    notices: tuple[str, ...] = ()
    sent: tuple[str, ...] = ()  # OPTION_LABELS keys


class _Plan:
    """Collects what is sent and what is left out, with the model at hand."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.notices: list[str] = [] if spec.known else [unknown_model_notice(spec.id)]
        self.sent: list[str] = []

    def take(self, name: str, wanted: bool, supported: bool) -> bool:
        """True if option ``name`` goes out; a wanted option the model refuses gets a notice."""
        if not wanted:
            return False
        if not supported:
            self.left_out(name)
            return False
        self.sent.append(name)
        return True

    def left_out(self, name: str, why: str = "") -> None:
        label = OPTION_LABELS[name]
        self.notices.append(
            f"{self.spec.name} does not take {label}{why}, so it was left out of the session."
        )


def plan_connect(options: SessionOptions) -> ConnectPlan:
    """The :class:`ConnectPlan` for ``options`` on ``options.model``: never a setup the catalog says the
    model refuses. Context-window compression is on by default, so audio+video sessions are not cut after
    2 minutes; session resumption is on so the caller receives handles to reconnect with."""
    spec = model_spec(options.model)
    plan = _Plan(spec)
    modality = options.modality
    output_transcription = options.output_transcription
    if modality is Modality.TEXT and not plan.take("response_modality", True, not spec.native_audio):
        modality, output_transcription = Modality.AUDIO, True  # the text arrives as a transcript
    config = types.LiveConnectConfig(
        response_modalities=[types.Modality(modality.value)],
        realtime_input_config=_activity(options),
    )
    _speech(config, options, modality, plan)
    if options.system_instruction:
        config.system_instruction = types.Content(
            parts=[types.Part(text=options.system_instruction)], role="user"
        )
    if options.input_transcription:
        languages = plan.take(
            "transcription_languages", bool(options.transcription_languages), spec.transcription_languages
        )
        vocabulary = plan.take("custom_vocabulary", bool(options.custom_vocabulary), spec.custom_vocabulary)
        config.input_audio_transcription = types.AudioTranscriptionConfig(
            language_codes=list(options.transcription_languages) if languages else None,
            custom_vocabulary=list(options.custom_vocabulary) if vocabulary else None,
        )
    if output_transcription and modality is Modality.AUDIO:
        config.output_audio_transcription = types.AudioTranscriptionConfig()
    if plan.take("media_resolution", options.media_resolution is not None, spec.media_resolution):
        config.media_resolution = _RESOLUTION[options.media_resolution or "medium"]
    if plan.take("affective_dialog", options.affective_dialog, spec.affective_dialog):
        config.enable_affective_dialog = True
    wants_proactive = (
        options.proactive_audio and spec.proactivity is not Proactivity.ALWAYS
    )  # 3.8: never sent
    if plan.take("proactive_audio", wants_proactive, spec.proactivity is Proactivity.OPT_IN):
        config.proactivity = types.ProactivityConfig(proactive_audio=True)
    config.thinking_config = _thinking(options, plan)
    if options.context_compression:
        config.context_window_compression = types.ContextWindowCompressionConfig(
            trigger_tokens=options.compression_trigger_tokens,
            sliding_window=types.SlidingWindow(),
        )
    if options.session_resumption:
        config.session_resumption = types.SessionResumptionConfig(handle=options.resume_handle)
    return ConnectPlan(config, tuple(plan.notices), tuple(plan.sent))


def build_connect_config(options: SessionOptions) -> types.LiveConnectConfig:
    """The ``LiveConnectConfig`` of :func:`plan_connect` (its notices are :func:`setup_notices`)."""
    return plan_connect(options).config


def setup_notices(options: SessionOptions) -> tuple[str, ...]:
    """The one-line notices of :func:`plan_connect` for ``options``: show each once per new session."""
    return plan_connect(options).notices


def _activity(options: SessionOptions) -> types.RealtimeInputConfig:
    vad = options.vad
    return types.RealtimeInputConfig(
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
    )


def _speech(
    config: types.LiveConnectConfig, options: SessionOptions, modality: Modality, plan: _Plan
) -> None:
    spec = plan.spec
    voice = options.voice if modality is Modality.AUDIO else None
    if voice and voice not in spec.voices:
        plan.left_out("voice", f" {voice}")
        voice = None
    language = plan.take("speech_language", bool(options.speech_language), spec.speech_language)
    if not voice and not language:
        return
    config.speech_config = types.SpeechConfig(
        voice_config=(
            types.VoiceConfig(prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=voice))
            if voice
            else None
        ),
        language_code=options.speech_language if language else None,
    )


def _thinking(options: SessionOptions, plan: _Plan) -> types.ThinkingConfig | None:
    spec = plan.spec
    level = options.thinking_level
    if level and spec.thinking is ThinkingKind.LEVEL and level not in spec.thinking_levels:
        plan.left_out("thinking_level", f" {level!r} (it takes {', '.join(spec.thinking_levels)})")
        level = None
    elif not plan.take("thinking_level", bool(level), spec.thinking is ThinkingKind.LEVEL):
        level = None
    budget_on = plan.take(
        "thinking_budget", options.thinking_budget is not None, spec.thinking is ThinkingKind.BUDGET
    )
    thoughts = plan.take("include_thoughts", options.include_thoughts, spec.thought_summaries)
    if not (level or budget_on or thoughts):
        return None
    return types.ThinkingConfig(
        thinking_level=types.ThinkingLevel(level.upper()) if level else None,
        thinking_budget=options.thinking_budget if budget_on else None,
        include_thoughts=True if thoughts else None,
    )
