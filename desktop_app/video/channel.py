"""An async latest-value channel: subscribers always get the newest value and skip the ones they missed.

Used for the preview (camera rate) and the mirror of the last frame sent, where only the newest value
matters and a slow consumer (the window) must never make the producer wait or pile up frames.
Loop thread only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

__all__ = ["LatestValue"]

T = TypeVar("T")


class LatestValue(Generic[T]):
    """Holds the newest value; :meth:`subscribe` yields each newer value a consumer gets round to.

    ``publish`` never blocks and keeps one value (drop policy: overwrite). ``close`` ends every subscription.
    """

    def __init__(self) -> None:
        self._value: T | None = None
        self._version = 0
        self._changed = asyncio.Event()
        self._closed = False

    @property
    def value(self) -> T | None:
        """The newest value, or None before the first."""
        return self._value

    @property
    def version(self) -> int:
        """How many values were published so far."""
        return self._version

    @property
    def closed(self) -> bool:
        return self._closed

    def publish(self, value: T) -> None:
        if self._closed:
            return
        self._value = value
        self._version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def close(self) -> None:
        self._closed = True
        self._changed.set()

    async def wait_newer(self, version: int) -> tuple[int, T] | None:
        """Wait until a value newer than ``version`` exists; return it with its version, None once closed."""
        while self._version <= version or self._value is None:
            if self._closed:
                return None
            await self._changed.wait()
        return self._version, self._value

    async def subscribe(self) -> AsyncIterator[T]:
        """Yield values newer than the one current at the call, skipping any published while busy."""
        seen = self._version
        while (item := await self.wait_newer(seen)) is not None:
            seen, value = item
            yield value
