"""The connector whose sessions reconnect by themselves: see :mod:`desktop_app.live.resilient_session`
for what such a session does and promises."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import ReconnectPolicy
from desktop_app.live.resilient_session import ResilientSession
from desktop_app.live.session import LiveConnector

__all__ = ["ResilientConnector"]


class ResilientConnector:
    """A :class:`LiveConnector` whose sessions reconnect by themselves. Constructing it does no I/O.

    Args:
        inner: the connector that opens the real connections (e.g. ``GenaiConnector``).
        policy: reconnect knobs (defaults: :class:`ReconnectPolicy`).
        clock: for the policy's timing and the gap measurements.
        rng: randomness for the backoff jitter (tests pass a seeded one).

    ``last_session`` is the most recently opened session (for status lines, tests and benchmarks).
    """

    def __init__(
        self,
        inner: LiveConnector,
        policy: ReconnectPolicy | None = None,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy or ReconnectPolicy()
        self._clock = clock or MonotonicClock()
        self._rng = rng
        self.last_session: ResilientSession | None = None

    @property
    def backend_name(self) -> str:
        return self.inner.backend_name

    @asynccontextmanager
    async def connect(self, options: SessionOptions) -> AsyncIterator[ResilientSession]:
        """Open a resilient session; raises the first connection's LiveError like any connector."""
        session = ResilientSession(self.inner, options, self.policy, self._clock, self._rng)
        self.last_session = session
        await session.start()
        try:
            yield session
        finally:
            await session.close()
