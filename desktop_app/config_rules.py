"""The rules a :class:`~desktop_app.config.Settings` value must keep: choices, ranges and parsable entries.

:func:`validate` runs when a Settings is built; it raises :class:`~desktop_app.core.errors.ConfigError` with a
sentence naming the setting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_app.core.errors import ConfigError
from desktop_app.core.masks import parse_mask_entry
from desktop_app.tools.mcp_config import parse_mcp_servers
from desktop_app.tools.policy import parse_policy_entries

if TYPE_CHECKING:
    from desktop_app.config import Settings

__all__ = ["validate"]


def validate(s: Settings) -> None:
    """Raise ConfigError for the first setting that breaks a rule."""
    choices = {
        "backend": ("auto", "gemini", "emulator"),
        "response_modality": ("AUDIO", "TEXT"),
        "vad_start_sensitivity": ("high", "low"),
        "vad_end_sensitivity": ("high", "low"),
        "media_resolution": ("", "low", "medium", "high"),
        "thinking_level": ("", "minimal", "low", "medium", "high"),
    }
    for name, allowed in choices.items():
        if getattr(s, name) not in allowed:
            raise ConfigError(f"Setting {name} must be one of {', '.join(allowed)}.")
    ranges: dict[str, tuple[float, float]] = {
        "block_ms": (10, 100),
        "output_volume": (0.0, 2.0),
        "video_fps": (0.2, 2.0),
        "video_max_side": (64, 4096),
        "video_jpeg_quality": (10, 100),
        "relay_port": (0, 65535),
        "vad_silence_ms": (0, 10_000),
        "vad_prefix_padding_ms": (0, 5_000),
        "emulator_pace": (0.0, 100.0),
        "thinking_budget": (-1, 32_768),
        "tool_consent_timeout_s": (5.0, 600.0),
    }
    for name, (low, high) in ranges.items():
        value = getattr(s, name)
        if not low <= value <= high:
            raise ConfigError(f"Setting {name}={value} is out of range ({low:g}–{high:g}).")
    for entry in s.video_masks:
        parse_mask_entry(entry)
    for name in ("price_input_per_mtok", "price_output_per_mtok"):
        price = getattr(s, name)
        if price is not None and not 0 <= price <= 1_000:
            raise ConfigError(f"Setting {name}={price} is out of range (0–1000 US$ per million tokens).")
    parse_policy_entries(s.tool_policies)
    parse_mcp_servers(s.mcp_servers)
