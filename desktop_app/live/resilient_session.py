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
- Sends never fail because of a reconnect: during the gap they are buffered as
  :mod:`desktop_app.live.resilient_buffer` states (microphone audio up to ``audio_buffer_s``, drop oldest;
  typed turns bounded; only the latest camera frame) and sent once the new connection is up, after the
  replay of everything the server had not acknowledged.
- The old socket is always closed before the new connection is opened: the service refuses a resume while
  the old connection is open.

``stats`` (:class:`ResilienceStats`) counts reconnects by reason, the gap of each (failure or goAway →
live again, replay included), and what the buffer kept, replayed and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from desktop_app.core.audio_format import MIC_FORMAT, PcmFormat, rms_dbfs
from desktop_app.core.clock import Clock, MonotonicClock
from desktop_app.core.errors import ConnectionLostError, LiveError
from desktop_app.core.events import (
    GoAway,
    LiveEvent,
    SessionPhase,
    SessionState,
    SetupComplete,
)
from desktop_app.live.options import SessionOptions
from desktop_app.live.reconnect import (
    GiveUp,
    Reconnect,
    ReconnectCore,
    ReconnectPolicy,
    ReconnectReason,
)
from desktop_app.live.resilient_buffer import (
    ActivityOp,
    AudioOp,
    BufferStats,
    OutgoingBuffer,
    ReplayItem,
    StreamEndOp,
    TextOp,
    ToolResponseOp,
    VideoOp,
)
from desktop_app.live.session import FunctionResponse, LiveConnector, LiveSession

__all__ = ["ResilienceStats", "ResilientConnector", "ResilientEvent", "ResilientSession"]

log = logging.getLogger(__name__)

ResilientEvent = LiveEvent | SessionState
"""What a resilient session's ``events()`` yields: the inner session's events plus state changes."""

_MAX_GAP_SAMPLES = 1000


@dataclass(slots=True)
class ResilienceStats:
    """Counters of one resilient session (loop thread only; read them any time)."""

    connections: int = 0  # successful connections, the first included
    reconnects: int = 0  # successful reconnects
    go_away_reconnects: int = 0
    failure_reconnects: int = 0
    fresh_sessions: int = 0  # reconnects that could not resume and started a fresh, seeded session
    failed_attempts: int = 0  # connection attempts that failed
    stalled_sends: int = 0  # sends that took longer than send_timeout_s (a silent network loss)
    go_aways: int = 0
    gave_up: bool = False
    gaps_ms: list[float] = field(default_factory=list)  # newest last, at most 1000
    go_away_gaps_ms: list[float] = field(default_factory=list)
    failure_gaps_ms: list[float] = field(default_factory=list)
    buffer: BufferStats = field(default_factory=BufferStats)

    def record_gap(self, reason: ReconnectReason, gap_ms: float) -> None:
        for samples in (
            self.gaps_ms,
            self.go_away_gaps_ms if reason is ReconnectReason.GO_AWAY else self.failure_gaps_ms,
        ):
            if len(samples) >= _MAX_GAP_SAMPLES:
                del samples[: _MAX_GAP_SAMPLES // 2]
            samples.append(gap_ms)


class _Ended:
    """The inner session's event stream ended without an error."""


class _Tick:
    """Time to ask the policy again (a goAway deadline is armed)."""


_ENDED = _Ended()
_TICK = _Tick()


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
        self._core = ReconnectCore(policy, options, rng)
        self._buffer = OutgoingBuffer(
            max_audio_s=policy.audio_buffer_s,
            preroll_s=policy.preroll_s,
            max_texts=policy.max_buffered_texts,
            pause_s=policy.quiet_hold_s,
        )
        self.stats = ResilienceStats(buffer=self._buffer.stats)
        self._inner: LiveSession | None = None
        self._inner_cm: AbstractAsyncContextManager[LiveSession] | None = None
        self._inner_events: AsyncIterator[LiveEvent] | None = None
        self._pending: asyncio.Task[LiveEvent | _Ended] | None = None
        self._wake: asyncio.Future[None] | None = None  # resolved to interrupt a wait in _next()
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
        return self._core

    @property
    def buffered(self) -> int:
        """Items held for replay or for sending after the gap."""
        return len(self._buffer)

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the first connection; raise its LiveError (retried only with ``retry_first_connect``)."""
        options = self._core.base_options
        while True:
            try:
                await self._open(options)
                break
            except LiveError as err:
                self.stats.failed_attempts += 1
                decision = self._core.first_connect_failed(self._clock.now(), err)
                if isinstance(decision, GiveUp):
                    self._fail(decision.error)
                    raise decision.error from None
                log.info("live session: first connection failed (%s); %s", err.kind, decision.detail)
                if await self._wait_or_closed(decision.delay_s):
                    raise ConnectionLostError("The live session was closed while connecting.") from None
                options = decision.options
        self._core.connected(self._clock.now())
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

    async def send_audio(self, pcm: bytes, fmt: PcmFormat = MIC_FORMAT) -> None:
        self._check_usable()
        loud = rms_dbfs(pcm) > self._policy.speech_level_dbfs
        self._core.audio_sent(self._clock.now(), loud)
        sent = await self._forward(lambda inner: inner.send_audio(pcm, fmt))
        self._buffer.add_audio(pcm, fmt, loud=loud, sent=sent)

    async def send_video(self, jpeg: bytes, mime_type: str = "image/jpeg") -> None:
        self._check_usable()
        if not await self._forward(lambda inner: inner.send_video(jpeg, mime_type)):
            self._buffer.set_video(jpeg, mime_type)

    async def send_text(self, text: str) -> None:
        self._check_usable()
        self._core.user_text(text)
        self._core.user_turn_sent(self._clock.now())
        sent = await self._forward(lambda inner: inner.send_text(text))
        self._buffer.add_text(text, sent=sent)

    async def send_audio_stream_end(self) -> None:
        self._check_usable()
        if self._buffer.has_speech:
            self._core.user_turn_sent(self._clock.now())
        sent = await self._forward(lambda inner: inner.send_audio_stream_end())
        self._buffer.add_stream_end(sent=sent)

    async def send_activity(self, *, start: bool) -> None:
        self._check_usable()
        self._core.user_activity(self._clock.now(), start=start)
        sent = await self._forward(lambda inner: inner.send_activity(start=start))
        self._buffer.add_activity(start=start, sent=sent)

    async def send_tool_response(self, responses: Sequence[FunctionResponse]) -> None:
        self._check_usable()
        if not await self._forward(lambda inner: inner.send_tool_response(responses)):
            self._buffer.add_tool_responses(responses)

    def _check_usable(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise ConnectionLostError("The live session is closed.")

    async def _forward(self, send: Callable[[LiveSession], Awaitable[None]]) -> bool:
        """Send on the current connection; False when it cannot go out now (the gap, or a failed or
        stalled send on a connection about to be replaced), so the caller keeps it for the replay.

        The caller records the outcome right after this returns, with no await in between, so a replay
        never misses it; if the connection was replaced while the send waited, it is sent again on the
        new one rather than left behind.
        """
        while True:
            inner = self._inner
            if not self._live or inner is None:
                return False
            try:
                async with asyncio.timeout(self._policy.send_timeout_s):
                    await send(inner)
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
        self.stats.stalled_sends += 1
        self._forced = ConnectionLostError(
            f"Sending to the Live API stalled for {self._policy.send_timeout_s:g} s; the connection "
            "counts as lost."
        )
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    # --- receiving -------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[ResilientEvent]:
        """Every event of the conversation, across reconnects, until :meth:`close` or a fatal error."""
        first_setup = True
        while not self._closed:
            try:
                item = await self._next()
            except LiveError as err:
                if self._closed:
                    return
                async for state in self._recover(self._core.failed(self._clock.now(), err)):
                    yield state
                continue
            if isinstance(item, _Ended):
                if self._closed:
                    return
                lost = ConnectionLostError("The Live API ended the session without a close code.")
                async for state in self._recover(self._core.failed(self._clock.now(), lost)):
                    yield state
                continue
            if isinstance(item, _Tick):
                decision = self._core.poll(self._clock.now())
                if decision is not None:
                    async for state in self._recover(decision):
                        yield state
                continue
            if self._core.observe(self._clock.now(), item):
                self._buffer.acknowledge()
            if isinstance(item, GoAway):
                self.stats.go_aways += 1
                log.info("live session: goAway (time left %s s)", item.time_left_s)
            elif isinstance(item, SetupComplete):
                if first_setup:
                    first_setup = False
                    yield item
            else:
                yield item
            decision = self._core.poll(self._clock.now())
            if decision is not None:
                async for state in self._recover(decision):
                    yield state

    async def _next(self) -> LiveEvent | _Ended | _Tick:
        """The inner session's next event; ``_TICK`` when the policy must be asked again first.

        The pull runs as its own task so that a stalled send (or the goAway timer) can interrupt the
        wait without cancelling the inner stream; a forced failure is raised as a LiveError.
        """
        if self._forced is not None:
            forced, self._forced = self._forced, None
            raise forced
        if self._inner_events is None:
            return _ENDED
        loop = asyncio.get_running_loop()
        if self._pending is None:
            self._pending = loop.create_task(_pull(self._inner_events), name="resilient-session-next-event")
        pending = self._pending
        wake = self._wake = loop.create_future()
        try:
            await asyncio.wait(
                {pending, wake},
                timeout=self._core.next_poll_in(self._clock.now()),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            self._wake = None
            wake.cancel()
        if pending.done():
            if self._pending is pending:
                self._pending = None
            if pending.cancelled():  # close() cancelled the pull: the stream is over
                return _ENDED
            return pending.result()
        if self._forced is not None:
            forced, self._forced = self._forced, None
            raise forced
        return _TICK

    # --- reconnecting ----------------------------------------------------------------------------

    async def _recover(self, decision: Reconnect | GiveUp) -> AsyncIterator[ResilientEvent]:
        """Carry out ``decision`` and any that follow until live again; raise on giving up."""
        started = self._clock.now()
        late = self._take_pulled_event()
        if late is not None:  # arrived while the policy was deciding: still part of the conversation
            if self._core.observe(started, late):
                self._buffer.acknowledge()
            if not isinstance(late, GoAway | SetupComplete):
                yield late
        first_reason = decision.reason if isinstance(decision, Reconnect) else None
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
                self.stats.failed_attempts += 1
                if self._closed:
                    return
                decision = self._core.failed(self._clock.now(), err)
                continue
            break
        now = self._clock.now()
        gap_ms = (now - started) * 1000
        self._forced = None  # a stall found on the old connection is settled by this reconnect
        self._core.connected(now)
        self._live = True
        self.phase = SessionPhase.LIVE
        self.stats.reconnects += 1
        reason = first_reason or decision.reason
        if reason is ReconnectReason.GO_AWAY:
            self.stats.go_away_reconnects += 1
        else:
            self.stats.failure_reconnects += 1
        if not decision.resumed:
            self.stats.fresh_sessions += 1
        self.stats.record_gap(reason, gap_ms)
        how = (
            "resumed the session"
            if decision.resumed
            else f"started a fresh session with {decision.seeded_entries} recent transcript entries"
        )
        log.info("live session: live again after %.0f ms (%s)", gap_ms, how)
        yield SessionState(SessionPhase.LIVE, f"{how} after {gap_ms:.0f} ms")

    def _take_pulled_event(self) -> LiveEvent | None:
        """An event the pending pull already got (its task finished), if any."""
        pending = self._pending
        if pending is None or not pending.done() or pending.cancelled():
            return None
        self._pending = None
        if pending.exception() is not None:
            return None  # the connection failed anyway; the reconnect deals with it
        result = pending.result()
        return None if isinstance(result, _Ended) else result

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
        self._inner_events = session.events()
        self.stats.connections += 1
        self._session_id = session.session_id or self._session_id

    async def _replay(self) -> None:
        """Send what the server has not acknowledged, then what arrived during the gap, in order."""
        inner = self._inner
        if inner is None:  # pragma: no cover - _open just set it
            raise ConnectionLostError("The live session is not connected.")
        self._buffer.begin_replay()
        while items := self._buffer.take():
            for index, item in enumerate(items):
                try:
                    async with asyncio.timeout(self._policy.send_timeout_s):
                        await _send_item(inner, item)
                except TimeoutError:
                    self._buffer.restore(items[index:])
                    self.stats.stalled_sends += 1
                    raise ConnectionLostError("Sending to the Live API stalled while reconnecting.") from None
                except LiveError:
                    self._buffer.restore(items[index:])
                    raise
                self._buffer.mark_sent(item)
                await _yield_to_loop()
                if isinstance(item, TextOp | StreamEndOp) or (
                    isinstance(item, ActivityOp) and not item.start
                ):
                    self._core.user_turn_sent(self._clock.now())

    async def _close_inner(self) -> None:
        """Close the current connection (bounded by ``close_timeout_s``); safe to call twice."""
        pending, self._pending = self._pending, None
        events, self._inner_events = self._inner_events, None
        inner, self._inner = self._inner, None
        cm, self._inner_cm = self._inner_cm, None
        timeout = self._policy.close_timeout_s
        if inner is not None:
            await _bounded(inner.close(), timeout, "closing the live session")
        if pending is not None:
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        if events is not None:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await _bounded(aclose(), timeout, "closing the event stream")
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
        self.stats.gave_up = True


async def _yield_to_loop() -> None:
    """Let the loop run once after a send. A burst of sends that never yields could keep writing into a
    transport whose peer has reset it before the loop delivers ``connection_lost`` (asyncio then warns
    "socket.send() raised exception"); one yield per send bounds that to a single write."""
    await asyncio.sleep(0)


async def _pull(events: AsyncIterator[LiveEvent]) -> LiveEvent | _Ended:
    try:
        return await anext(events)
    except StopAsyncIteration:
        return _ENDED


async def _bounded(awaitable: object, timeout: float, what: str) -> None:
    """Await a closing step; a failure or timeout is not worth more than a debug line."""
    try:
        async with asyncio.timeout(timeout):
            await awaitable  # type: ignore[misc]
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.debug("%s failed: %s", what, type(exc).__name__)


async def _send_item(session: LiveSession, item: ReplayItem) -> None:
    if isinstance(item, AudioOp):
        await session.send_audio(item.pcm, item.fmt)
    elif isinstance(item, TextOp):
        await session.send_text(item.text)
    elif isinstance(item, StreamEndOp):
        await session.send_audio_stream_end()
    elif isinstance(item, ActivityOp):
        await session.send_activity(start=item.start)
    elif isinstance(item, VideoOp):
        await session.send_video(item.data, item.mime_type)
    elif isinstance(item, ToolResponseOp):
        await session.send_tool_response(item.responses)


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
