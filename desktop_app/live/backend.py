"""Where live sessions go: Gemini itself, or the built-in emulator on loopback."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

__all__ = ["Backend"]


@dataclass(frozen=True, slots=True)
class Backend:
    """Connection facts for one Live API endpoint.

    ``name`` is ``"gemini"`` or ``"emulator"``. ``base_url`` and ``ssl_context`` are None for Gemini
    (the SDK's defaults); the emulator sets both. The key is kept out of ``repr`` so it never reaches a log.
    """

    name: str
    api_key: str = field(repr=False)
    base_url: str | None = None
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    api_version: str | None = "v1beta"
