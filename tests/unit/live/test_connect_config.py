from dataclasses import replace

from google.genai import types

from desktop_app.live.connect_config import ConnectPlan, build_connect_config, plan_connect, setup_notices
from desktop_app.live.models import CATALOG
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
        model="text-model",  # not in the catalog: the user's TEXT choice is passed on
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


# --- per model (the catalog in desktop_app/live/models.py) -------------------------------------------

EVERYTHING_ON = SessionOptions(
    modality=Modality.TEXT,
    media_resolution="low",
    speech_language="de-DE",
    transcription_languages=("de-DE",),
    custom_vocabulary=("Gemini", "PySide6"),
    affective_dialog=True,
    proactive_audio=True,
    thinking_level="high",
    thinking_budget=512,
    include_thoughts=True,
)


def plan_for(model: str, options: SessionOptions = EVERYTHING_ON) -> ConnectPlan:
    return plan_connect(replace(options, model=model))


def test_default_settings_need_no_notice_on_any_catalog_model() -> None:
    for model in CATALOG:
        assert plan_for(model, SessionOptions()).notices == ()


def test_gemini_3_8_live_gets_no_thinking_affective_dialog_or_proactivity_and_says_so() -> None:
    plan = plan_for("gemini-3.8-live")
    cfg = plan.config
    assert cfg.thinking_config is None  # "omit thinking_config / thinking_level on gemini-3.8-live"
    assert cfg.enable_affective_dialog is None  # "affective dialog is removed"
    assert cfg.proactivity is None  # always on; proactive_audio=false is an error, so nothing is sent
    assert cfg.response_modalities == [types.Modality.AUDIO]
    assert cfg.output_audio_transcription is not None  # the text the user wanted arrives as a transcript
    assert cfg.media_resolution == types.MediaResolution.MEDIA_RESOLUTION_LOW
    assert cfg.speech_config.language_code == "de-DE"  # type: ignore[union-attr]
    transcription = cfg.input_audio_transcription
    assert transcription.language_codes == ["de-DE"]  # type: ignore[union-attr]
    assert transcription.custom_vocabulary == ["Gemini", "PySide6"]  # type: ignore[union-attr]
    left_out = "\n".join(plan.notices)
    for label in (
        "text replies",
        "affective dialog",
        "thinking level",
        "thinking budget",
        "thought summaries",
    ):
        assert f"Gemini 3.8 Live does not take {label}" in left_out
    assert "proactive" not in left_out  # it is on anyway
    assert all("\n" not in notice for notice in plan.notices)


def test_extended_thinking_takes_a_level_and_thought_summaries_but_not_a_budget() -> None:
    plan = plan_for("gemini-3.8-live-extended-thinking")
    thinking = plan.config.thinking_config
    assert thinking is not None
    assert (thinking.thinking_level, thinking.thinking_budget) == (types.ThinkingLevel.HIGH, None)
    assert thinking.include_thoughts is True
    assert "thinking_budget" not in plan.sent
    assert any("does not take thinking budget" in n for n in plan.notices)


def test_a_level_the_model_does_not_list_is_left_out_with_the_levels_it_takes() -> None:
    plan = plan_for("gemini-3.8-live-extended-thinking", replace(EVERYTHING_ON, thinking_level="minimal"))
    assert plan.config.thinking_config.thinking_level is None  # type: ignore[union-attr]
    assert any("'minimal' (it takes low, medium, high)" in n for n in plan.notices)


def test_gemini_2_5_takes_a_budget_affective_dialog_and_opt_in_proactive_audio() -> None:
    for model in (
        "gemini-2.5-flash-native-audio-preview-12-2025",
        "gemini-2.5-flash-native-audio-preview-09-2025",
    ):
        cfg = plan_for(model).config
        assert cfg.thinking_config.thinking_budget == 512  # type: ignore[union-attr]
        assert cfg.thinking_config.thinking_level is None  # type: ignore[union-attr]
        assert cfg.enable_affective_dialog is True
        assert cfg.proactivity.proactive_audio is True  # type: ignore[union-attr]
        assert cfg.speech_config.language_code is None  # type: ignore[union-attr]


def test_gemini_3_1_never_gets_affective_dialog_or_proactivity() -> None:
    cfg = plan_for("gemini-3.1-flash-live-preview").config
    assert cfg.enable_affective_dialog is None  # a 3.1 setup with it never completes (Patter PR #210)
    assert cfg.proactivity is None
    assert cfg.thinking_config.thinking_level == types.ThinkingLevel.HIGH  # type: ignore[union-attr]


def test_an_unknown_model_gets_the_conservative_setup_and_a_notice() -> None:
    plan = plan_for("gemini-9-live")
    assert plan.notices[0].startswith("gemini-9-live is not in this version's model list")
    cfg = plan.config
    assert cfg.thinking_config is None and cfg.enable_affective_dialog is None and cfg.proactivity is None
    assert cfg.media_resolution is None and cfg.speech_config is None
    assert cfg.response_modalities == [types.Modality.TEXT]  # the user's own choice is passed on
    assert setup_notices(replace(EVERYTHING_ON, model="gemini-9-live")) == plan.notices


def test_build_connect_config_is_the_plans_config() -> None:
    assert build_connect_config(EVERYTHING_ON) == plan_connect(EVERYTHING_ON).config
