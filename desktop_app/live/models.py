"""The model catalog: what each Live model we offer accepts, in one table. Pure data, no I/O, no Qt.

Every per-model decision in the program reads this table: the connect-config builder
(:mod:`desktop_app.live.connect_config`) leaves out what a model refuses, the settings dialog shows only
:func:`options_for`, and :mod:`desktop_app.live.usage` takes prices and the compression trigger from it.

Facts come from ``shared/research/models-and-tools-2026.md`` (the ``gemini-3.8-live`` model page and its
"migrating from Gemini 3.1 Flash Live" list, the Live capabilities guide's 2026 table) and
``research/protocol.md`` §2.4, §2.10, §2.11. Entries marked *unverified* had no source: the conservative
choice was taken. An id that is not in the table gets :data:`UNKNOWN_MODEL`, the most conservative entry.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from desktop_app.live.options import DEFAULT_MODEL, VOICES

__all__ = [
    "CATALOG",
    "DEFAULT_MODEL",
    "OPTION_LABELS",
    "UNKNOWN_MODEL",
    "ClientContent",
    "FunctionCalls",
    "ModelSpec",
    "Prices",
    "Proactivity",
    "ThinkingKind",
    "model_spec",
    "offered_models",
    "options_for",
    "unknown_model_notice",
]


class ThinkingKind(enum.StrEnum):
    NONE = "none"  # no thinking_config at all (gemini-3.8-live refuses one)
    LEVEL = "level"  # thinking_config.thinking_level
    BUDGET = "budget"  # thinking_config.thinking_budget (2.5: dynamic by default, 0 turns it off)


class Proactivity(enum.StrEnum):
    NONE = "none"  # proactivity is not sent
    OPT_IN = "opt_in"  # proactivity.proactive_audio=true when the user asks (2.5)
    ALWAYS = "always"  # always on; proactive_audio=false is an error, so proactivity is never sent (3.8)


class FunctionCalls(enum.StrEnum):
    NON_BLOCKING_DEFAULT = "non_blocking_default"  # async by default; BLOCKING per declaration; scheduling
    NON_BLOCKING_ONLY = "non_blocking_only"  # extended thinking: tools run in the background only
    BLOCKING_ONLY = "blocking_only"  # 3.1: the model waits for every answer; no scheduling
    BLOCKING_DEFAULT = "blocking_default"  # 2.5: blocking unless a declaration says NON_BLOCKING


class ClientContent(enum.StrEnum):
    WHOLE_SESSION = "whole_session"  # send_client_content works at any time
    INITIAL_HISTORY = "initial_history"  # only to seed history, before any realtime input (3.1)


@dataclass(frozen=True, slots=True)
class Prices:
    """US dollars per million tokens, for an *estimate* only. Edit here, or override in settings
    (``price_input_per_mtok`` / ``price_output_per_mtok``). Thought tokens are billed as output."""

    input_text: float
    input_audio: float
    input_video: float
    output_text: float
    output_audio: float
    source: str  # where the numbers come from


_PLACEHOLDER = "placeholder figures, not from a price list: edit desktop_app/live/models.py or set the prices"
_PRICES_3 = Prices(0.75, 3.00, 1.00, 4.50, 12.00, _PLACEHOLDER)
_PRICES_25 = Prices(0.50, 3.00, 3.00, 2.00, 12.00, _PLACEHOLDER)

_CONTEXT_TOKENS = 131_072  # model pages: 131,072 input tokens (3.8 and 2.5 native audio)
_TRIGGER = _CONTEXT_TOKENS * 8 // 10  # the service's default compression trigger: 80 % of the context


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model as the program treats it. Read it; never branch on a model id elsewhere."""

    id: str
    name: str  # shown to people
    use_for: str  # one line: pick this model when …
    native_audio: bool = True  # answers only in speech: TEXT modality is refused
    thinking: ThinkingKind = ThinkingKind.NONE
    thinking_levels: tuple[str, ...] = ()
    thought_summaries: bool = False  # thinking_config.include_thoughts
    affective_dialog: bool = False
    proactivity: Proactivity = Proactivity.NONE
    function_calls: FunctionCalls = FunctionCalls.BLOCKING_ONLY
    client_content: ClientContent = ClientContent.INITIAL_HISTORY
    media_resolution: bool = False
    speech_language: bool = False  # speech_config.language_code
    transcription_languages: bool = False  # AudioTranscriptionConfig.language_codes
    custom_vocabulary: bool = False  # AudioTranscriptionConfig.custom_vocabulary
    background_work: bool = False  # turn_complete is not "done": follow interaction_status
    cumulative_usage: bool = False  # usage_metadata counts the session so far (else this turn only)
    voices: tuple[str, ...] = VOICES
    context_tokens: int = _CONTEXT_TOKENS
    compression_trigger_tokens: int = _TRIGGER
    prices: Prices = _PRICES_3
    known: bool = True  # False for UNKNOWN_MODEL's copies

    @property
    def scheduling(self) -> bool:
        """Whether function responses take ``scheduling`` (SILENT / WHEN_IDLE / INTERRUPT)."""
        return self.function_calls is not FunctionCalls.BLOCKING_ONLY


_GEMINI_3_8 = ModelSpec(
    id="gemini-3.8-live",
    name="Gemini 3.8 Live",
    use_for="everyday voice and video conversations: the stable model, fast, tools run in the background",
    proactivity=Proactivity.ALWAYS,
    function_calls=FunctionCalls.NON_BLOCKING_DEFAULT,
    client_content=ClientContent.WHOLE_SESSION,
    media_resolution=True,
    speech_language=True,  # unverified
    transcription_languages=True,  # unverified
    custom_vocabulary=True,  # unverified
)

CATALOG: dict[str, ModelSpec] = {
    spec.id: spec
    for spec in (
        _GEMINI_3_8,
        replace(
            _GEMINI_3_8,
            id="gemini-3.8-live-extended-thinking",
            name="Gemini 3.8 Live, extended thinking",
            use_for="hard questions and multi-step tool work: it keeps working after it stops talking",
            thinking=ThinkingKind.LEVEL,
            thinking_levels=("low", "medium", "high"),
            thought_summaries=True,
            function_calls=FunctionCalls.NON_BLOCKING_ONLY,
            background_work=True,
        ),
        ModelSpec(
            id="gemini-3.1-flash-live-preview",
            name="Gemini 3.1 Flash Live (preview)",
            use_for="legacy preview: only if a script or a tool needs the blocking function calls of 3.1",
            thinking=ThinkingKind.LEVEL,
            thinking_levels=("minimal", "low", "medium", "high"),  # GUIDE 2026: default minimal
            thought_summaries=True,
            media_resolution=True,
            speech_language=True,  # unverified
            transcription_languages=True,  # unverified
            custom_vocabulary=True,  # unverified
        ),
        *(
            ModelSpec(
                id=f"gemini-2.5-flash-native-audio-preview-{month}",
                name=f"Gemini 2.5 Flash native audio (preview {month})",
                use_for="expressive speech: affective dialog and opt-in proactive audio, thinking by budget",
                thinking=ThinkingKind.BUDGET,
                thought_summaries=True,
                affective_dialog=True,
                proactivity=Proactivity.OPT_IN,
                function_calls=FunctionCalls.BLOCKING_DEFAULT,
                client_content=ClientContent.WHOLE_SESSION,
                media_resolution=True,
                transcription_languages=True,  # unverified; native audio picks the speech language itself
                prices=_PRICES_25,
            )
            for month in ("12-2025", "09-2025")
        ),
    )
}
"""The models offered, in the order a list shows them (the default first)."""

UNKNOWN_MODEL = ModelSpec(
    id="",
    name="Unknown model",
    use_for="a model id this version does not know: only the settings every model takes are sent",
    native_audio=False,  # the user's reply modality is passed on: some non-catalog models answer in text
    known=False,
)
"""The most conservative entry: no thinking, affective dialog, proactivity, media resolution or languages;
blocking tools; client content only as initial history."""

assert DEFAULT_MODEL in CATALOG


def model_spec(model_id: str) -> ModelSpec:
    """The catalog entry for ``model_id`` (a ``models/`` prefix is ignored), or a copy of
    :data:`UNKNOWN_MODEL` named ``model_id`` (its ``known`` is False: show :func:`unknown_model_notice`)."""
    bare = model_id.strip().removeprefix("models/")
    spec = CATALOG.get(bare)
    return spec if spec is not None else replace(UNKNOWN_MODEL, id=bare, name=bare)


def offered_models() -> tuple[ModelSpec, ...]:
    """The catalog entries in display order, the default first."""
    return tuple(CATALOG.values())


def unknown_model_notice(model_id: str) -> str:
    """The one-line notice for a model id the catalog does not know."""
    return (
        f"{model_id} is not in this version's model list, so only the settings every model takes are sent "
        "(no thinking, affective dialog, proactive audio, media resolution or language settings)."
    )


def options_for(model_id: str) -> frozenset[str]:
    """The names of the :class:`~desktop_app.config.Settings` fields that ``model_id`` takes, beyond those
    every model takes (voice, system instruction, transcription on/off, activity detection). Qt-free: the
    settings dialog shows a model-specific option only when its name is in this set."""
    spec = model_spec(model_id)
    names: set[str] = set()
    if not spec.native_audio:
        names.add("response_modality")
    if spec.thinking is ThinkingKind.LEVEL:
        names.add("thinking_level")
    if spec.thinking is ThinkingKind.BUDGET:
        names.add("thinking_budget")
    if spec.thought_summaries:
        names.add("include_thoughts")
    if spec.affective_dialog:
        names.add("affective_dialog")
    if spec.proactivity is Proactivity.OPT_IN:
        names.add("proactive_audio")
    flags = {
        "media_resolution": spec.media_resolution,
        "speech_language": spec.speech_language,
        "transcription_languages": spec.transcription_languages,
        "custom_vocabulary": spec.custom_vocabulary,
    }
    names.update(name for name, on in flags.items() if on)
    return frozenset(names)


OPTION_LABELS: dict[str, str] = {
    "response_modality": "text replies (TEXT modality)",
    "voice": "voice",
    "speech_language": "speech language",
    "media_resolution": "media resolution",
    "transcription_languages": "transcription language",
    "custom_vocabulary": "custom vocabulary",
    "affective_dialog": "affective dialog",
    "proactive_audio": "proactive audio",
    "thinking_level": "thinking level",
    "thinking_budget": "thinking budget",
    "include_thoughts": "thought summaries",
}
"""What each model-specific option is called in sentences people read (notices and errors)."""
