"""One open connection of a resilient session, read by ONE reader task into a bounded queue.

:class:`Link` owns the inner session, its context manager and its reader. The reader puts every event
into a queue of :data:`INCOMING_EVENTS` items, then how the stream ended (:data:`Signal.ENDED`, or the
exception it raised). Drop policy: none. When the queue is full the reader waits, which stops reading the
socket (backpressure); every event is part of the conversation, so none is dropped.

The caller (:class:`~desktop_app.live.resilient_session.ResilientSession`, on the loop thread) must:
open a link with :meth:`Link.open`, take events with :meth:`Link.next`, send with :meth:`Link.send` and
:meth:`Link.replay`, wake
a waiting :meth:`Link.next` with :meth:`Link.poke` (a stalled send), and always :meth:`Link.close` it.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from desktop_app.core.commands import Command
from desktop_app.core.errors import ConnectionLostError, LiveError
from desktop_app.core.events import LiveEvent
from desktop_app.live.options import SessionOptions
from desktop_app.live.resilient_buffer import Entry, OutgoingBuffer
from desktop_app.live.session import LiveConnector, LiveSession

__all__ = ["INCOMING_EVENTS", "Link", "Signal", "bounded"]

log = logging.getLogger(__name__)

INCOMING_EVENTS = 256
"""The bound of each connection's event queue (the reader waits when it is full)."""


class Signal(enum.Enum):
    """What :meth:`Link.next` returns instead of an event."""

    ENDED = "ended"
    """The inner stream ended without an error (or the link was closed)."""
    WAKE = "wake"
    """:meth:`Link.poke` was called: look at the session's state again."""
    TIMEOUT = "timeout"
    """Nothing arrived within the timeout."""


_Incoming = LiveEvent | Exception | Signal


class Link:
    """One open connection and its reader. Create it with :meth:`open`."""

    def __init__(
        self, session: LiveSession, cm: AbstractAsyncContextManager[LiveSession], close_timeout_s: float
    ) -> None:
        self.session = session
        self._cm = cm
        self._close_s = close_timeout_s
        self._closed = False
        self._stalled: ConnectionLostError | None = None
        self._incoming: asyncio.Queue[_Incoming] = asyncio.Queue(INCOMING_EVENTS)
        self._reader = asyncio.get_running_loop().create_task(
            self._read(session.events()), name="resilient-session-reader"
        )

    @classmethod
    async def open(
        cls,
        connector: LiveConnector,
        options: SessionOptions,
        connect_timeout_s: float,
        close_timeout_s: float,
    ) -> Link:
        """Connect with ``options``; raise the connector's LiveError, or ConnectionLostError on a timeout."""
        cm = connector.connect(options)
        try:
            async with asyncio.timeout(connect_timeout_s):
                session = await cm.__aenter__()
        except TimeoutError:
            raise ConnectionLostError(
                f"Connecting to the Live API took longer than {connect_timeout_s:g} s."
            ) from None
        return cls(session, cm, close_timeout_s)

    async def next(self, timeout_s: float | None) -> LiveEvent | Signal:
        """The next event, or a :class:`Signal`; raises what the inner stream raised, or (once) the
        ConnectionLostError of a :meth:`stall`."""
        if self._stalled is None:
            if self._closed:
                return Signal.ENDED
            try:
                async with asyncio.timeout(timeout_s):
                    item = await self._incoming.get()
            except TimeoutError:
                return Signal.TIMEOUT
            if self._closed:  # closed while waiting: what is left no longer matters
                return Signal.ENDED
            if isinstance(item, Exception):
                raise item
            if item is not Signal.WAKE:
                return item
        if self._stalled is not None:
            stalled, self._stalled = self._stalled, None
            raise stalled
        return Signal.WAKE

    def stall(self, seconds: float) -> bool:
        """A send took longer than ``seconds``: the network is gone without a word (a silent drop is
        otherwise noticed only by keepalive pings, tens of seconds later). The waiting :meth:`next` raises
        ConnectionLostError so that the caller reconnects now. True the first time only."""
        if self._stalled is not None or self._closed:
            return False
        self._stalled = ConnectionLostError(
            f"Sending to the Live API stalled for {seconds:g} s; the connection counts as lost."
        )
        self.poke()
        return True

    async def send(self, command: Command, timeout_s: float) -> None:
        """Send ``command`` on this connection; TimeoutError after ``timeout_s`` (a stall), else the
        session's LiveError.

        After a send the loop runs once: a burst of sends that never yields could keep writing into a
        transport whose peer has reset it before the loop delivers ``connection_lost`` (asyncio then warns
        "socket.send() raised exception"); one yield per send bounds that to a single write.
        """
        async with asyncio.timeout(timeout_s):
            await self.session.send(command)
        await asyncio.sleep(0)

    async def replay(self, buffer: OutgoingBuffer, timeout_s: float, sent: Callable[[Entry], None]) -> None:
        """Send everything ``buffer`` holds for after a reconnect, in order, calling ``sent`` for each entry
        that went out. On a failure the entries not sent go back into ``buffer`` and the error is raised
        (TimeoutError for a stall)."""
        buffer.begin_replay()
        while entries := buffer.take():
            for index, entry in enumerate(entries):
                try:
                    await self.send(entry.command, timeout_s)
                except (TimeoutError, LiveError):
                    buffer.restore(entries[index:])
                    raise
                sent(entry)

    def poke(self) -> None:
        """Wake a waiting :meth:`next`. A full queue needs no wake: nobody is waiting on it."""
        with contextlib.suppress(asyncio.QueueFull):
            self._incoming.put_nowait(Signal.WAKE)

    def take_received(self) -> list[LiveEvent]:
        """The events already queued (the caller is giving up on this connection)."""
        events = []
        while not self._incoming.empty():
            item = self._incoming.get_nowait()
            if not isinstance(item, Signal | Exception):
                events.append(item)
        return events

    async def close(self) -> None:
        """Close the session, stop the reader and leave the context (each bounded); safe to call twice.
        From then on :meth:`next` returns :data:`Signal.ENDED`, also to a caller already waiting."""
        if self._closed:
            return
        self._closed = True
        await bounded(self.session.close(), self._close_s, "closing the live session")
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        self.poke()
        await bounded(self._cm.__aexit__(None, None, None), self._close_s, "leaving the live session")

    async def _read(self, events: AsyncIterator[LiveEvent]) -> None:
        try:
            try:
                async for event in events:
                    await self._incoming.put(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the consumer raises it (a LiveError starts a reconnect)
                await self._incoming.put(exc)
                return
            await self._incoming.put(Signal.ENDED)
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await bounded(aclose(), self._close_s, "closing the event stream")


async def bounded(awaitable: object, timeout: float, what: str) -> None:
    """Await a closing step; a failure or timeout is not worth more than a debug line."""
    try:
        async with asyncio.timeout(timeout):
            await awaitable  # type: ignore[misc]
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.debug("%s failed: %s", what, type(exc).__name__)
