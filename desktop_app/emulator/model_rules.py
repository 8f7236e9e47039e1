"""What each Live model refuses in a setup, as the service documents it: the emulator's own table.

:func:`check_setup` raises :class:`~desktop_app.emulator.protocol_errors.WireError` (1007, the service's
INVALID_ARGUMENT close) for a setup the model refuses; the connection calls it right after the model id is
known. Like the rest of the emulator it shares nothing with ``desktop_app.live`` (whose catalog decides what
the app sends): a mistake in the app's catalog cannot hide behind the same mistake here.

Sources (``shared/research/models-and-tools-2026.md``): the ``gemini-3.8-live`` model page's "migrating from
Gemini 3.1 Flash Live" list (omit ``thinking_config``; ``proactive_audio: false`` returns an error; affective
dialog is removed), the model table (extended thinking: tools NON_BLOCKING only), and PatterAI/Patter PR #210
(3.1 never completes a setup with affective dialog; the emulator closes instead of hanging). The close
reasons are the emulator's wording: each names the field, so a client can say which setting was refused.
TEXT on native-audio models is checked by the connection (``EmulatorConfig.text_models``) and client content
on 3.1 by the simulated model (``ModelOptions.client_content_history_only``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop_app.emulator.parse import SetupRequest
from desktop_app.emulator.protocol_errors import invalid

__all__ = [
    "BACKGROUND_MODELS",
    "GEMINI_3_MODELS",
    "NO_THINKING_MODELS",
    "PROACTIVE_ALWAYS_MODELS",
    "check_setup",
]

NO_THINKING_MODELS = frozenset({"gemini-3.8-live"})
"""Models that refuse any ``thinkingConfig`` ("omit thinking_config / thinking_level on gemini-3.8-live")."""

GEMINI_3_MODELS = frozenset(
    {"gemini-3.8-live", "gemini-3.8-live-extended-thinking", "gemini-3.1-flash-live-preview"}
)
"""Models without affective dialog ("affective dialog is removed"; 3.1: Patter PR #210)."""

PROACTIVE_ALWAYS_MODELS = frozenset({"gemini-3.8-live", "gemini-3.8-live-extended-thinking"})
"""Models whose proactive audio is always on ("proactive_audio: false returns an error")."""

BACKGROUND_MODELS = frozenset({"gemini-3.8-live-extended-thinking"})
"""Models that keep working after ``turnComplete`` (``interactionStatus`` IN_PROGRESS, then IDLE) and take
NON_BLOCKING function declarations only."""


def check_setup(setup: SetupRequest) -> None:
    """Raise WireError (1007, naming the field) if ``setup.model_id`` refuses something in ``setup``."""
    model = setup.model_id
    raw: Mapping[str, Any] = setup.raw
    generation: Mapping[str, Any] = raw.get("generationConfig", {})
    name = f"models/{model}"
    if model in NO_THINKING_MODELS and "thinkingConfig" in generation:
        raise invalid(f"thinking_config is not supported by {name}: omit it.")
    if model in GEMINI_3_MODELS and "enableAffectiveDialog" in generation:
        raise invalid(f"enable_affective_dialog is not supported by {name}: remove it.")
    proactivity: Mapping[str, Any] = raw.get("proactivity", {})
    if model in PROACTIVE_ALWAYS_MODELS and proactivity.get("proactiveAudio") is False:
        raise invalid(f"proactivity.proactive_audio cannot be false on {name}: it is always on.")
    if model in BACKGROUND_MODELS:
        for tool in raw.get("tools", ()):
            for declaration in tool.get("functionDeclarations", ()):
                if declaration.get("behavior") == "BLOCKING":
                    raise invalid(f"function_declarations behavior must be NON_BLOCKING on {name}.")
