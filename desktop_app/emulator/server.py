"""The emulator's network shell: a TLS WebSocket server on loopback that the real google-genai SDK dials.

It owns the listener, the TLS material and the set of open connections, and offers the test helpers
(``wait_until``, fault injection on demand). Each connection is a
:class:`~desktop_app.emulator.connection.Connection`; which requests are accepted is ``handshake``'s.

Usage::

    async with Emulator(EmulatorConfig(pace=0)) as emu:
        client = genai.Client(api_key="anything", http_options=types.HttpOptions(
            base_url=emu.base_url, api_version="v1beta",
            async_client_args={"ssl": emu.client_ssl_context()}))
        ...
        await emu.wait_until(lambda s: s.turns >= 1)

All methods must be called on the event loop that ran :meth:`Emulator.start`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path

from websockets.asyncio.server import Server, ServerConnection, serve

from desktop_app.emulator import certs
from desktop_app.emulator.config import EmulatorConfig, EmulatorStats, Faults
from desktop_app.emulator.connection import Connection
from desktop_app.emulator.handshake import MAX_MESSAGE_BYTES, refuse_unknown_path
from desktop_app.emulator.protocol_errors import INTERNAL
from desktop_app.emulator.resumption import ResumptionStore
from desktop_app.emulator.timeline import Timeline

__all__ = ["Emulator"]

log = logging.getLogger(__name__)


class Emulator:
    """The offline Live API emulator (DESIGN.md §6).

    The constructor does no I/O. :meth:`start` makes the TLS material, writes the CA file, binds, and sets
    :attr:`port`, :attr:`base_url` and :attr:`ca_file`; :meth:`stop` closes every connection and waits for
    their tasks. ``faults`` (a :class:`Faults`) may be changed at any time; ``stats`` counts what happened.
    """

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.faults: Faults = dataclasses.replace(self.config.faults)
        self.stats = EmulatorStats()
        self.store = ResumptionStore()
        self.port = 0
        self.ca_file: Path | None = None
        self._tls: certs.TlsMaterial | None = None
        self._server: Server | None = None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._connections: set[Connection] = set()
        self._waiters: list[tuple[Callable[[EmulatorStats], bool], asyncio.Future[None]]] = []
        self.timeline: Timeline | None = None  # open between start and stop when config.timeline_path

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:PORT``: the SDK's ``HttpOptions.base_url`` (valid after :meth:`start`)."""
        host = self.config.host
        return f"https://{f'[{host}]' if ':' in host else host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The full ``wss://`` URL of the v1beta Live method, for raw WebSocket clients."""
        return (
            self.base_url.replace("https://", "wss://", 1)
            + "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
        )

    async def start(self) -> None:
        """Generate the TLS material, write the CA file and start listening."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._tls = certs.generate_tls_material()
        directory = self.config.cert_dir
        if directory is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="gemini-live-emulator-")
            directory = Path(self._tmpdir.name)
        self.ca_file = certs.write_ca_file(self._tls, directory)
        # "localhost" may resolve to both 127.0.0.1 and ::1, and port 0 would then give each its own port
        bind = "127.0.0.1" if self.config.host == "localhost" else self.config.host
        self._server = await serve(
            self._handle,
            bind,
            self.config.port,
            ssl=certs.server_ssl_context(self._tls),
            process_request=refuse_unknown_path,
            max_size=MAX_MESSAGE_BYTES,
            logger=logging.getLogger("desktop_app.emulator.websockets"),
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        if self.config.timeline_path is not None:
            self.timeline = Timeline(self.config.timeline_path)
        log.info("Live API emulator listening on %s (CA %s)", self.base_url, self.ca_file)

    async def stop(self) -> None:
        """Close all connections (1001 going away) and the listener; wait for every task. Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            server.close(close_connections=True)
            await server.wait_closed()
        for _, future in self._waiters:
            if not future.done():
                future.cancel()
        if self.timeline is not None:
            self.timeline.close()
            self.timeline = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client SSL context that trusts this emulator's CA (valid after :meth:`start`)."""
        if self._tls is None:
            raise RuntimeError("start the emulator first")
        return certs.client_ssl_context(self._tls.ca_pem)

    # ------------------------------------------------------------------ test helpers

    async def wait_until(
        self, predicate: Callable[[EmulatorStats], bool], timeout: float | None = 10.0
    ) -> None:
        """Return once ``predicate(stats)`` is true (checked after every change); TimeoutError otherwise."""
        if predicate(self.stats):
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            self._waiters.remove(entry)

    async def close_connections(self, code: int = 1011, reason: str = INTERNAL) -> None:
        """Close every open connection now with ``code`` and ``reason`` (fault injection on demand)."""
        await asyncio.gather(*(c.close(code, reason) for c in list(self._connections)))

    def drop_connections(self) -> None:
        """Abort every open connection's TCP stream without a close frame (the SDK reports 1006)."""
        for connection in list(self._connections):
            connection.drop()

    def go_away(self, time_left_s: float | None = None) -> None:
        """Send ``goAway`` on every open connection now, then close them after ``time_left_s`` (default:
        the configured ``go_away_time_left_s``) with 1011 "Deadline expired…"."""
        left = self.config.go_away_time_left_s if time_left_s is None else time_left_s
        for connection in list(self._connections):
            connection.start_go_away(left)

    # ------------------------------------------------------------------ internals

    def changed(self) -> None:
        """Wake every ``wait_until`` whose predicate now holds: connections call it after each change."""
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(self.stats):
                future.set_result(None)

    async def _handle(self, ws: ServerConnection) -> None:
        connection = Connection(self, ws)
        self._connections.add(connection)
        self.stats.connections += 1
        self.stats.active_connections += 1
        self.changed()
        try:
            await connection.run()
        finally:
            self._connections.discard(connection)
            self.stats.active_connections -= 1
            self.changed()
