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

DEFAULT_MODEL = "gemini-3.8-live"
"""The one place the default model id lives: the stable Live model since September 2026 (the model
catalog, :mod:`desktop_app.live.models`, says what it takes)."""

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
    """Everything a live session is opened with, as the user chose it (model-specific fields included).

    ``resume_handle`` is set only when reconnecting; everything else comes from settings. Callers need not
    check the options against the model: :func:`~desktop_app.live.connect_config.plan_connect` leaves out
    what the model refuses and says so.
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
    # Model-specific: connect_config sends each only where the model catalog says the model takes it.
    media_resolution: str | None = None  # "low" | "medium" | "high"; None = the model's default
    speech_language: str | None = None  # BCP-47, speech_config.language_code
    transcription_languages: tuple[str, ...] = ()  # BCP-47 hints for both transcriptions
    custom_vocabulary: tuple[str, ...] = ()  # words and names the transcription should expect
    affective_dialog: bool = False
    proactive_audio: bool = False
    thinking_level: str | None = None  # a level the model lists; None = the model's default
    thinking_budget: int | None = None  # tokens (0 = no thinking); None = dynamic
    include_thoughts: bool = False  # thought summaries

    def resuming(self, handle: str | None) -> SessionOptions:
        """A copy that resumes from ``handle`` (or starts fresh when None)."""
        return replace(self, resume_handle=handle)
