"""Decoding the browser's ``setup`` message: validate it and keep only the whitelisted fields.

Pure: returns a :class:`~desktop_app.relay.messages.BrowserSetup` or a
:class:`~desktop_app.relay.messages.ProtocolError` (``invalid_setup``), never raises on bad input. The
model, key and tools stay the relay's; fields it chooses itself are listed in ``BrowserSetup.ignored``.
"""

from __future__ import annotations

from typing import Final

from desktop_app.live.options import VOICES, Modality, canonical_voice
from desktop_app.relay.json_fields import short, snake_fields
from desktop_app.relay.messages import BrowserSetup, ErrorCode, ProtocolError

__all__ = ["MAX_SYSTEM_INSTRUCTION_CHARS", "decode_setup"]

MAX_SYSTEM_INSTRUCTION_CHARS: Final = 32_000

_SETUP_FIELDS: Final = frozenset(
    {
        "generation_config",
        "system_instruction",
        "speech_config",
        "input_audio_transcription",
        "output_audio_transcription",
    }
)
_GENERATION_FIELDS: Final = frozenset({"response_modalities", "speech_config"})


def decode_setup(body: object) -> BrowserSetup | ProtocolError:
    """Validate and whitelist the browser's ``setup`` body (the model and key stay the relay's)."""
    if not isinstance(body, dict):
        return _invalid_setup("'setup' must be an object.")
    fields = snake_fields(body)
    ignored = [name for name in fields if name not in _SETUP_FIELDS]

    modality = Modality.AUDIO
    voice: str | None = None
    speech: list[tuple[str, object]] = []  # (where, speech_config) in the order they apply
    gen = fields.get("generation_config")
    if gen is not None:
        if not isinstance(gen, dict):
            return _invalid_setup("'setup.generation_config' must be an object.")
        gen_fields = snake_fields(gen)
        ignored += [f"generation_config.{n}" for n in gen_fields if n not in _GENERATION_FIELDS]
        mod = _decode_modalities(gen_fields.get("response_modalities"))
        if isinstance(mod, ProtocolError):
            return mod
        modality = mod
        speech.append(("generation_config.", gen_fields.get("speech_config")))
    speech.append(("", fields.get("speech_config")))  # the top-level one wins
    for prefix, config in speech:
        if config is not None:
            got = _decode_speech_config(config, prefix)
            if isinstance(got, ProtocolError):
                return got
            voice, more_ignored = got
            ignored += more_ignored

    instruction = _decode_system_instruction(fields.get("system_instruction"))
    if isinstance(instruction, ProtocolError):
        return instruction

    flags: list[bool | None] = []
    for name in ("input_audio_transcription", "output_audio_transcription"):
        flag = _decode_switch(fields.get(name, None), name, present=name in fields)
        if isinstance(flag, ProtocolError):
            return flag
        flags.append(flag)

    return BrowserSetup(
        modality=modality,
        voice=voice,
        system_instruction=instruction,
        input_transcription=flags[0],
        output_transcription=flags[1],
        ignored=tuple(short(n, 60) for n in ignored),
    )


def _invalid_setup(message: str) -> ProtocolError:
    return ProtocolError(ErrorCode.INVALID_SETUP, message + " Send a corrected setup message.")


def _decode_modalities(value: object) -> Modality | ProtocolError:
    if value is None:
        return Modality.AUDIO
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return _invalid_setup('\'response_modalities\' must be a list like ["AUDIO"] or ["TEXT"].')
    wanted = {v.upper() for v in value}
    if not wanted:
        return Modality.AUDIO
    if len(wanted) > 1:
        return _invalid_setup('Choose one response modality: ["AUDIO"] or ["TEXT"], not both.')
    [name] = wanted
    if name not in Modality.__members__:
        return _invalid_setup(f"Unknown response modality '{short(name)}'; use AUDIO or TEXT.")
    return Modality(name)


def _decode_speech_config(value: object, prefix: str) -> tuple[str, list[str]] | ProtocolError:
    """``{"voice_config": {"prebuilt_voice_config": {"voice_name": "Puck"}}}`` → ("Puck", ignored)."""
    where = f"{prefix}speech_config"
    if not isinstance(value, dict):
        return _invalid_setup(f"'{where}' must be an object.")
    fields = snake_fields(value)
    ignored = [f"{where}.{n}" for n in fields if n != "voice_config"]
    voice_config = fields.get("voice_config")
    if not isinstance(voice_config, dict):
        return _invalid_setup(f"'{where}.voice_config' must be an object.")
    prebuilt = snake_fields(voice_config).get("prebuilt_voice_config")
    if not isinstance(prebuilt, dict):
        return _invalid_setup(f"'{where}.voice_config.prebuilt_voice_config' must be an object.")
    name = snake_fields(prebuilt).get("voice_name")
    if not isinstance(name, str):
        return _invalid_setup(f"'{where}…voice_name' must be a string.")
    voice = canonical_voice(name)
    if voice is None:
        return _invalid_setup(f"Unknown voice '{short(name)}'; choose one of: {', '.join(VOICES)}.")
    return voice, ignored


def _decode_system_instruction(value: object) -> str | ProtocolError | None:
    """A string, or a Content object ``{"parts": [{"text": …}, …]}`` whose texts are joined."""
    if value is None:
        return None
    if isinstance(value, dict):
        parts = snake_fields(value).get("parts")
        if not isinstance(parts, list) or not all(
            isinstance(p, dict) and isinstance(snake_fields(p).get("text"), str) for p in parts
        ):
            return _invalid_setup('\'system_instruction\' must be a string or {"parts": [{"text": …}]}.')
        value = "\n".join(snake_fields(p)["text"] for p in parts)
    if not isinstance(value, str):
        return _invalid_setup("'system_instruction' must be a string.")
    if len(value) > MAX_SYSTEM_INSTRUCTION_CHARS:
        return _invalid_setup(
            f"'system_instruction' is longer than {MAX_SYSTEM_INSTRUCTION_CHARS} characters."
        )
    return value.strip() or None


def _decode_switch(value: object, name: str, *, present: bool) -> bool | ProtocolError | None:
    """Transcription switches: ``{}`` (the API's form) or ``true`` enable; ``false``/``null`` disable."""
    if not present:
        return None
    if value is None or value is False:
        return False
    if value is True or isinstance(value, dict):
        return True
    return _invalid_setup(f"'{name}' must be {{}}, true or false.")
