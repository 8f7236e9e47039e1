"""Keeping the API key out of everything the relay sends or logs.

The relay is given the key only to redact it. :class:`Redactor` removes the literal key(s) and, as a
second line of defence, anything shaped like a Google API key or a ``key=`` URL parameter.
:class:`RedactingFilter` applies a redactor to every record of a logger.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Final

__all__ = ["REDACTED", "RedactingFilter", "Redactor"]

REDACTED: Final = "[redacted]"

_KEY_SHAPES: Final = (
    re.compile(r"AIza[0-9A-Za-z_\-]{30,}"),  # Google API keys
    re.compile(r"auth_tokens/[0-9A-Za-z_\-.]+"),  # ephemeral tokens
    re.compile(r"(?i)(?<=[?&]key=)[^&\s\"']+"),  # ?key=... in URLs
    re.compile(r"(?i)(?<=x-goog-api-key: )\S+"),  # the SDK's header, if an error ever quotes it
)
_MIN_SECRET_LEN: Final = 4


class Redactor:
    """Callable ``str → str`` that removes the given secrets and key-shaped strings.

    Secrets shorter than 4 characters are ignored (redacting "a" would shred every message).
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        kept = sorted({s for s in secrets if s and len(s) >= _MIN_SECRET_LEN}, key=len, reverse=True)
        self._literal = re.compile("|".join(re.escape(s) for s in kept)) if kept else None

    def __call__(self, text: str) -> str:
        if self._literal is not None:
            text = self._literal.sub(REDACTED, text)
        for shape in _KEY_SHAPES:
            text = shape.sub(REDACTED, text)
        return text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the fully formatted message (and any exception text) of a record.

    Attach it to a handler or logger; it always lets the record through.
    """

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        redacted = self._redact(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = None
        return True
