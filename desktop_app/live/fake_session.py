"""The in-memory LiveSession and LiveConnector, for tests and benchmarks. No I/O at all.

This is the one fake of the :mod:`desktop_app.live.session` seam; product code never uses it. A test
scripts what the server says and reads what was sent::

    connector = FakeConnector()
    async with connector.connect(SessionOptions()) as session:
        session.emit(SetupComplete(session_id="fake"), ModelAudio(pcm))   # the server speaks
        await session.send(UserText("hi"))                                 # recorded in session.sent
        await connector.changes.wait_for(lambda: session.sent == [UserText("hi")])

``FakeConnector(echo_audio=True)`` answers every :class:`UserAudio` at once with the same bytes as
:class:`ModelAudio` (the relay benchmarks' fast backend). ``changes`` wakes waiters on every send, open and
close, so a test awaits a condition instead of sleeping.

Bounds: each session's scripted-event queue holds at most :data:`MAX_SCRIPTED` items; scripting more
raises ``asyncio.QueueFull`` (a test bug, reported at once rather than dropped).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from desktop_app.core.commands import Command, UserAudio
from desktop_app.core.errors import LiveError
from desktop_app.core.events import LiveEvent, ModelAudio
from desktop_app.live.options import SessionOptions

__all__ = ["MAX_SCRIPTED", "WAIT_S", "Changes", "FakeConnector", "FakeSession"]

WAIT_S = 5.0
"""How long :meth:`Changes.wait_for` waits by default before it raises ``TimeoutError``."""

MAX_SCRIPTED = 4096
"""Scripted events (and echoes) a fake session holds before its reader takes them."""


class Changes:
    """Wakes every waiter whenever a fake's state changes (a send, an open, a close)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def bump(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT_S) -> None:
        """Return once ``predicate()`` holds; raise ``TimeoutError`` after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._event.wait()


@dataclass(eq=False)
class FakeSession:
    """A scripted LiveSession: push server events with :meth:`emit`, :meth:`fail` and :meth:`end`;
    every command sent is appended to ``sent``. Set ``fail_sends_with`` to make sends raise."""

    options: SessionOptions = field(default_factory=SessionOptions)
    changes: Changes = field(default_factory=Changes)
    echo_audio: bool = False
    sent: list[Command] = field(default_factory=list)
    closed: bool = False
    fail_sends_with: LiveError | None = None
    _queue: asyncio.Queue[LiveEvent | LiveError | None] = field(
        default_factory=lambda: asyncio.Queue(MAX_SCRIPTED)
    )

    @property
    def session_id(self) -> str | None:
        return "fake"

    def emit(self, *events: LiveEvent) -> None:
        """The server sends ``events``, in order."""
        for event in events:
            self._queue.put_nowait(event)

    def fail(self, error: LiveError) -> None:
        """The connection fails: ``events()`` raises ``error`` after the events already emitted."""
        self._queue.put_nowait(error)

    def end(self) -> None:
        """The server ends the stream without an error."""
        self._queue.put_nowait(None)

    async def send(self, command: Command) -> None:
        if self.fail_sends_with is not None:
            raise self.fail_sends_with
        self.sent.append(command)
        if self.echo_audio and isinstance(command, UserAudio):
            self._queue.put_nowait(ModelAudio(command.pcm))
        self.changes.bump()

    def kinds(self) -> list[str]:
        """The class names of the commands sent, in order (``["UserImage", "UserAudio", …]``)."""
        return [type(command).__name__ for command in self.sent]

    async def events(self) -> AsyncIterator[LiveEvent]:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, LiveError):
                raise item
            yield item

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(None)
            self.changes.bump()


@dataclass
class FakeConnector:
    """Opens :class:`FakeSession` objects. Each connect records its options in ``attempts`` and raises
    the next of ``refusals`` (in order) if there is one left."""

    backend_name: str = "fake"
    echo_audio: bool = False
    sessions: list[FakeSession] = field(default_factory=list)
    refusals: list[LiveError] = field(default_factory=list)
    attempts: list[SessionOptions] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)

    @asynccontextmanager
    async def connect(self, options: SessionOptions) -> AsyncIterator[FakeSession]:
        self.attempts.append(options)
        self.changes.bump()
        if self.refusals:
            raise self.refusals.pop(0)
        session = FakeSession(options, self.changes, echo_audio=self.echo_audio)
        self.sessions.append(session)
        self.changes.bump()
        try:
            yield session
        finally:
            await session.close()

    async def wait_sessions(self, count: int) -> list[FakeSession]:
        """Return ``sessions`` once at least ``count`` were opened."""
        await self.changes.wait_for(lambda: len(self.sessions) >= count)
        return self.sessions
