"""Keeping API keys out of everything shown, sent to a browser or logged: one redactor for the program.

:class:`Redactor` removes the literal secrets it is given and, as a second line of defence, anything shaped
like a Google API key, an ephemeral token, a ``key=`` URL parameter or the SDK's key header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

__all__ = ["REDACTED", "Redactor"]

REDACTED: Final = "[redacted]"

_KEY_SHAPES: Final = (
    re.compile(r"AIza[0-9A-Za-z_\-]{10,}"),  # Google API keys
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
