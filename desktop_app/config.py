"""Typed settings, loaded in layers: defaults → settings file → environment → command-line flags.

The settings file is JSON at ``<user config dir>/settings.json`` (platformdirs; ``GLD_CONFIG_DIR`` overrides
the directory). Environment variables are ``GLD_<FIELD>`` (e.g. ``GLD_MODEL``), plus ``GEMINI_API_KEY`` /
``GOOGLE_API_KEY`` for the key. Flags arrive as a dict of field → value from the CLI.

The API key is a secret: it is never written by :func:`save_settings` and never shown by ``repr``.
"""

from __future__ import annotations

import json
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from desktop_app.core.errors import ConfigError
from desktop_app.live.options import DEFAULT_MODEL, DEFAULT_VOICE, VOICES, canonical_voice

__all__ = [
    "APP_NAME",
    "Settings",
    "config_dir",
    "load_settings",
    "save_settings",
    "settings_path",
]

APP_NAME = "gemini-live-desktop"
_SECRET_FIELDS = frozenset({"api_key"})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the user can set. Field names double as ``GLD_*`` variables and JSON keys."""

    # backend and model
    backend: str = "auto"  # auto | gemini | emulator
    api_key: str | None = field(default=None, repr=False)
    model: str = DEFAULT_MODEL
    voice: str = DEFAULT_VOICE
    response_modality: str = "AUDIO"  # AUDIO | TEXT
    system_instruction: str = ""
    input_transcription: bool = True
    output_transcription: bool = True
    vad_start_sensitivity: str = "high"  # high | low
    vad_end_sensitivity: str = "high"
    vad_silence_ms: int = 500
    vad_prefix_padding_ms: int = 20
    # audio
    input_device: str | None = None
    output_device: str | None = None
    block_ms: int = 20
    echo_cancellation: bool = True
    noise_suppression: bool = True
    output_volume: float = 1.0
    # video
    video_source: str | None = None
    video_fps: float = 1.0
    video_max_side: int = 1024
    video_jpeg_quality: int = 75
    # relay
    relay_host: str = "127.0.0.1"
    relay_port: int = 9080
    relay_allow_origins: tuple[str, ...] = ()
    # emulator
    emulator_pace: float = 1.0
    # history
    history: bool = True
    record_audio: bool = False  # both sides to a two-channel WAV next to the session's history file

    def __post_init__(self) -> None:
        _validate(self)
        voice = canonical_voice(self.voice)
        if voice is None:
            raise ConfigError(
                f"Setting voice={self.voice!r} is not a Gemini voice; choose one of {', '.join(VOICES)}."
            )
        object.__setattr__(self, "voice", voice)  # the API's own spelling

    def public_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values, without secrets."""
        out = {}
        for f in fields(self):
            if f.name in _SECRET_FIELDS:
                continue
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def _validate(s: Settings) -> None:
    choices = {
        "backend": ("auto", "gemini", "emulator"),
        "response_modality": ("AUDIO", "TEXT"),
        "vad_start_sensitivity": ("high", "low"),
        "vad_end_sensitivity": ("high", "low"),
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
    }
    for name, (low, high) in ranges.items():
        value = getattr(s, name)
        if not low <= value <= high:
            raise ConfigError(f"Setting {name}={value} is out of range ({low:g}–{high:g}).")


_HINTS = typing.get_type_hints(Settings)


def _coerce(name: str, raw: Any) -> Any:
    """Convert a JSON or string value to the declared type of field ``name``."""
    hint = _HINTS[name]
    optional = isinstance(hint, types.UnionType) and type(None) in typing.get_args(hint)
    base = next(a for a in typing.get_args(hint) if a is not type(None)) if optional else hint
    if raw is None or (optional and isinstance(raw, str) and raw.strip() == ""):
        if optional:
            return None
        raise ConfigError(f"Setting {name} needs a value.")
    try:
        if base is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if base is int:
            if isinstance(raw, bool):
                raise ValueError(raw)
            return int(raw)
        if base is float:
            return float(raw)
        if base is str:
            return str(raw)
        if typing.get_origin(base) is tuple:
            items = raw.split(",") if isinstance(raw, str) else list(raw)
            return tuple(str(i).strip() for i in items if str(i).strip())
    except (TypeError, ValueError):
        raise ConfigError(f"Setting {name} has a bad value: {raw!r}.") from None
    raise ConfigError(f"Setting {name} has an unsupported type.")  # pragma: no cover


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """The directory that holds settings.json (``GLD_CONFIG_DIR`` overrides)."""
    env = os.environ if env is None else env
    override = env.get("GLD_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def settings_path(env: Mapping[str, str] | None = None) -> Path:
    return config_dir(env) / "settings.json"


def _from_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"The settings file {path} cannot be read: {exc}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The settings file {path} must hold a JSON object.")
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"The settings file {path} has unknown settings: {', '.join(unknown)}.")
    return {name: _coerce(name, value) for name, value in data.items()}


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f"GLD_{f.name.upper()}")
        if raw is not None:
            values[f.name] = _coerce(f.name, raw)
    key = env.get("GEMINI_API_KEY") or env.get("GOOGLE_API_KEY")
    if key and key.strip():
        values["api_key"] = key.strip()
    return values


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Defaults, then the settings file, then the environment, then ``overrides`` (CLI flags).

    Raises:
        ConfigError: a value is malformed or out of range, or the file is unreadable.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    values.update(_from_file(path or settings_path(env)))
    values.update(_from_env(env))
    for name, raw in (overrides or {}).items():
        if raw is not None:
            values[name] = _coerce(name, raw)
    return Settings(**values)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the non-secret settings atomically; returns the path written."""
    target = path or settings_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(settings.public_dict(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """A copy of ``settings`` with typed ``changes`` applied and validated."""
    return replace(settings, **changes)
