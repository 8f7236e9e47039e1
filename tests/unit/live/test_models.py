"""The model catalog: one entry per offered model, the documented differences, and options_for."""

from __future__ import annotations

from desktop_app.live.models import (
    CATALOG,
    DEFAULT_MODEL,
    ClientContent,
    FunctionCalls,
    Proactivity,
    ThinkingKind,
    model_spec,
    offered_models,
    options_for,
)
from desktop_app.live.options import VOICES

OFFERED = (
    "gemini-3.8-live",
    "gemini-3.8-live-extended-thinking",
    "gemini-3.1-flash-live-preview",
    "gemini-2.5-flash-native-audio-preview-12-2025",
    "gemini-2.5-flash-native-audio-preview-09-2025",
)


def test_the_catalog_offers_the_five_models_with_the_stable_one_first_and_default() -> None:
    assert DEFAULT_MODEL == "gemini-3.8-live"
    assert tuple(spec.id for spec in offered_models()) == OFFERED
    assert all(spec.name and spec.use_for and spec.known for spec in offered_models())


def test_the_documented_differences() -> None:
    live, extended = CATALOG["gemini-3.8-live"], CATALOG["gemini-3.8-live-extended-thinking"]
    flash31, native25 = CATALOG["gemini-3.1-flash-live-preview"], CATALOG[OFFERED[3]]
    assert live.thinking is ThinkingKind.NONE and live.proactivity is Proactivity.ALWAYS
    assert not live.affective_dialog and not flash31.affective_dialog and native25.affective_dialog
    assert live.function_calls is FunctionCalls.NON_BLOCKING_DEFAULT and live.scheduling
    assert extended.function_calls is FunctionCalls.NON_BLOCKING_ONLY and extended.background_work
    assert extended.thinking is ThinkingKind.LEVEL and extended.thinking_levels == ("low", "medium", "high")
    assert flash31.function_calls is FunctionCalls.BLOCKING_ONLY and not flash31.scheduling
    assert flash31.client_content is ClientContent.INITIAL_HISTORY
    assert live.client_content is ClientContent.WHOLE_SESSION
    assert native25.thinking is ThinkingKind.BUDGET and native25.proactivity is Proactivity.OPT_IN
    assert all(spec.native_audio and spec.voices == VOICES for spec in offered_models())
    assert all(0 < spec.compression_trigger_tokens < spec.context_tokens for spec in offered_models())
    assert all("placeholder" in spec.prices.source for spec in offered_models())  # labelled as such


def test_an_unknown_id_is_the_most_conservative_entry_under_its_own_name() -> None:
    spec = model_spec("models/gemini-9-live")
    assert (spec.id, spec.known) == ("gemini-9-live", False)
    assert spec.thinking is ThinkingKind.NONE and spec.proactivity is Proactivity.NONE
    assert spec.function_calls is FunctionCalls.BLOCKING_ONLY
    assert options_for("gemini-9-live") == {"response_modality"}
    assert model_spec("models/gemini-3.8-live") is CATALOG["gemini-3.8-live"]


def test_options_for_names_only_what_each_model_takes() -> None:
    assert options_for("gemini-3.8-live") == {
        "media_resolution", "speech_language", "transcription_languages", "custom_vocabulary",
    }  # fmt: skip
    assert options_for("gemini-3.8-live-extended-thinking") == options_for("gemini-3.8-live") | {
        "thinking_level", "include_thoughts",
    }  # fmt: skip
    assert options_for(OFFERED[3]) == {
        "thinking_budget", "include_thoughts", "affective_dialog", "proactive_audio", "media_resolution",
        "transcription_languages",
    }  # fmt: skip


def test_every_option_name_is_a_setting() -> None:
    from dataclasses import fields

    from desktop_app.config import Settings

    names = {f.name for f in fields(Settings)}
    for model in (*OFFERED, "gemini-9-live"):
        assert options_for(model) <= names
