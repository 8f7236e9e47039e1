"""The hand-off from a PortAudio callback thread to the asyncio loop: a bounded, drop-oldest queue.

:class:`DropOldest` is the queue alone, for a consumer that polls it when it needs the items (the echo
canceller takes the speaker's blocks before each microphone block); :class:`Handoff` adds the wake-up, for a
consumer that waits. The callback calls :meth:`Handoff.put` (an append to a bounded
:class:`collections.deque` plus, at most once per batch, one ``loop.call_soon_threadsafe``); the loop side
drains it with :meth:`Handoff.pop_all` or :meth:`Handoff.popleft` after :meth:`Handoff.wait`.
Nothing here blocks or holds a lock: ``deque`` appends and pops are atomic in CPython, which is the whole
synchronisation.

Drop policy: when the queue is full the OLDEST item is dropped (the newest audio is the one worth
sending) and :attr:`DropOldest.drops` counts it. The count may be off by one under a race with the consumer,
never more.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["DropOldest", "Handoff"]

T = TypeVar("T")


class DropOldest(Generic[T]):
    """A bounded queue that drops its OLDEST item when full, counting it in :attr:`drops`.

    One producer thread calls :meth:`put`; one consumer thread calls :meth:`popleft`/:meth:`pop_all`.
    Nobody is woken: the consumer must poll.
    """

    def __init__(self, maxlen: int) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self._items: deque[T] = deque(maxlen=maxlen)
        self.maxlen = maxlen
        self.drops = 0
        self.puts = 0

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> None:
        """Append ``item``, dropping the oldest if full. Any thread; never blocks, never raises."""
        if len(self._items) >= self.maxlen:
            self.drops += 1
        self._items.append(item)
        self.puts += 1

    def popleft(self) -> T | None:
        """The oldest item, or None when empty."""
        try:
            return self._items.popleft()
        except IndexError:
            return None

    def pop_all(self) -> list[T]:
        """Every queued item, oldest first."""
        out: list[T] = []
        while True:
            try:
                out.append(self._items.popleft())
            except IndexError:
                return out


class Handoff(DropOldest[T]):
    """A :class:`DropOldest` queue fed from a foreign thread and read on one asyncio loop, which each
    :meth:`put` wakes."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        maxlen: int,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        """``on_ready``, if given, is called on the loop thread after items arrive (once per batch)."""
        super().__init__(maxlen)
        self._loop = loop
        self._ready = asyncio.Event()
        self._on_ready = on_ready
        self._wakeup_pending = False
        self._closed = False

    # --- producer (any thread) ---------------------------------------------------------------------

    def put(self, item: T, wake: bool = True) -> None:
        """Append ``item`` (dropping the oldest if full) and wake the loop. Never blocks, never raises.
        With ``wake=False`` the item waits for the next put that wakes it (the caller must make one soon)."""
        super().put(item)
        if wake and not self._wakeup_pending and not self._closed:
            self._wakeup_pending = True
            try:
                self._loop.call_soon_threadsafe(self._wake)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                self._closed = True

    # --- consumer (loop thread) ---------------------------------------------------------------------

    def _wake(self) -> None:
        self._wakeup_pending = False
        self._ready.set()
        if self._on_ready is not None:
            self._on_ready()

    async def wait(self) -> None:
        """Return when at least one item is queued (or :meth:`close` was called)."""
        while not self._items and not self._closed:
            self._ready.clear()
            if self._items or self._closed:
                break
            await self._ready.wait()

    def close(self) -> None:
        """Wake any waiter for good; later puts are kept but nobody is woken."""
        self._closed = True
        self._ready.set()

    @property
    def closed(self) -> bool:
        return self._closed
