"""The I/O shell around :class:`~desktop_app.relay.protocol.RelayProtocol` for one browser connection.

Tasks per connection: a writer (drains the bounded :class:`~desktop_app.relay.outbox.SendQueue`) and, while
the session is open, a reader (browser frames → protocol → session sends) and a pump (session events →
protocol → send queue); a browser that streams while it connects is held back by TCP flow control rather
than losing data. Its tools and consent: :class:`~desktop_app.relay.page_tools.PageToolSession`.

One live session per browser, opened once: a resilient session reconnects by itself (its sends buffer
during the gap, its ``SessionState`` events become ``{"session"}`` messages); any failure it raises, or a
plain session's drop, is final for this browser (see :mod:`.protocol`).

Nothing a browser sends can raise out of :meth:`BrowserConnection.run`: protocol problems are answered
by the protocol, and any unexpected failure is logged (redacted) and closes only this connection (1011).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from desktop_app.core.app_events import ToolActivity
from desktop_app.core.errors import LiveError
from desktop_app.core.events import Event
from desktop_app.live.options import SessionOptions
from desktop_app.live.session import LiveConnector, LiveSession
from desktop_app.relay.config import RelayConfig
from desktop_app.relay.ending import why_closed
from desktop_app.relay.outbox import SendQueue
from desktop_app.relay.page_tools import BrowserTools, PageToolSession
from desktop_app.relay.protocol import RelayProtocol
from desktop_app.relay.protocol_values import (
    Action,
    AnswerConsent,
    Close,
    CloseCode,
    Forward,
    OpenSession,
    Reply,
    RunTools,
    close_reason,
)

__all__ = ["BrowserConnection", "RelayContext"]

log = logging.getLogger("desktop_app.relay")


class _QueueFull(Exception):
    """The browser's send queue overflowed; unwinds the loops so the connection can be closed."""


@dataclass(frozen=True, slots=True)
class RelayContext:
    """What every browser connection of one relay shares: ``connector()`` returns the connector of the
    current backend, ``base`` is the relay's session options, ``config`` its limits and timeouts, ``redact``
    is applied to all text that is logged or sent, and ``tools`` is what a browser's session may use."""

    connector: Callable[[], LiveConnector]
    base: SessionOptions
    config: RelayConfig
    redact: Callable[[str], str]
    tools: BrowserTools = field(default_factory=BrowserTools)


class BrowserConnection:
    """One browser's relay session. Construct on the loop thread with the relay's shared ``context``, a
    small ``client_id`` for logs and ``/status`` and the upgrade's ``Origin`` header; then ``await run()``
    once."""

    def __init__(
        self, ws: ServerConnection, context: RelayContext, *, client_id: int, origin: str | None
    ) -> None:
        self._ws = ws
        self._context = context
        self._config = context.config
        self._redact = context.redact
        self.client_id = client_id
        self.origin = origin
        self._page: PageToolSession | None = None
        self.protocol = RelayProtocol(context.base, redact=context.redact, limits=self._config.limits)
        self._outbox = SendQueue(self._config.send_queue_frames)
        self._high_water = max(1, self._config.send_queue_frames // 2)
        self._close: tuple[int, str] | None = None
        self._connected_at = time.monotonic()
        self._backend = ""
        self.ending = ""
        """Why the connection ended, once it has: ``setup_timeout`` or :func:`~.ending.why_closed`'s."""

    # --- public -------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What ``GET /status`` shows about this client."""
        setup = self.protocol.setup
        latency = getattr(self._ws, "latency", 0.0)
        return {
            "id": self.client_id,
            "origin": self.origin,
            "state": self.protocol.session,
            "backend": self._backend or None,
            "modality": setup.modality.value if setup is not None else None,
            "connected_s": round(time.monotonic() - self._connected_at, 1),
            "queued": len(self._outbox),
            "ping_ms": round(latency * 1000, 1) if latency else None,
            **self.protocol.stats.as_dict(),
        }

    async def run(self) -> None:
        """Serve the connection until the browser leaves or the relay closes it."""
        writer = asyncio.create_task(self._write_loop(), name=f"relay-client-{self.client_id}-write")
        try:
            options = await self._await_setup()
            if options is not None:
                await self._live_until_browser_leaves(options)
        except ConnectionClosed:
            pass
        except _QueueFull:
            self._finish(self.protocol.send_queue_overflowed())
            log.info("relay client %d: send queue full, closing", self.client_id)
        except Exception as exc:  # a bug; never let it take the relay down
            log.error("relay client %d failed: %s", self.client_id, self._redact(repr(exc)), exc_info=True)
            self._close = (CloseCode.UPSTREAM_FAILED, "Internal relay error.")
        finally:
            self.protocol.session = "closed"
            await self._shutdown(writer)

    # --- phases -------------------------------------------------------------------------------

    async def _await_setup(self) -> SessionOptions | None:
        """Read frames until a valid setup; None when the connection closes first."""
        try:
            async with asyncio.timeout(self._config.setup_timeout_s):
                async for frame in self._ws:
                    options: SessionOptions | None = None
                    for action in self.protocol.receive(frame, time.monotonic()):
                        if isinstance(action, OpenSession):
                            options = action.options
                        elif self._dispatch(action):
                            return None
                    if options is not None:
                        setup = self.protocol.setup
                        log.info(
                            "relay client %d: setup, replies as %s",
                            self.client_id,
                            setup.modality.value if setup is not None else "?",
                        )
                        return options
        except TimeoutError:
            self.ending = "setup_timeout"
            log.info(
                "relay client %d: no setup within %g s, closing", self.client_id, self._config.setup_timeout_s
            )
            self._finish(self.protocol.setup_timed_out(self._config.setup_timeout_s))
        return None

    async def _live_until_browser_leaves(self, options: SessionOptions) -> None:
        """Run :meth:`_live`, cancelling it as soon as the browser's socket closes.

        The reader notices a closed socket only while a session is open; this also covers a browser
        that leaves while the live session is still connecting or waiting to reconnect.
        """
        live = asyncio.create_task(self._live(options), name=f"relay-client-{self.client_id}-live")
        gone = asyncio.create_task(self._ws.wait_closed())
        try:
            await asyncio.wait({live, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (live, gone):
                if not task.done():
                    task.cancel()
            await asyncio.wait({live, gone})
        if not live.cancelled():
            live.result()

    async def _live(self, options: SessionOptions) -> None:
        """Open the one live session and relay until it ends, fails or the browser is closed."""
        connector = self._context.connector()
        self._backend = connector.backend_name
        page = self._context.tools.open(self._publish, model=options.model)
        try:
            async with connector.connect(page.session_options(options)) as session:
                outcome = await self._run_session(session, page)
        except LiveError as err:
            log.info(
                "relay client %d: live session failed: %s (%s)",
                self.client_id,
                self._redact(str(err)),
                err.kind,
            )
            outcome = self._first_close(self.protocol.live_failed(err))
        if outcome is not None:
            self._close = (outcome.code, outcome.reason)

    async def _run_session(self, session: LiveSession, page: PageToolSession) -> Close | None:
        """Run reader and pump on the open session; the Close (if any) says how the browser is closed."""
        self._first_close(self.protocol.session_opened())
        self._page = page
        await page.start(session.send)
        reader = asyncio.create_task(self._read_loop(session), name=f"relay-client-{self.client_id}-read")
        pump = asyncio.create_task(self._pump(session), name=f"relay-client-{self.client_id}-pump")
        try:
            done, _ = await asyncio.wait({reader, pump}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, pump):
                if not task.done():
                    task.cancel()
            await asyncio.wait({reader, pump})
            self._page = None
            await page.stop()  # waiting cards count as deny; nothing more is sent on this session
        first = pump if pump in done else reader
        # A send that failed because the session failed surfaces as the pump's LiveError too;
        # prefer the pump's outcome when both finished.
        if pump.done() and not pump.cancelled() and pump.exception() is not None:
            first = pump
        if first.cancelled():  # pragma: no cover - both cancelled only when we are cancelled
            raise asyncio.CancelledError
        return first.result()

    async def _read_loop(self, session: LiveSession) -> Close | None:
        """Browser frames → live session, until the browser leaves (None) or is closed (Close)."""
        try:
            async for frame in self._ws:
                for action in self.protocol.receive(frame, time.monotonic()):
                    if isinstance(action, Forward):
                        await session.send(action.command)
                    elif isinstance(action, Close):
                        return action
                    else:
                        self._dispatch(action)
        except ConnectionClosed:
            pass
        return None

    async def _pump(self, session: LiveSession) -> Close | None:
        """Live session events → browser, until the session ends or fails (a LiveError is raised)."""
        events = session.events()
        try:
            async for event in events:
                outcome = self._first_close(self.protocol.live_event(event))
                if outcome is not None:
                    return outcome
                if len(self._outbox) >= self._high_water:
                    await self._wait_for_browser()
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
        return self._first_close(self.protocol.live_ended())

    async def _wait_for_browser(self) -> None:
        """Backpressure: hold the live session's events until the browser has read half its queue."""
        try:
            async with asyncio.timeout(self._config.stall_timeout_s):
                await self._outbox.wait_below(self._high_water)
        except TimeoutError:
            raise _QueueFull from None

    # --- actions ------------------------------------------------------------------------------

    def _dispatch(self, action: Action) -> bool:
        """Carry out a non-session action; True when it closes the connection."""
        if isinstance(action, Reply):
            self._enqueue(action)
        elif isinstance(action, Close):
            self._close = (action.code, action.reason)
            return True
        elif isinstance(action, RunTools) and self._page is not None:
            self._page.runtime.on_event(action.event)
        elif isinstance(action, AnswerConsent) and not (
            self._page is not None and self._page.consent.answer(action.call_id, action.decision)
        ):
            self._first_close(self.protocol.unknown_call(action.call_id))
        return False

    def _first_close(self, actions: list[Action]) -> Close | None:
        """Carry out the replies and tool actions in ``actions``; return the Close among them, if any."""
        terminal: Close | None = None
        for action in actions:
            if not isinstance(action, Close):
                self._dispatch(action)
            elif terminal is None:
                terminal = action
        return terminal

    def _publish(self, event: Event) -> None:
        """A tool step → page frames; a full queue drops them (the pump closes a page that stops reading)."""
        if isinstance(event, ToolActivity):
            for action in self.protocol.tool_activity(event):
                if isinstance(action, Reply) and not self._outbox.put(action.frame):
                    log.info("relay client %d: send queue full, a tool frame was dropped", self.client_id)

    def _finish(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Reply):
                self._outbox.put(action.frame, audio=action.audio)
            elif isinstance(action, Close):
                self._close = (action.code, action.reason)

    def _enqueue(self, reply: Reply) -> None:
        if reply.flush_audio:
            self.protocol.stats.audio_dropped += self._outbox.drop_audio()
        if not self._outbox.put(reply.frame, audio=reply.audio):
            raise _QueueFull

    # --- writing and closing -------------------------------------------------------------------

    async def _write_loop(self) -> None:
        stats = self.protocol.stats
        try:
            while (frame := await self._outbox.get()) is not None:
                await self._ws.send(frame)
                stats.messages_out += 1
                stats.bytes_out += len(frame)
        except ConnectionClosed:
            pass

    async def _shutdown(self, writer: asyncio.Task[None]) -> None:
        self._outbox.close()
        if not self.ending:
            self.ending = why_closed(self._ws, self._close)
        code, reason = self._close or (CloseCode.NORMAL, "")
        try:
            async with asyncio.timeout(self._config.close_timeout_s):
                await asyncio.shield(writer)
        except TimeoutError:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        log.info(
            "relay client %d: closed (%s; %d %s) %s",
            self.client_id,
            self.ending,
            code,
            reason,
            self.protocol.stats.as_dict(),
        )
        with contextlib.suppress(Exception):
            await self._ws.close(code, close_reason(reason))
