"""Reading browser JSON objects the same way everywhere in the relay codec. Pure functions."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final

from desktop_app.relay.messages import ErrorCode, ProtocolError

__all__ = ["short", "snake", "snake_fields", "type_error"]

_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@functools.lru_cache(maxsize=256)
def snake(key: str) -> str:
    """``responseModalities`` → ``response_modalities``; snake_case names pass through."""
    return _CAMEL_BOUNDARY.sub("_", key).lower()


def snake_fields(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object's fields keyed by snake_case name (the last spelling wins when both appear)."""
    if all(k.islower() for k in obj):  # already snake_case (or one word): the common case, no copy
        return obj
    return {snake(k): v for k, v in obj.items()}


def type_error(where: str, expected: str) -> ProtocolError:
    return ProtocolError(ErrorCode.WRONG_TYPE, f"'{where}' must be {expected}.")


def short(name: str, limit: int = 40) -> str:
    """A client-supplied name shortened for an error message (never echo large client data)."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in name[:limit])
    return printable + ("…" if len(name) > limit else "")
