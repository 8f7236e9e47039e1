"""A scriptable LiveConnector for relay unit tests, with a change signal to await conditions (no sleeps)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from desktop_app.core.audio_format import MIC_FORMAT, PcmFormat
from desktop_app.core.errors import LiveError
from desktop_app.core.events import LiveEvent
from desktop_app.live.options import SessionOptions
from desktop_app.live.session import FunctionResponse

WAIT_S = 5.0


class Changes:
    """Wakes every waiter whenever the fake's state changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def bump(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT_S) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._event.wait()


@dataclass
class FakeSession:
    options: SessionOptions
    changes: Changes
    sent: list[tuple[str, object]] = field(default_factory=list)
    closed: bool = False
    fail_sends_with: LiveError | None = None
    _queue: asyncio.Queue[LiveEvent | LiveError | None] = field(default_factory=asyncio.Queue)

    @property
    def session_id(self) -> str | None:
        return "fake"

    def emit(self, *events: LiveEvent) -> None:
        for event in events:
            self._queue.put_nowait(event)

    def fail(self, error: LiveError) -> None:
        self._queue.put_nowait(error)

    def end(self) -> None:
        self._queue.put_nowait(None)

    def _record(self, kind: str, value: object) -> None:
        if self.fail_sends_with is not None:
            raise self.fail_sends_with
        self.sent.append((kind, value))
        self.changes.bump()

    async def send_audio(self, pcm: bytes, fmt: PcmFormat = MIC_FORMAT) -> None:
        self._record("audio", (pcm, fmt))

    async def send_video(self, jpeg: bytes, mime_type: str = "image/jpeg") -> None:
        self._record("video", (jpeg, mime_type))

    async def send_text(self, text: str) -> None:
        self._record("text", text)

    async def send_audio_stream_end(self) -> None:
        self._record("audio_stream_end", None)

    async def send_activity(self, *, start: bool) -> None:
        self._record("activity", start)

    async def send_tool_response(self, responses: Sequence[FunctionResponse]) -> None:
        self._record("tool_response", list(responses))

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

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.sent]


@dataclass
class FakeConnector:
    """Opens :class:`FakeSession` objects; ``refusals`` are raised by the next connects, in order."""

    backend_name: str = "fake"
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
        session = FakeSession(options, self.changes)
        self.sessions.append(session)
        self.changes.bump()
        try:
            yield session
        finally:
            await session.close()

    async def wait_sessions(self, count: int) -> list[FakeSession]:
        await self.changes.wait_for(lambda: len(self.sessions) >= count)
        return self.sessions
