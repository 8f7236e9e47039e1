"""The LiveSession seam: what the rest of the program needs from a live conversation.

Three implementations exist: :class:`desktop_app.live.genai_session.GenaiConnector` (the real google-genai
SDK, pointed at Gemini or at the emulator), :class:`desktop_app.live.resilient_session.ResilientConnector`
(reconnects around another connector) and :mod:`desktop_app.live.fake_session` (the in-memory fake for
tests and benchmarks). Nothing outside ``live/`` imports the SDK.

Usage::

    async with connector.connect(options) as session:
        ...start a task that sends await session.send(UserAudio(pcm)) ...
        async for event in session.events():   # one loop for the whole session
            ...

``events()`` ends when the session is closed by :meth:`LiveSession.close`; it raises a classified
:class:`~desktop_app.core.errors.LiveError` when the server closes the connection or it drops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from desktop_app.core.commands import Command
from desktop_app.core.events import LiveEvent
from desktop_app.live.options import SessionOptions

__all__ = ["LiveConnector", "LiveSession"]


class LiveSession(Protocol):
    """One open live connection. All methods must be called on the loop thread."""

    @property
    def session_id(self) -> str | None: ...

    async def send(self, command: Command) -> None:
        """Send one outbound message (audio, a frame, a typed turn, a stream marker or tool answers).

        Raises a classified :class:`~desktop_app.core.errors.LiveError` when the connection is gone.
        """
        ...

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
