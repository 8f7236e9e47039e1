"""Fakes for driving the services: an event recorder, a microphone the test speaks into, a speaker that
keeps what it was given, and a backend opener around a fake connector."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from desktop_app.audio.devices import DeviceKind
from desktop_app.config import Settings
from desktop_app.core.events import ErrorEvent, Event, MicAudio, ModelAudio
from desktop_app.core.media_events import VideoState
from desktop_app.live.backend import Backend
from desktop_app.live.session import LiveConnector
from desktop_app.services.backend import BackendHandle
from desktop_app.video.slot import SourceStatus
from tests.support.audio import blocks

__all__ = ["Events", "FakeAudio", "FakeCamera", "FakeRelay", "MemorySink", "QueueSource", "fake_backend"]


class Events:
    """Records every event; :meth:`wait_for` waits (without sleeping) for one that matches."""

    def __init__(self) -> None:
        self.seen: list[Event] = []
        self._changed = asyncio.Event()

    def __call__(self, event: Event) -> None:
        self.seen.append(event)
        self._changed.set()

    async def wait_for(self, check: Callable[[Event], bool], timeout: float = 20) -> Event:
        async def _wait() -> Event:
            looked = 0
            while True:
                for event in self.seen[looked:]:
                    if check(event):
                        return event
                looked = len(self.seen)
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(_wait(), timeout)

    def errors(self) -> list[ErrorEvent]:
        return [e for e in self.seen if isinstance(e, ErrorEvent)]


class QueueSource:
    """A microphone the test speaks into. Bounded: speaking more than ``maxsize`` blocks ahead of the
    consumer raises QueueFull (a test bug, never a silent drop)."""

    def __init__(self, maxsize: int = 1000) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize)
        self.closed = False

    async def blocks(self) -> AsyncIterator[MicAudio]:
        while (pcm := await self.queue.get()) is not None:
            yield MicAudio(pcm, captured_at=asyncio.get_running_loop().time())
            self.queue.task_done()  # the consumer has handled this block

    async def consumed(self) -> None:
        """Wait until every block spoken so far has been handled by the consumer."""
        await asyncio.wait_for(self.queue.join(), 10)

    def speak(self, pcm: bytes) -> None:
        for block in blocks(pcm):
            self.queue.put_nowait(block)

    async def aclose(self) -> None:
        self.closed = True
        self.queue.put_nowait(None)


@dataclass
class MemorySink:
    """Keeps what it plays; ``broken`` makes :meth:`play` raise (a bug on the reply path)."""

    played: list[bytes] = field(default_factory=list)
    volume: float = 1.0
    broken: bool = False

    def play(self, chunk: ModelAudio) -> None:
        if self.broken:
            raise RuntimeError("speaker bug")
        self.played.append(chunk.pcm)

    def interrupt(self) -> None:
        self.played.clear()

    async def drain(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


@dataclass
class FakeAudio:
    """What an audio opener returns: pass ``audio_opener=lambda *_: fake`` to ``build_app``."""

    source: QueueSource = field(default_factory=QueueSource)
    sink: MemorySink = field(default_factory=MemorySink)
    notices: list[str] = field(default_factory=list)
    fallbacks: frozenset[DeviceKind] = frozenset()


def fake_backend(
    connector: Callable[[], LiveConnector],
) -> Callable[[Settings], AbstractAsyncContextManager[BackendHandle]]:
    """A backend opener whose every opening takes a new connector from ``connector()``."""

    @asynccontextmanager
    async def open_fake(_settings: Settings) -> AsyncIterator[BackendHandle]:
        yield BackendHandle(connector(), Backend(name="fake", api_key="k"))

    return open_fake


class FakeRelay:
    """Stands in for the relay ``build_relay`` makes; ``broken_status`` makes the first status() raise."""

    url = "http://127.0.0.1:1/"

    def __init__(self, settings: Settings | None = None, *, broken_status: bool = False) -> None:
        self.settings = settings
        self.broken_status = broken_status
        self.status_calls = 0
        self.stopped = False

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self.stopped = True

    def status(self) -> dict[str, Any]:
        self.status_calls += 1
        if self.broken_status and self.status_calls == 1:
            raise RuntimeError("status bug")
        return {"clients": []}

    async def wait_for_clients(self, count: int) -> None:
        await asyncio.Event().wait()  # the set of clients never changes


class FakeCamera:
    """A video source that stays STARTING with no frames; ``broken`` makes reading a frame raise."""

    label = "fake camera"

    def __init__(self, *, broken: bool = False) -> None:
        self.broken = broken

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        pass

    def status(self) -> SourceStatus:
        return SourceStatus(VideoState.LIVE if self.broken else VideoState.STARTING)

    def latest(self) -> None:
        if self.broken:
            raise RuntimeError("frame bug")
        return None

    def close(self, timeout: float = 5.0) -> None:
        pass
