"""A TCP fault proxy for tests and the bench: asyncio, loopback only, between a client and a server.

It forwards bytes both ways and can, on demand, break the path the way real networks do::

    async with Emulator(...) as emu, FaultProxy(emu.port) as proxy:
        backend = Backend("emulator", "test-key", proxy.base_url, emu.client_ssl_context())
        ...
        proxy.blackhole()           # half-open: both directions stop, the sockets stay open (no FIN, no RST)
        proxy.blackhole(up=False)   # only the server → client direction goes dark
        proxy.latency(0.2, jitter_s=0.05)
        proxy.throttle(64_000)      # bytes per second, per direction and connection
        proxy.cut_mid_frame()       # the next server → client chunk is half forwarded, then FIN both ways
        proxy.reset()               # RST (SO_LINGER 0) on every open connection, both sides
        proxy.heal()                # latency, throttle and blackholes off for the connections to come

Faults apply to the connections open at that moment; a *blackhole* also applies to new connections when
``new_connections=True`` (an outage rather than one dead flow). The bytes are TLS: "mid-frame" means mid
TLS record, hence mid WebSocket frame, which is what the client sees.

Bounds: each direction of each connection holds at most :data:`MAX_CHUNKS` chunks in flight (latency);
the reader waits when it is full (backpressure: no drop). A blackhole discards what it reads (that is the
fault) and counts it in ``stats``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import time
from dataclasses import dataclass
from types import TracebackType

__all__ = ["MAX_CHUNKS", "FaultProxy", "ProxyStats"]

MAX_CHUNKS = 256
"""Chunks in flight per direction and connection (the latency queue's bound)."""

_READ = 65536


@dataclass(slots=True)
class ProxyStats:
    connections: int = 0
    bytes_up: int = 0  # client → server, forwarded
    bytes_down: int = 0  # server → client, forwarded
    blackholed_bytes: int = 0
    cuts: int = 0
    resets: int = 0


@dataclass(slots=True)
class _Direction:
    """The faults of one direction of one connection (read by its pump on every chunk)."""

    dark: bool = False
    latency_s: float = 0.0
    jitter_s: float = 0.0
    bytes_per_s: float | None = None
    cut: bool = False


class _Pipe:
    """One proxied connection: two pumps, each through a bounded in-flight queue."""

    def __init__(
        self,
        proxy: FaultProxy,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        server: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        self.proxy = proxy
        self.client_w, self.server_w = client[1], server[1]
        self.up = _Direction(dark=proxy._dark_new[0])
        self.down = _Direction(dark=proxy._dark_new[1])
        for d in (self.up, self.down):
            d.latency_s, d.jitter_s, d.bytes_per_s = proxy._latency_s, proxy._jitter_s, proxy._bytes_per_s
        self.tasks = [
            asyncio.create_task(self._pump(client[0], self.server_w, self.up, upstream=True)),
            asyncio.create_task(self._pump(server[0], self.client_w, self.down, upstream=False)),
        ]

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, d: _Direction, *, upstream: bool
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue(MAX_CHUNKS)
        sender = asyncio.create_task(self._send(queue, writer, d))
        try:
            while chunk := await reader.read(_READ):
                if d.dark:
                    self.proxy.stats.blackholed_bytes += len(chunk)
                    continue
                if d.cut and len(chunk) > 1:
                    await queue.put((0.0, chunk[: len(chunk) // 2]))
                    await queue.put(None)
                    await sender
                    self.proxy.stats.cuts += 1
                    self.close(rst=False)
                    return
                delay = d.latency_s + (self.proxy._rng.uniform(0, d.jitter_s) if d.jitter_s else 0.0)
                await queue.put((time.monotonic() + delay, chunk))
                if upstream:
                    self.proxy.stats.bytes_up += len(chunk)
                else:
                    self.proxy.stats.bytes_down += len(chunk)
            if not d.dark:  # a FIN from one side is passed on (a dark path passes nothing)
                await queue.put(None)
                await sender
                with contextlib.suppress(OSError, RuntimeError):
                    writer.write_eof()
        except (OSError, asyncio.IncompleteReadError):
            self.close(rst=False)
        finally:
            sender.cancel()

    async def _send(
        self, queue: asyncio.Queue[tuple[float, bytes] | None], writer: asyncio.StreamWriter, d: _Direction
    ) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while (item := await queue.get()) is not None:
                due, chunk = item
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)  # the latency being simulated
                writer.write(chunk)
                await writer.drain()
                if d.bytes_per_s:
                    await asyncio.sleep(len(chunk) / d.bytes_per_s)  # the throttle being simulated

    def close(self, *, rst: bool) -> None:
        for w in (self.client_w, self.server_w):
            sock = w.get_extra_info("socket")
            if rst and sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                w.transport.abort()
            else:
                w.close()
        self.proxy._pipes.discard(self)


class FaultProxy:
    """Listens on 127.0.0.1 and forwards to ``target_port`` on 127.0.0.1. Use it as an async context
    manager (or :meth:`start` and :meth:`close`); loop thread only."""

    def __init__(self, target_port: int, *, target_host: str = "127.0.0.1", seed: int = 0) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.stats = ProxyStats()
        self._rng = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._pipes: set[_Pipe] = set()
        self._dark_new = (False, False)
        self._latency_s = 0.0
        self._jitter_s = 0.0
        self._bytes_per_s: float | None = None

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:PORT`` for the SDK's ``base_url`` (the emulator speaks TLS through us)."""
        return f"https://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for pipe in list(self._pipes):
            pipe.close(rst=False)
            for task in pipe.tasks:
                task.cancel()
            await asyncio.gather(*pipe.tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def open_connections(self) -> int:
        return len(self._pipes)

    # --- faults -----------------------------------------------------------------------------------

    def blackhole(self, *, up: bool = True, down: bool = True, new_connections: bool = False) -> None:
        """Stop forwarding (``up``: client → server; ``down``: server → client) on the open connections,
        keeping their sockets open; with ``new_connections`` also on every connection opened later."""
        for pipe in self._pipes:
            pipe.up.dark = pipe.up.dark or up
            pipe.down.dark = pipe.down.dark or down
        if new_connections:
            self._dark_new = (up, down)

    def latency(self, seconds: float, *, jitter_s: float = 0.0) -> None:
        """Delay every chunk by ``seconds`` plus a uniform ``[0, jitter_s)`` (order kept), on the open
        connections and the ones to come."""
        self._latency_s, self._jitter_s = seconds, jitter_s
        for pipe in self._pipes:
            for d in (pipe.up, pipe.down):
                d.latency_s, d.jitter_s = seconds, jitter_s

    def throttle(self, bytes_per_s: float | None) -> None:
        """At most ``bytes_per_s`` per direction and connection (None: no limit)."""
        self._bytes_per_s = bytes_per_s
        for pipe in self._pipes:
            pipe.up.bytes_per_s = pipe.down.bytes_per_s = bytes_per_s

    def cut_mid_frame(self, *, down: bool = True) -> None:
        """The next chunk in that direction on each open connection is half forwarded, then both sockets
        are closed (FIN): the client sees a frame that never ends."""
        for pipe in self._pipes:
            (pipe.down if down else pipe.up).cut = True

    def reset(self) -> int:
        """RST (SO_LINGER 0) both sockets of every open connection. Returns how many were reset."""
        pipes = list(self._pipes)
        for pipe in pipes:
            pipe.close(rst=True)
        self.stats.resets += len(pipes)
        return len(pipes)

    def heal(self) -> None:
        """New connections go through clean (the open ones keep their faults: a dead flow stays dead)."""
        self._dark_new = (False, False)
        self._latency_s, self._jitter_s, self._bytes_per_s = 0.0, 0.0, None

    # --- plumbing ---------------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            server = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.stats.connections += 1
        pipe = _Pipe(self, (reader, writer), server)
        self._pipes.add(pipe)
        await asyncio.gather(*pipe.tasks, return_exceptions=True)
        self._pipes.discard(pipe)
        for w in (writer, server[1]):
            w.close()
