"""The voice catalog: every voice offered is described with the documentation's one word."""

from __future__ import annotations

from desktop_app.live.options import DEFAULT_VOICE, VOICES
from desktop_app.live.voices import VOICE_CHARACTER, voice_label


def test_every_offered_voice_has_its_documented_character() -> None:
    assert set(VOICE_CHARACTER) == set(VOICES)
    assert all(word and " " not in word for word in VOICE_CHARACTER.values())


def test_the_documented_words_for_the_best_known_voices() -> None:
    # ai.google.dev/gemini-api/docs/speech-generation#voices, "Voice options"
    assert {
        name: VOICE_CHARACTER[name]
        for name in ("Puck", "Charon", "Kore", "Fenrir", "Aoede", "Zephyr", "Leda", "Orus")
    } == {
        "Puck": "Upbeat",
        "Charon": "Informative",
        "Kore": "Firm",
        "Fenrir": "Excitable",
        "Aoede": "Breezy",
        "Zephyr": "Bright",
        "Leda": "Youthful",
        "Orus": "Firm",
    }


def test_labels_name_the_voice_then_its_character_and_mark_the_default() -> None:
    assert voice_label("Charon") == "Charon — Informative"
    assert voice_label(DEFAULT_VOICE) == f"{DEFAULT_VOICE} — {VOICE_CHARACTER[DEFAULT_VOICE]} (default)"
    assert voice_label("Custom") == "Custom"
