"""Client frames in: JSON validated against ``schema`` the way a proto JSON parser does.

Client messages may spell every field in camelCase or snake_case (the SDK sends a mix) and base64 in either
alphabet (the SDK sends URL-safe). :func:`decode_frame` parses one frame and returns the message with
canonical camelCase keys; anything it refuses raises :class:`~desktop_app.emulator.protocol_errors.WireError`
carrying the close code and reason the service would use. Pass the result to ``parse``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from desktop_app.emulator import schema
from desktop_app.emulator.protocol_errors import WireError, invalid

__all__ = ["decode_base64", "decode_frame", "normalize"]


_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _json_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:60]


def decode_base64(text: str) -> bytes:
    """Decode base64 in the standard or the URL-safe alphabet, padded or not. Raises ValueError."""
    cleaned = "".join(text.split()).translate(str.maketrans("-_", "+/"))
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from None


def _invalid_value(path: str, type_name: str, value: Any) -> WireError:
    return invalid(
        f"Invalid JSON payload received. Invalid value at '{path}' ({type_name}), {_json_value(value)}"
    )


def _scalar(kind: schema.Kind, value: Any, path: str) -> Any:
    if kind is schema.Kind.ANY:
        return value
    if kind is schema.Kind.BOOL:
        if isinstance(value, bool):
            return value
    elif kind is schema.Kind.STRING:
        if isinstance(value, str):
            return value
    elif kind is schema.Kind.INT:
        if _is_number(value) and float(value).is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
    elif kind is schema.Kind.FLOAT:
        if _is_number(value):
            return float(value)
        if isinstance(value, str) and (
            value in ("NaN", "Infinity", "-Infinity") or _NUMBER.fullmatch(value.strip())
        ):
            return float(value)
    elif kind is schema.Kind.BYTES and isinstance(value, str):
        try:
            return decode_base64(value)
        except ValueError:
            raise invalid(
                f"Invalid value at '{path}' (TYPE_BYTES), Base64 decoding failed for {_json_value(value)}"
            ) from None
    raise _invalid_value(path, kind.value, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def normalize(value: Any, field_type: schema.Field, path: str = "", api_version: str = "v1beta") -> Any:
    """Validate ``value`` against ``field_type`` and return it with canonical camelCase keys.

    ``path`` is the snake_case field path used in error reasons (``setup.generation_config``). ``null`` is
    accepted anywhere and dropped, as proto JSON treats it as "unset". Raises :class:`WireError` (1007).
    """
    if isinstance(field_type, schema.Kind):
        return _scalar(field_type, value, path)
    if isinstance(field_type, schema.EnumOf):
        if isinstance(value, str) and value in field_type.values:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _invalid_value(
            path, f"type.googleapis.com/google.ai.generativelanguage.{api_version}.{field_type.name}", value
        )
    if isinstance(field_type, schema.Repeated):
        if not isinstance(value, list):
            raise invalid(
                f"Invalid JSON payload received. Invalid value at '{path}' (repeated), {_json_value(value)}"
            )
        return [
            normalize(item, field_type.item, f"{path}[{index}]", api_version)
            for index, item in enumerate(value)
        ]
    return _normalize_message(value, field_type, path, api_version)


def _normalize_message(
    value: Any, fields: Mapping[str, schema.Field], path: str, api_version: str
) -> dict[str, Any]:
    if not isinstance(value, dict):
        where = f"'{path}'" if path else "the top level"
        raise invalid(
            f"Invalid JSON payload received. Expected an object at {where}, got {_json_value(value)}"
        )
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in fields:
            name = key
        elif isinstance(key, str) and _SNAKE.match(key) and _snake_to_camel(key) in fields:
            name = _snake_to_camel(key)
        else:
            where = f" at '{path}'" if path else ""
            raise invalid(f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.')
        if name in result:
            raise invalid(
                f"Invalid JSON payload received. Duplicate field "
                f'"{_camel_to_snake(name)}"{" at " + repr(path) if path else ""}.'
            )
        if item is None:
            continue
        result[name] = normalize(item, fields[name], _join(path, _camel_to_snake(name)), api_version)
    return result


def decode_frame(frame: str | bytes, api_version: str = "v1beta") -> dict[str, Any]:
    """Parse one client frame (text or binary) and validate it against the client message schema.

    Returns the normalised message, which has exactly one top-level key. Raises :class:`WireError`.
    """
    try:
        message = json.loads(frame)
    except (UnicodeDecodeError, ValueError):
        raise invalid("Invalid JSON payload received. Unexpected token.") from None
    normalised = _normalize_message(message, schema.CLIENT_MESSAGE, "", api_version)
    if len(normalised) != 1:
        raise invalid()
    return normalised
