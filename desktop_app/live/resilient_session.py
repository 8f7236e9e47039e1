"""Seamless reconnection as a wrapper around any :class:`~desktop_app.live.session.LiveConnector`.

Wrap a connector once and every session it opens survives ``goAway``, drops and server faults::

    connector = ResilientConnector(GenaiConnector(backend), ReconnectPolicy())
    async with connector.connect(options) as session:      # the first connect raises as before
        async for event in session.events():                # keeps going across reconnects
            ...

What the caller sees (the I/O shell around :class:`~desktop_app.live.reconnect.ReconnectCore`):

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

- Each connection is read by ONE reader task feeding a bounded queue of :data:`INCOMING_EVENTS` items.
  When it is full the reader waits (backpressure onto the socket); nothing is dropped, because every event
  is part of the conversation.

What the policy decides (what a send or an event means, what is passed on, the counters) lives in the
sans-I/O :class:`~desktop_app.live.resilient_core.ResilientCore`; this module only moves and waits.
``stats`` (:class:`~desktop_app.live.resilient_core.ResilienceStats`) counts reconnects by reason, the gap
of each (failure or goAway → live again, replay included), and what the buffer kept, replayed and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.commands import Command
from desktop_app.core.errors import ConnectionLostError, LiveError
from desktop_app.core.events import LiveEvent, SessionPhase, SessionState
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import GiveUp, Reconnect, ReconnectCore, ReconnectPolicy
from desktop_app.live.resilient_core import ResilienceStats, ResilientCore
from desktop_app.live.session import LiveConnector, LiveSession

__all__ = ["INCOMING_EVENTS", "ResilienceStats", "ResilientConnector", "ResilientEvent", "ResilientSession"]

log = logging.getLogger(__name__)

ResilientEvent = LiveEvent | SessionState
"""What a resilient session's ``events()`` yields: the inner session's events plus state changes."""

INCOMING_EVENTS = 256
"""The bound of each connection's event queue (the reader waits when it is full)."""


class _Ended:
    """The inner session's event stream ended without an error."""


class _Wake:
    """Look again: a stalled send or :meth:`ResilientSession.close` needs the waiting reader's attention."""


class _Tick:
    """Time to ask the policy again (a goAway deadline is armed)."""


_ENDED = _Ended()
_WAKE = _Wake()
_TICK = _Tick()

_Incoming = LiveEvent | Exception | _Ended | _Wake


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
        self._inner: LiveSession | None = None
        self._inner_cm: AbstractAsyncContextManager[LiveSession] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._incoming: asyncio.Queue[_Incoming] | None = None
        self._forced: LiveError | None = None  # a failure found by a send (a stall)
        self._live = False
        self._closed = False
        self._closed_event = asyncio.Event()
        self._failure: LiveError | None = None
        self._session_id: str | None = None
        self.phase = SessionPhase.CONNECTING

    # --- facts -----------------------------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        if self._inner is not None and self._inner.session_id is not None:
            self._session_id = self._inner.session_id
        return self._session_id

    @property
    def policy(self) -> ReconnectPolicy:
        return self._policy

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
        while True:
            try:
                await self._open(options)
                break
            except LiveError as err:
                self._state.attempt_failed()
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
            inner = self._inner
            if not self._live or inner is None:
                return False
            try:
                async with asyncio.timeout(self._policy.send_timeout_s):
                    await inner.send(command)
            except LiveError as err:
                # The receive side sees the same failure and reconnects.
                log.debug("live session: a send failed (%s); kept for after the reconnect", err.kind)
            except TimeoutError:
                self._stalled(inner)
            else:
                await _yield_to_loop()
                return True
            if self._inner is inner or not self._live:
                return False

    def _stalled(self, inner: LiveSession) -> None:
        """A send did not complete in ``send_timeout_s``: the network is gone without a word (a silent
        drop is otherwise noticed only by keepalive pings, tens of seconds later). Reconnect now."""
        if inner is not self._inner or self._forced is not None:
            return
        self._state.send_stalled()
        self._forced = ConnectionLostError(
            f"Sending to the Live API stalled for {self._policy.send_timeout_s:g} s; the connection "
            "counts as lost."
        )
        _poke(self._incoming)

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
            if isinstance(item, _Ended):
                if self._closed:
                    return
                lost = ConnectionLostError("The Live API ended the session without a close code.")
                async for state in self._recover(core.failed(self._clock.now(), lost)):
                    yield state
                continue
            if not isinstance(item, _Tick):
                passed = self._state.received(self._clock.now(), item)
                if passed is not None:
                    yield passed
            decision = core.poll(self._clock.now())
            if decision is not None:
                async for state in self._recover(decision):
                    yield state

    async def _next(self) -> LiveEvent | _Ended | _Tick:
        """The next event from the current connection's reader; ``_TICK`` when the policy must be asked
        again first (the goAway timer, or a wake). A forced failure (a stall) is raised as a LiveError."""
        if self._forced is not None:
            forced, self._forced = self._forced, None
            raise forced
        incoming = self._incoming
        if incoming is None or self._closed:
            return _ENDED
        try:
            async with asyncio.timeout(self._state.reconnect.next_poll_in(self._clock.now())):
                item = await incoming.get()
        except TimeoutError:
            return _TICK
        if isinstance(item, _Wake):
            if self._forced is not None:
                forced, self._forced = self._forced, None
                raise forced
            return _ENDED if self._closed else _TICK
        if isinstance(item, Exception):
            raise item
        return item

    # --- reconnecting ----------------------------------------------------------------------------

    async def _recover(self, decision: Reconnect | GiveUp) -> AsyncIterator[ResilientEvent]:
        """Carry out ``decision`` and any that follow until live again; raise on giving up."""
        started = self._clock.now()
        for late in self._take_received():  # arrived before the failure: still part of the conversation
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
            try:
                await self._open(decision.options)
                if self._closed:
                    await self._close_inner()
                    return
                await self._replay()
            except LiveError as err:
                self._state.attempt_failed()
                if self._closed:
                    return
                decision = self._state.reconnect.failed(self._clock.now(), err)
                continue
            break
        assert isinstance(first, Reconnect)  # a GiveUp first raised above
        now = self._clock.now()
        gap_ms = (now - started) * 1000
        self._forced = None  # a stall found on the old connection is settled by this reconnect
        how = self._state.live_again(now, gap_ms, first, decision)
        self._live = True
        self.phase = SessionPhase.LIVE
        log.info("live session: live again after %.0f ms (%s)", gap_ms, how)
        yield SessionState(SessionPhase.LIVE, f"{how} after {gap_ms:.0f} ms")

    def _take_received(self) -> list[LiveEvent]:
        """The events the reader already queued (the connection is being given up on)."""
        incoming, events = self._incoming, []
        while incoming is not None and not incoming.empty():
            item = incoming.get_nowait()
            if not isinstance(item, _Ended | _Wake | Exception):
                events.append(item)
        return events

    async def _open(self, options: SessionOptions) -> None:
        cm = self._connector.connect(options)
        try:
            async with asyncio.timeout(self._policy.connect_timeout_s):
                session = await cm.__aenter__()
        except TimeoutError:
            raise ConnectionLostError(
                f"Connecting to the Live API took longer than {self._policy.connect_timeout_s:g} s."
            ) from None
        self._inner_cm, self._inner = cm, session
        incoming: asyncio.Queue[_Incoming] = asyncio.Queue(INCOMING_EVENTS)
        self._incoming = incoming
        self._reader = asyncio.get_running_loop().create_task(
            _read(session.events(), incoming, self._policy.close_timeout_s), name="resilient-session-reader"
        )
        self._state.opened()
        self._session_id = session.session_id or self._session_id

    async def _replay(self) -> None:
        """Send what the server has not acknowledged, then what arrived during the gap, in order."""
        inner = self._inner
        if inner is None:  # pragma: no cover - _open just set it
            raise ConnectionLostError("The live session is not connected.")
        buffer = self._state.buffer
        buffer.begin_replay()
        while entries := buffer.take():
            for index, entry in enumerate(entries):
                try:
                    async with asyncio.timeout(self._policy.send_timeout_s):
                        await inner.send(entry.command)
                except TimeoutError:
                    buffer.restore(entries[index:])
                    self._state.send_stalled()
                    raise ConnectionLostError("Sending to the Live API stalled while reconnecting.") from None
                except LiveError:
                    buffer.restore(entries[index:])
                    raise
                self._state.replayed(self._clock.now(), entry)
                await _yield_to_loop()

    async def _close_inner(self) -> None:
        """Close the current connection (bounded by ``close_timeout_s``); safe to call twice."""
        reader, self._reader = self._reader, None
        incoming, self._incoming = self._incoming, None
        inner, self._inner = self._inner, None
        cm, self._inner_cm = self._inner_cm, None
        timeout = self._policy.close_timeout_s
        if inner is not None:
            await _bounded(inner.close(), timeout, "closing the live session")
        if reader is not None:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
        _poke(incoming)  # a consumer still waiting on this connection looks again
        if cm is not None:
            await _bounded(cm.__aexit__(None, None, None), timeout, "leaving the live session")

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


async def _read(events: AsyncIterator[LiveEvent], incoming: asyncio.Queue[_Incoming], close_s: float) -> None:
    """The one reader of a connection: every event into ``incoming`` (waiting while it is full), then how
    the stream ended (``_ENDED`` or the exception). Cancelled when the connection is closed."""
    try:
        try:
            async for event in events:
                await incoming.put(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the consumer raises it (a LiveError starts a reconnect)
            await incoming.put(exc)
            return
        await incoming.put(_ENDED)
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await _bounded(aclose(), close_s, "closing the event stream")


def _poke(incoming: asyncio.Queue[_Incoming] | None) -> None:
    """Wake a consumer waiting on ``incoming``. A full queue needs no wake: its consumer is not waiting."""
    if incoming is not None:
        with contextlib.suppress(asyncio.QueueFull):
            incoming.put_nowait(_WAKE)


async def _yield_to_loop() -> None:
    """Let the loop run once after a send. A burst of sends that never yields could keep writing into a
    transport whose peer has reset it before the loop delivers ``connection_lost`` (asyncio then warns
    "socket.send() raised exception"); one yield per send bounds that to a single write."""
    await asyncio.sleep(0)


async def _bounded(awaitable: object, timeout: float, what: str) -> None:
    """Await a closing step; a failure or timeout is not worth more than a debug line."""
    try:
        async with asyncio.timeout(timeout):
            await awaitable  # type: ignore[misc]
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.debug("%s failed: %s", what, type(exc).__name__)


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
