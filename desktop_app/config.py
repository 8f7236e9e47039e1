"""Typed settings, loaded in layers: defaults → settings file → environment → command-line flags.

The settings file is JSON at ``<user config dir>/settings.json`` (platformdirs; ``GLD_CONFIG_DIR`` overrides
the directory). Environment variables are ``GLD_<FIELD>`` (e.g. ``GLD_MODEL``), plus ``GEMINI_API_KEY`` /
``GOOGLE_API_KEY`` for the key. Flags arrive as a dict of field → value from the CLI.

The API key is a secret: it is never written by :func:`save_settings` and never shown by ``repr``.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from desktop_app.config_rules import validate
from desktop_app.core.errors import ConfigError
from desktop_app.live.options import DEFAULT_MODEL, DEFAULT_VOICE, VOICES, canonical_voice

__all__ = [
    "APP_NAME",
    "NEW_SESSION_SECTIONS",
    "Section",
    "Settings",
    "changed_fields",
    "changed_sections",
    "config_dir",
    "load_settings",
    "save_settings",
    "section_of",
    "settings_path",
]

log = logging.getLogger(__name__)

APP_NAME = "gemini-live-desktop"
_SECRET_FIELDS = frozenset({"api_key"})
_SECTION = "section"


class Section(enum.StrEnum):
    """Which part of the running program a setting belongs to: a change restarts (or reconfigures) only it.

    Every :class:`Settings` field names its section where it is declared; :func:`changed_sections` is the one
    place that compares two settings.
    """

    BACKEND = "backend"  # Gemini or the emulator, and the key: restart the backend and the session
    SESSION = "session"  # what the live session is opened with: open a new session
    AUDIO = "audio"  # devices and processing: reopen the microphone and speaker
    VOLUME = "volume"  # the speaker's gain: applied at once
    VIDEO_SOURCE = "video_source"  # which camera or screen: switch the source
    VIDEO = "video"  # frame rate, size and quality: reconfigure the running vision pump
    RELAY = "relay"  # where the browser relay listens: restart the relay
    HISTORY = "history"  # the history file and the recording
    ESTIMATE = "estimate"  # prices for the cost estimate: applied at once, nothing restarts
    TOOLS = "tools"  # tools, their policies and MCP servers: reload the tool service
    DESKTOP = "desktop"  # tray, overlay, global shortcuts, autostart: the window applies them, no service


NEW_SESSION_SECTIONS = frozenset({Section.BACKEND, Section.SESSION})
"""A change in any of these needs a new live session."""


def _in(section: Section, default: Any) -> Any:
    """A dataclass field with ``default`` that belongs to ``section``."""
    return field(default=default, metadata={_SECTION: section})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the user can set. Field names double as ``GLD_*`` variables and JSON keys."""

    # backend: a change restarts the backend (and so the session)
    backend: str = _in(Section.BACKEND, "auto")  # auto | gemini | emulator
    api_key: str | None = field(default=None, repr=False, metadata={_SECTION: Section.BACKEND})
    emulator_pace: float = _in(Section.BACKEND, 1.0)
    # session: a change opens a new live session
    model: str = _in(Section.SESSION, DEFAULT_MODEL)
    voice: str = _in(Section.SESSION, DEFAULT_VOICE)
    response_modality: str = _in(Section.SESSION, "AUDIO")  # AUDIO | TEXT
    system_instruction: str = _in(Section.SESSION, "")
    input_transcription: bool = _in(Section.SESSION, True)
    output_transcription: bool = _in(Section.SESSION, True)
    vad_start_sensitivity: str = _in(Section.SESSION, "high")  # high | low
    vad_end_sensitivity: str = _in(Section.SESSION, "high")
    vad_silence_ms: int = _in(Section.SESSION, 500)
    vad_prefix_padding_ms: int = _in(Section.SESSION, 20)
    push_to_talk: bool = _in(Section.SESSION, False)  # the session opens with activity detection off
    # model-specific (live/models.py options_for says which the model takes; the rest are left out)
    media_resolution: str = _in(Section.SESSION, "")  # "" (model default) | low | medium | high
    speech_language: str = _in(Section.SESSION, "")  # BCP-47, e.g. "de-DE"; "" = the model chooses
    transcription_languages: tuple[str, ...] = _in(Section.SESSION, ())  # BCP-47 hints
    custom_vocabulary: tuple[str, ...] = _in(Section.SESSION, ())  # names and terms to expect
    affective_dialog: bool = _in(Section.SESSION, False)
    proactive_audio: bool = _in(Section.SESSION, False)  # opt-in on 2.5; always on for 3.8
    thinking_level: str = _in(Section.SESSION, "")  # "" (model default) | minimal | low | medium | high
    thinking_budget: int = _in(Section.SESSION, -1)  # tokens; -1 = dynamic, 0 = no thinking
    include_thoughts: bool = _in(Section.SESSION, False)  # thought summaries, shown collapsed
    # cost estimate: US$ per million tokens; None = the model catalog's figures
    price_input_per_mtok: float | None = _in(Section.ESTIMATE, None)
    price_output_per_mtok: float | None = _in(Section.ESTIMATE, None)
    # audio devices: a change reopens the microphone and speaker
    input_device: str | None = _in(Section.AUDIO, None)
    output_device: str | None = _in(Section.AUDIO, None)
    block_ms: int = _in(Section.AUDIO, 20)
    echo_cancellation: bool = _in(Section.AUDIO, True)
    noise_suppression: bool = _in(Section.AUDIO, True)
    local_barge_in: bool = _in(Section.AUDIO, True)  # duck the model's voice when the user talks over it
    # volume: applied at once, nothing reopens
    output_volume: float = _in(Section.VOLUME, 1.0)
    # video source: a change switches the camera or screen
    video_source: str | None = _in(Section.VIDEO_SOURCE, None)
    # video encoding: a change reconfigures the running vision pump
    video_fps: float = _in(Section.VIDEO, 1.0)
    video_max_side: int = _in(Section.VIDEO, 1024)
    video_jpeg_quality: int = _in(Section.VIDEO, 75)
    video_speech_aware: bool = _in(Section.VIDEO, False)  # video_fps while the user speaks, 0.2 when silent
    video_masks: tuple[str, ...] = _in(Section.VIDEO, ())  # "camera 0: L T W H" (fractions): core/masks.py
    # relay: a change restarts the local relay
    relay_host: str = _in(Section.RELAY, "127.0.0.1")
    relay_port: int = _in(Section.RELAY, 9080)
    relay_allow_origins: tuple[str, ...] = _in(Section.RELAY, ())
    # history
    history: bool = _in(Section.HISTORY, True)
    record_audio: bool = _in(Section.HISTORY, False)  # both sides to a two-channel WAV by the history
    # tools: a change reloads the tool service (a changed set of tools is declared by the next session)
    tools_enabled: bool = _in(Section.TOOLS, True)
    tool_policies: tuple[str, ...] = _in(Section.TOOLS, ())  # "NAME=allow|ask|deny": tools/policy.py
    tool_consent_timeout_s: float = _in(Section.TOOLS, 30.0)  # no answer on a consent card = deny
    google_search: bool = _in(Section.TOOLS, True)  # googleSearch grounding, on models the catalog offers it
    mcp_servers: str = _in(Section.TOOLS, "")  # the mcpServers JSON of other MCP clients: tools/mcp_config.py
    # what browser (relay) sessions may use: "google_search" and local tool names: relay/page_tools.py
    browser_tools: tuple[str, ...] = _in(Section.TOOLS, ("google_search",))
    # desktop presence: the window applies these itself (ui/desktop_presence.py); no service restarts
    global_shortcuts: bool = _in(Section.DESKTOP, True)
    talk_shortcut: str = _in(Section.DESKTOP, "Ctrl+Alt+Space")  # held: push-to-talk from any app
    mute_shortcut: str = _in(Section.DESKTOP, "Ctrl+Alt+M")  # pressed: toggle mute from any app
    close_to_tray: bool = _in(Section.DESKTOP, False)  # closing the window hides it (when a tray exists)
    caption_overlay: bool = _in(Section.DESKTOP, False)  # the click-through caption overlay is shown
    autostart: bool = _in(Section.DESKTOP, False)  # an XDG autostart entry starts the app with the session
    # the window starts idle (no session, nothing sent) until "Start talking", a typed message, the camera
    # or a share; True: it connects and listens at launch, as headless live mode does (GLD_LISTEN_AT_LAUNCH)
    listen_at_launch: bool = _in(Section.DESKTOP, False)

    def __post_init__(self) -> None:
        validate(self)
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


def section_of(name: str) -> Section:
    """The section of the field called ``name`` (KeyError for a name that is not a setting)."""
    return _SECTIONS[name]


def changed_fields(old: Settings, new: Settings) -> frozenset[str]:
    """The names of the settings whose values differ: the one diff every caller uses."""
    return frozenset(f.name for f in fields(Settings) if getattr(old, f.name) != getattr(new, f.name))


def changed_sections(old: Settings, new: Settings) -> frozenset[Section]:
    """The sections with at least one changed setting: what must restart or be reconfigured."""
    return frozenset(_SECTIONS[name] for name in changed_fields(old, new))


_HINTS = typing.get_type_hints(Settings)
_SECTIONS: dict[str, Section] = {f.name: f.metadata[_SECTION] for f in fields(Settings)}


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
    """The file's settings. Raises ConfigError when the file cannot be used as a whole (unreadable, not
    JSON, not an object, an unknown setting, or a value that is malformed or out of range)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"The settings file {path} cannot be read: {exc}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The settings file {path} must hold a JSON object.")
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"The settings file {path} has unknown settings: {', '.join(unknown)}.")
    values = {name: _coerce(name, value) for name, value in data.items()}
    Settings(**values)  # the file's values on their own: a range or combination error is the file's
    return values


def _set_aside(path: Path, problem: ConfigError) -> str:
    """Move an unusable settings file to ``settings.json.corrupt-<UTC time>``; returns the notice."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        os.replace(path, aside)
    except OSError as exc:
        moved = f"It could not be moved aside ({exc}); it is left as it is."
    else:
        moved = f"It was moved to {aside}; your saved settings can be copied back from there."
    return f"{problem} Default settings are used instead. {moved}"


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
    notices: list[str] | None = None,
) -> Settings:
    """Defaults, then the settings file, then the environment, then ``overrides`` (CLI flags).

    A settings file that cannot be used (unreadable, not JSON, an unknown setting, a bad value) does not
    stop the program: it is moved aside to ``settings.json.corrupt-<UTC time>``, defaults take its place,
    and a sentence saying so is appended to ``notices`` (and logged). The caller must show the notices to
    the user (the window as notices, headless on stderr).

    Raises:
        ConfigError: a value from the environment or ``overrides`` is malformed or out of range.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    file = path or settings_path(env)
    try:
        values.update(_from_file(file))
    except ConfigError as problem:
        notice = _set_aside(file, problem)
        if notices is None:
            log.warning("%s", notice)  # no caller shows it: the log is where the user will look
        else:
            log.info("%s", notice)  # the caller shows it (stderr, the window): said once, not twice
            notices.append(notice)
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
