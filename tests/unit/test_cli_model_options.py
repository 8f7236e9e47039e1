"""The model-option flags become settings (and are absent when not given, so saved settings stay)."""

from __future__ import annotations

from desktop_app.cli import _overrides, build_parser
from desktop_app.config import load_settings


def test_model_option_flags_become_settings(tmp_path: object) -> None:
    args = build_parser().parse_args(
        [
            "--media-resolution", "low", "--speech-language", "de-DE",
            "--transcription-languages", "de-DE,en-US", "--custom-vocabulary", "Gemini,PySide6",
            "--thinking-level", "high", "--thinking-budget", "0",
            "--affective-dialog", "--proactive-audio", "--include-thoughts",
        ]
    )  # fmt: skip
    settings = load_settings(_overrides(args), env={"GLD_CONFIG_DIR": str(tmp_path)})
    assert settings.media_resolution == "low" and settings.speech_language == "de-DE"
    assert settings.transcription_languages == ("de-DE", "en-US")
    assert settings.custom_vocabulary == ("Gemini", "PySide6")
    assert (settings.thinking_level, settings.thinking_budget) == ("high", 0)
    assert settings.affective_dialog and settings.proactive_audio and settings.include_thoughts


def test_without_the_flags_nothing_is_overridden() -> None:
    overrides = _overrides(build_parser().parse_args([]))
    for name in ("media_resolution", "thinking_level", "affective_dialog", "include_thoughts"):
        assert name not in overrides
