"""The bounded per-connection send queue between the relay's producers and its one writer task.

Policy: the queue holds at most ``capacity`` frames. The producer of model replies applies
backpressure (:meth:`SendQueue.wait_below`: it stops taking events from the live session while the
queue is more than half full). When the queue is full, or stays above half for too long, the browser
has stopped reading, and the caller closes the connection (1008): silently dropping replies would
corrupt the conversation (missing turn ends, holes in speech). The only frames ever dropped are queued
model audio when the model is interrupted (:meth:`SendQueue.drop_audio`): the page would flush them
anyway.
"""

from __future__ import annotations

import asyncio
from collections import deque

__all__ = ["SendQueue"]


class SendQueue:
    """A bounded FIFO of text frames with one consumer. Loop-thread only."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._items: deque[tuple[str, bool]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._drain_level = 0
        self._closed = False

    def __len__(self) -> int:
        return len(self._items)

    @property
    def closed(self) -> bool:
        return self._closed

    def put(self, frame: str, *, audio: bool = False) -> bool:
        """Queue ``frame``; False when the queue is full or closed (the frame is not queued)."""
        if self._closed or len(self._items) >= self._capacity:
            return False
        self._items.append((frame, audio))
        self._wake()
        return True

    def drop_audio(self) -> int:
        """Remove every queued audio frame (the model was interrupted); returns how many."""
        kept = deque(item for item in self._items if not item[1])
        dropped = len(self._items) - len(kept)
        self._items = kept
        self._check_drained()
        return dropped

    def close(self) -> None:
        """No more frames will be put; :meth:`get` drains what is queued, then returns None."""
        self._closed = True
        self._wake()
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    async def get(self) -> str | None:
        """The next frame, waiting for one; None once closed and empty."""
        while not self._items:
            if self._closed:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        frame = self._items.popleft()[0]
        self._check_drained()
        return frame

    async def wait_below(self, level: int) -> None:
        """Return once fewer than ``level`` frames are queued (or the queue is closed).

        One producer at a time may wait; wrap in a timeout to detect a browser that stopped reading.
        """
        if len(self._items) < level or self._closed:
            return
        self._drain_level = level
        self._drain_waiter = asyncio.get_running_loop().create_future()
        try:
            await self._drain_waiter
        finally:
            self._drain_waiter = None

    def _check_drained(self) -> None:
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done() and len(self._items) < self._drain_level:
            waiter.set_result(None)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
