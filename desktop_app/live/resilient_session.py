"""Seamless reconnection as a wrapper around any :class:`~desktop_app.live.session.LiveConnector`.

Wrap a connector once and every session it opens survives ``goAway``, drops and server faults::

    connector = ResilientConnector(GenaiConnector(backend), ReconnectPolicy())
    async with connector.connect(options) as session:      # the first connect raises as before
        async for event in session.events():                # keeps going across reconnects
            ...

What the caller sees:

- ``events()`` is one stream for the life of the session. A reconnect shows up as
  ``SessionState(RECONNECTING, detail)`` (the reason, the attempt, the countdown) and then
  ``SessionState(LIVE, detail)``; nothing else about it reaches the caller. ``goAway`` is handled here and
  not passed on (so a consumer that reconnects on its own does not reconnect twice); the repeated
  ``SetupComplete`` of a reconnect is not passed on either. No ``Interrupted`` is made up: model audio
  already received keeps playing, and the consumer must not flush on reconnect.
- When reconnecting is impossible (a fatal close: 1007, 1008, a bad key) or the failure cap is reached,
  ``events()`` yields ``SessionState(CLOSED, message)`` and raises the error
  (:class:`~desktop_app.live.reconnect.ReconnectGaveUpError` for the cap). Later sends raise it too.
- Sends never fail because of a reconnect: during the gap they are kept in
  :mod:`desktop_app.live.resilient_buffer` (microphone audio up to ``audio_buffer_s``, drop oldest;
  typed turns bounded; only the latest camera frame) and sent once the new connection is up, after the
  replay of everything the server had not acknowledged.
- The old socket is always closed before the new connection is opened: the service refuses a resume while
  the old connection is open.
- ``stats`` (:class:`~desktop_app.live.resilient_core.ResilienceStats`) counts reconnects by reason, the
  gap of each (failure or goAway → live again, replay included), and what the buffer kept and dropped.

This is the I/O shell: each connection is a :class:`~desktop_app.live.resilient_link.Link` (one reader
task, a bounded queue) and every decision is the sans-I/O
:class:`~desktop_app.live.resilient_core.ResilientCore`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.commands import Command
from desktop_app.core.errors import ConnectionLostError, LiveError
from desktop_app.core.events import LiveEvent, SessionPhase, SessionState
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import GiveUp, Reconnect, ReconnectCore, ReconnectPolicy
from desktop_app.live.resilient_core import ResilienceStats, ResilientCore
from desktop_app.live.resilient_link import Link, Signal
from desktop_app.live.session import LiveConnector

__all__ = ["ResilienceStats", "ResilientConnector", "ResilientEvent", "ResilientSession"]

log = logging.getLogger(__name__)

ResilientEvent = LiveEvent | SessionState
"""What a resilient session's ``events()`` yields: the inner session's events plus state changes."""


class ResilientSession:
    """A :class:`LiveSession` that reconnects by itself. Open it with :meth:`ResilientConnector.connect`.

    All methods must be called on the loop thread; ``events()`` must be iterated by one task (it is
    the task that carries out reconnects).
    """

    def __init__(
        self,
        inner: LiveConnector,
        options: SessionOptions,
        policy: ReconnectPolicy,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self._connector = inner
        self._policy = policy
        self._clock = clock
        self._state = ResilientCore(policy, options, rng)
        self.stats = self._state.stats
        self._link: Link | None = None
        self._live = False
        self._closed = False
        self._closed_event = asyncio.Event()
        self._failure: LiveError | None = None
        self._session_id: str | None = None
        self.phase = SessionPhase.CONNECTING

    # --- facts -----------------------------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        if self._link is not None and self._link.session.session_id is not None:
            self._session_id = self._link.session.session_id
        return self._session_id

    @property
    def core(self) -> ReconnectCore:
        """The policy state (newest handle, failure count, recent transcript); read-only use."""
        return self._state.reconnect

    @property
    def buffered(self) -> int:
        """Items held for replay or for sending after the gap."""
        return len(self._state.buffer)

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the first connection; raise its LiveError (retried only with ``retry_first_connect``)."""
        options = self._state.reconnect.base_options
        while (err := await self._attempt(options, replay=False)) is not None:
            decision = self._state.reconnect.first_connect_failed(self._clock.now(), err)
            if isinstance(decision, GiveUp):
                self._fail(decision.error)
                raise decision.error from None
            log.info("live session: first connection failed (%s); %s", err.kind, decision.detail)
            if await self._wait_or_closed(decision.delay_s):
                raise ConnectionLostError("The live session was closed while connecting.") from None
            options = decision.options
        self._state.reconnect.connected(self._clock.now())
        self._live = True
        self.phase = SessionPhase.LIVE

    async def close(self) -> None:
        """Close the connection for good; ``events()`` then ends. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._live = False
        self.phase = SessionPhase.CLOSED
        self._closed_event.set()
        await self._close_inner()

    # --- sending ---------------------------------------------------------------------------------

    async def send(self, command: Command) -> None:
        """Send ``command`` now, or keep it for after the reconnect; raise only once the session gave up
        or was closed.

        The outcome is recorded right after the send returns, with no await in between, so a replay never
        misses it; if the connection was replaced while the send waited, it is sent again on the new one
        rather than left behind.
        """
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise ConnectionLostError("The live session is closed.")
        loud = self._state.sending(self._clock.now(), command)
        went_out = await self._forward(command)
        self._state.sent(command, went_out=went_out, loud=loud)

    async def _forward(self, command: Command) -> bool:
        """Send on the current connection; False when it cannot go out now (the gap, or a failed or
        stalled send on a connection about to be replaced)."""
        while True:
            link = self._link
            if not self._live or link is None:
                return False
            try:
                await link.send(command, self._policy.send_timeout_s)
            except LiveError as err:
                # The receive side sees the same failure and reconnects.
                log.debug("live session: a send failed (%s); kept for after the reconnect", err.kind)
            except TimeoutError:
                if link.stall(self._policy.send_timeout_s):
                    self._state.send_stalled()
            else:
                return True
            if self._link is link or not self._live:
                return False

    # --- receiving -------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[ResilientEvent]:
        """Every event of the conversation, across reconnects, until :meth:`close` or a fatal error."""
        core = self._state.reconnect
        while not self._closed:
            try:
                item = await self._next()
            except LiveError as err:
                if self._closed:
                    return
                async for state in self._recover(core.failed(self._clock.now(), err)):
                    yield state
                continue
            if item is Signal.ENDED:
                if self._closed:
                    return
                lost = ConnectionLostError("The Live API ended the session without a close code.")
                async for state in self._recover(core.failed(self._clock.now(), lost)):
                    yield state
                continue
            if not isinstance(item, Signal):
                passed = self._state.received(self._clock.now(), item)
                if passed is not None:
                    yield passed
            decision = core.poll(self._clock.now())
            if decision is not None:
                async for state in self._recover(decision):
                    yield state

    async def _next(self) -> LiveEvent | Signal:
        """The next event from the current connection; a :class:`Signal` when there is none (ENDED) or
        the policy must be asked again first (TIMEOUT: the goAway timer, a wake). Raises a LiveError when
        the connection failed (or a send on it stalled)."""
        link = self._link
        if link is None or self._closed:
            return Signal.ENDED
        item = await link.next(self._state.reconnect.next_poll_in(self._clock.now()))
        if item is Signal.WAKE:
            return Signal.ENDED if self._closed else Signal.TIMEOUT
        return item

    # --- reconnecting ----------------------------------------------------------------------------

    async def _recover(self, decision: Reconnect | GiveUp) -> AsyncIterator[ResilientEvent]:
        """Carry out ``decision`` and any that follow until live again; raise on giving up."""
        started = self._clock.now()
        received = self._link.take_received() if self._link is not None else []
        for late in received:  # arrived before the failure: still part of the conversation
            passed = self._state.received(started, late, late=True)
            if passed is not None:
                yield passed
        first = decision
        while True:
            if isinstance(decision, GiveUp):
                self._fail(decision.error)
                await self._close_inner()
                log.info("live session: giving up: %s", decision.error.kind)
                yield SessionState(SessionPhase.CLOSED, str(decision.error))
                raise decision.error
            self._live = False
            self.phase = SessionPhase.RECONNECTING
            log.info("live session: %s", decision.detail)
            yield SessionState(SessionPhase.RECONNECTING, decision.detail)
            await self._close_inner()  # the service refuses a resume while the old socket is open
            if await self._wait_or_closed(decision.delay_s):
                return
            error = await self._attempt(decision.options, replay=True)
            if self._closed:
                await self._close_inner()
                return
            if error is None:
                break
            decision = self._state.reconnect.failed(self._clock.now(), error)
        assert isinstance(first, Reconnect)  # a GiveUp first raised above
        now = self._clock.now()
        gap_ms = (now - started) * 1000
        how = self._state.live_again(now, gap_ms, first, decision)
        self._live = True
        self.phase = SessionPhase.LIVE
        log.info("live session: live again after %.0f ms (%s)", gap_ms, how)
        yield SessionState(SessionPhase.LIVE, f"{how} after {gap_ms:.0f} ms")

    async def _open(self, options: SessionOptions) -> Link:
        policy = self._policy
        link = await Link.open(self._connector, options, policy.connect_timeout_s, policy.close_timeout_s)
        self._link = link
        self._state.opened()
        self._session_id = link.session.session_id or self._session_id
        return link

    async def _attempt(self, options: SessionOptions, *, replay: bool) -> LiveError | None:
        """Open a connection and (``replay``) send what the server has not acknowledged, then what arrived
        during the gap, in order. Returns the LiveError if that failed."""
        state, clock = self._state, self._clock
        try:
            link = await self._open(options)
            if replay and not self._closed:
                await link.replay(
                    state.buffer, self._policy.send_timeout_s, lambda e: state.replayed(clock.now(), e)
                )
        except TimeoutError:
            state.send_stalled()
            state.attempt_failed()
            return ConnectionLostError("Sending to the Live API stalled while reconnecting.")
        except LiveError as err:
            state.attempt_failed()
            return err
        return None

    async def _close_inner(self) -> None:
        """Close the current connection (bounded by ``close_timeout_s``); safe to call twice."""
        link, self._link = self._link, None
        if link is not None:
            await link.close()

    async def _wait_or_closed(self, delay_s: float) -> bool:
        """Wait ``delay_s`` (the backoff) unless closed first; True when closed."""
        if delay_s > 0 and not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed_event.wait(), delay_s)
        return self._closed

    def _fail(self, error: LiveError) -> None:
        self._failure = error
        self._live = False
        self.phase = SessionPhase.CLOSED
        self._state.gave_up()


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
