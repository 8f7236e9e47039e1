"""The prebuilt voices described as the Gemini documentation describes them: one word of character each.

The Gemini API's speech-generation guide ("Voice options", https://ai.google.dev/gemini-api/docs/speech-generation#voices)
lists the 30 prebuilt voices with a one-word character ("Zephyr -- Bright", "Puck -- Upbeat", …); the Live
API's native-audio models take the same ``voice_name`` values (:data:`~desktop_app.live.options.VOICES`).
A test checks that every voice offered has its word here, so a new voice cannot appear undescribed.

Pure data: the settings dialog shows ``voice_label(name)`` ("Puck — Upbeat") and keeps the bare name.
"""

from __future__ import annotations

from desktop_app.live.options import DEFAULT_VOICE

__all__ = ["PREVIEW_SENTENCE", "VOICE_CHARACTER", "voice_label"]

VOICE_CHARACTER: dict[str, str] = {
    "Zephyr": "Bright",
    "Puck": "Upbeat",
    "Charon": "Informative",
    "Kore": "Firm",
    "Fenrir": "Excitable",
    "Leda": "Youthful",
    "Orus": "Firm",
    "Aoede": "Breezy",
    "Callirrhoe": "Easy-going",
    "Autonoe": "Bright",
    "Enceladus": "Breathy",
    "Iapetus": "Clear",
    "Umbriel": "Easy-going",
    "Algieba": "Smooth",
    "Despina": "Smooth",
    "Erinome": "Clear",
    "Algenib": "Gravelly",
    "Rasalgethi": "Informative",
    "Laomedeia": "Upbeat",
    "Achernar": "Soft",
    "Alnilam": "Firm",
    "Schedar": "Even",
    "Gacrux": "Mature",
    "Pulcherrima": "Forward",
    "Achird": "Friendly",
    "Zubenelgenubi": "Casual",
    "Vindemiatrix": "Gentle",
    "Sadachbia": "Lively",
    "Sadaltager": "Knowledgeable",
    "Sulafat": "Warm",
}
"""Voice name → the documentation's one word for its character."""

PREVIEW_SENTENCE = "Hello! This is how I sound. Pick me if you like this voice."
"""What a voice preview asks the model to say (the model is told to say exactly this)."""


def voice_label(name: str) -> str:
    """``"Puck — Upbeat"``; the bare name for a voice without a description; "(default)" marks the default."""
    character = VOICE_CHARACTER.get(name)
    label = f"{name} — {character}" if character else name
    return f"{label} (default)" if name == DEFAULT_VOICE else label
