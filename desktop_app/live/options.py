"""What a live session is opened with: everything the caller may choose, in one frozen value.

The composition root builds :class:`SessionOptions` from the user's settings; the relay builds one per browser
from the whitelisted part of the browser's setup. :mod:`desktop_app.live.connect_config` turns it into
the SDK's ``LiveConnectConfig``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_VOICE",
    "VOICES",
    "Modality",
    "SessionOptions",
    "VadOptions",
    "canonical_voice",
]

DEFAULT_MODEL = "gemini-2.5-flash-native-audio-preview-12-2025"
"""The one place the default model id lives (a current native-audio Live model; see DESIGN.md §5)."""

DEFAULT_VOICE = "Puck"

VOICES = (
    "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe",
    "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi",
    "Laomedeia", "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird",
    "Zubenelgenubi", "Vindemiatrix", "Sadachbia", "Sadaltager", "Sulafat",
)  # fmt: skip
"""The prebuilt voices native-audio models offer."""

_VOICES_BY_FOLDED_NAME = {v.casefold(): v for v in VOICES}


def canonical_voice(name: str) -> str | None:
    """The voice in :data:`VOICES` that ``name`` spells in any case (``"kore"`` → ``"Kore"``), else None."""
    return _VOICES_BY_FOLDED_NAME.get(name.strip().casefold())


class Modality(enum.StrEnum):
    AUDIO = "AUDIO"
    TEXT = "TEXT"


@dataclass(frozen=True, slots=True)
class VadOptions:
    """Server-side activity detection. ``sensitivity`` values are ``"high"`` or ``"low"``."""

    disabled: bool = False
    start_sensitivity: str = "high"
    end_sensitivity: str = "high"
    prefix_padding_ms: int = 20
    silence_duration_ms: int = 500
    interrupt_on_speech: bool = True


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """Everything a live session is opened with.

    ``resume_handle`` is set only when reconnecting; everything else comes from settings.
    """

    model: str = DEFAULT_MODEL
    modality: Modality = Modality.AUDIO
    voice: str | None = DEFAULT_VOICE
    system_instruction: str | None = None
    input_transcription: bool = True
    output_transcription: bool = True
    context_compression: bool = True
    compression_trigger_tokens: int | None = None
    session_resumption: bool = True
    resume_handle: str | None = None
    vad: VadOptions = VadOptions()

    def resuming(self, handle: str | None) -> SessionOptions:
        """A copy that resumes from ``handle`` (or starts fresh when None)."""
        return replace(self, resume_handle=handle)
