"""An in-memory LiveSession and LiveConnector for unit tests: scripted server events, recorded sends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from desktop_app.core.audio_format import MIC_FORMAT, PcmFormat
from desktop_app.core.errors import LiveError
from desktop_app.core.events import LiveEvent
from desktop_app.live.options import SessionOptions
from desktop_app.live.session import FunctionResponse


@dataclass
class FakeSession:
    """Tests push server events with :meth:`emit` / :meth:`fail`; sends are recorded in ``sent``."""

    sent: list[tuple[str, object]] = field(default_factory=list)
    _queue: asyncio.Queue[LiveEvent | LiveError | None] = field(default_factory=asyncio.Queue)
    closed: bool = False

    @property
    def session_id(self) -> str | None:
        return "fake"

    def emit(self, *events: LiveEvent) -> None:
        for event in events:
            self._queue.put_nowait(event)

    def fail(self, error: LiveError) -> None:
        self._queue.put_nowait(error)

    async def send_audio(self, pcm: bytes, fmt: PcmFormat = MIC_FORMAT) -> None:
        self.sent.append(("audio", pcm))

    async def send_video(self, jpeg: bytes, mime_type: str = "image/jpeg") -> None:
        self.sent.append(("video", jpeg))

    async def send_text(self, text: str) -> None:
        self.sent.append(("text", text))

    async def send_audio_stream_end(self) -> None:
        self.sent.append(("audio_stream_end", None))

    async def send_activity(self, *, start: bool) -> None:
        self.sent.append(("activity", start))

    async def send_tool_response(self, responses: Sequence[FunctionResponse]) -> None:
        self.sent.append(("tool_response", list(responses)))

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


@dataclass
class FakeConnector:
    backend_name: str = "fake"
    sessions: list[FakeSession] = field(default_factory=list)
    options: list[SessionOptions] = field(default_factory=list)
    refuse_with: LiveError | None = None

    @asynccontextmanager
    async def connect(self, options: SessionOptions) -> AsyncIterator[FakeSession]:
        if self.refuse_with is not None:
            raise self.refuse_with
        session = FakeSession()
        self.sessions.append(session)
        self.options.append(options)
        try:
            yield session
        finally:
            await session.close()
