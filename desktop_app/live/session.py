"""The LiveSession seam: what the rest of the program needs from a live conversation.

Two implementations exist: :class:`desktop_app.live.genai_session.GenaiConnector` (the real google-genai SDK,
pointed at Gemini or at the emulator) and the in-memory fakes used by unit tests. Nothing outside ``live/``
imports the SDK.

Usage::

    async with connector.connect(options) as session:
        ...start a task that sends session.send_audio(pcm) ...
        async for event in session.events():   # one loop for the whole session
            ...

``events()`` ends when the session is closed by :meth:`LiveSession.close`; it raises a classified
:class:`~desktop_app.core.errors.LiveError` when the server closes the connection or it drops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop_app.core.audio_format import MIC_FORMAT, PcmFormat
from desktop_app.core.events import LiveEvent
from desktop_app.live.options import SessionOptions

__all__ = ["FunctionResponse", "LiveConnector", "LiveSession"]


@dataclass(frozen=True, slots=True)
class FunctionResponse:
    id: str
    name: str
    response: dict[str, Any] = field(default_factory=dict)


class LiveSession(Protocol):
    """One open live connection. All methods must be called on the loop thread."""

    @property
    def session_id(self) -> str | None: ...

    async def send_audio(self, pcm: bytes, fmt: PcmFormat = MIC_FORMAT) -> None:
        """Send one block of PCM16 audio (any rate; the MIME type carries it)."""
        ...

    async def send_video(self, jpeg: bytes, mime_type: str = "image/jpeg") -> None:
        """Send one encoded frame."""
        ...

    async def send_text(self, text: str) -> None:
        """Send a typed user turn."""
        ...

    async def send_audio_stream_end(self) -> None:
        """Tell the server the microphone paused (flushes its buffered audio)."""
        ...

    async def send_activity(self, *, start: bool) -> None:
        """Explicit activity start/end, for sessions opened with server VAD disabled."""
        ...

    async def send_tool_response(self, responses: Sequence[FunctionResponse]) -> None: ...

    def events(self) -> AsyncIterator[LiveEvent]:
        """The session's single receive loop: every server message, as typed events, across turns."""
        ...

    async def close(self) -> None:
        """Close the connection; ``events()`` then ends. Safe to call twice."""
        ...


class LiveConnector(Protocol):
    """Opens live sessions on one backend (Gemini or the emulator)."""

    @property
    def backend_name(self) -> str: ...

    def connect(self, options: SessionOptions) -> AbstractAsyncContextManager[LiveSession]:
        """Open a session; raises a classified LiveError when the server refuses it."""
        ...
