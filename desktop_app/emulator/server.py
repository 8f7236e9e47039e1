"""The emulator's network shell: a TLS WebSocket server on loopback that the real google-genai SDK dials.

It only does I/O: the handshake (path, API version, key), one reader and one writer per connection, timers
and fault injection. Parsing lives in ``wire``, turn logic in ``model``.

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
import contextlib
import dataclasses
import logging
import os
import re
import ssl
import tempfile
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from desktop_app.emulator import certs, wire
from desktop_app.emulator.config import EmulatorConfig, EmulatorStats, Faults
from desktop_app.emulator.messages import (
    AudioIn,
    GoAway,
    Interrupted,
    ServerOutput,
    ToolCall,
    TurnComplete,
    VideoIn,
)
from desktop_app.emulator.model import (
    ModelOptions,
    Outgoing,
    ResumptionStore,
    SessionState,
    SimulatedModel,
    new_session_id,
)

__all__ = ["Emulator", "client_env", "match_path", "request_key"]

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # inline images may be several MB, base64 adds a third
_PATH = re.compile(
    r"(?:^|/)google\.ai\.generativelanguage\.(v1|v1beta|v1alpha)\.GenerativeService\."
    r"(BidiGenerateContent|BidiGenerateContentConstrained)$"
)


def client_env(base_url: str, ca_file: str | os.PathLike[str], api_key: str = "anything") -> dict[str, str]:
    """The environment that points an unmodified google-genai program at an emulator: its base URL, the CA
    that signed its certificate, and a key (any key, unless the emulator has ``accepted_keys``)."""
    return {
        "GOOGLE_GEMINI_BASE_URL": base_url,
        "SSL_CERT_FILE": os.fspath(ca_file),
        "GEMINI_API_KEY": api_key,
    }


def match_path(path: str) -> str | None:
    """The API version if ``path`` (query ignored, repeated slashes collapsed) ends in the Live method."""
    collapsed = re.sub(r"/{2,}", "/", urlsplit(path).path)
    found = _PATH.search(collapsed)
    return found.group(1) if found else None


def request_key(path: str, headers: Headers) -> str:
    """The API key or token of a handshake: ``x-goog-api-key``, ``?key=``, ``?access_token=`` or
    ``Authorization: Token …`` / ``Bearer …``, in that order. Empty if none was given."""
    key = headers.get("x-goog-api-key", "")
    if key:
        return key
    query = parse_qs(urlsplit(path).query)
    for name in ("key", "access_token"):
        if query.get(name):
            return query[name][0]
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("token", "bearer"):
        return credentials.strip()
    return ""


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
        self._connections: set[_Connection] = set()
        self._waiters: list[tuple[Callable[[EmulatorStats], bool], asyncio.Future[None]]] = []

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
            process_request=self._process_request,
            max_size=MAX_MESSAGE_BYTES,
            logger=logging.getLogger("desktop_app.emulator.websockets"),
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
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
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
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

    async def close_connections(self, code: int = 1011, reason: str = wire.INTERNAL) -> None:
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
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(self.stats):
                future.set_result(None)

    def take_fault(self, name: str, count: int) -> bool:
        """True if the counted fault ``name`` fires at ``count``; clears it unless ``faults.sticky``."""
        armed = getattr(self.faults, name)
        if armed is None or armed != count:
            return False
        if not self.faults.sticky:
            setattr(self.faults, name, None)
        return True

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if match_path(request.path) is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        connection = _Connection(self, ws)
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


class _Connection:
    """One client connection: reader (this task), writer and timer tasks."""

    def __init__(self, emulator: Emulator, ws: ServerConnection) -> None:
        self.emulator = emulator
        self.config = emulator.config
        self.stats = emulator.stats
        self.ws = ws
        self.api_version = match_path(ws.request.path if ws.request else "") or "v1beta"
        self.model: SimulatedModel | None = None
        self._received = 0
        self._sent = 0
        self._wake = asyncio.Event()
        self._next_at = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self._closer: asyncio.Task[None] | None = None
        self._delayed: asyncio.Queue[tuple[float, Outgoing, bytes]] = asyncio.Queue()
        self._delayer: asyncio.Task[None] | None = None
        self._finished = False

    # ------------------------------------------------------------------ control

    async def close(self, code: int, reason: str) -> None:
        self._request_close(code, reason)
        if self._closer is not None:
            await asyncio.shield(self._closer)

    def _request_close(self, code: int, reason: str) -> None:
        if self._closer is None and not self._finished:
            self.stats.close_codes.append(code)
            self._closer = asyncio.create_task(
                self.ws.close(code, wire.close_reason(reason)), name="emulator-close"
            )
            self.emulator.changed()

    def drop(self) -> None:
        if self._finished:
            return
        self._finished = True
        self.stats.drops += 1
        self.stats.close_codes.append(1006)
        self.ws.transport.abort()
        self.emulator.changed()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("emulator task %s failed", task.get_name(), exc_info=task.exception())
            self._request_close(1011, wire.INTERNAL)

    def start_go_away(self, time_left_s: float) -> None:
        if self.model is not None and not self._finished:
            self._spawn(self._go_away(0.0, time_left_s), "emulator-go-away")

    # ------------------------------------------------------------------ reader

    async def run(self) -> None:
        try:
            await self._run()
        except wire.WireError as error:
            log.info("closing emulator connection: %s", error)
            if self.model is None:
                self.stats.setups_rejected += 1
            self._request_close(error.code, error.reason)
        except ConnectionClosed:
            pass
        finally:
            for task in list(self._tasks):
                task.cancel()
            if self._delayer is not None:
                self._delayer.cancel()
            pending = [*self._tasks, *([self._delayer] if self._delayer else [])]
            await asyncio.gather(*pending, return_exceptions=True)
            if self._closer is not None:
                await asyncio.gather(self._closer, return_exceptions=True)
            self._finished = True

    def _count_in(self) -> bool:
        """Count a received message; True if a fault ended the connection."""
        self._received += 1
        self.stats.messages_in += 1
        if self.emulator.take_fault("drop_after_client_messages", self._received):
            self.drop()
            return True
        if self.emulator.take_fault("close_after_client_messages", self._received):
            self._request_close(self.emulator.faults.close_code, self.emulator.faults.close_reason)
            return True
        return False

    async def _run(self) -> None:
        first = await self.ws.recv()
        if self._count_in():
            return
        request = self.ws.request
        key = request_key(request.path, request.headers) if request else ""
        if not self.config.key_accepted(key):
            raise wire.WireError(wire.INVALID_PAYLOAD, wire.API_KEY_INVALID)
        setup = wire.parse_setup(wire.decode_frame(first, self.api_version))
        if setup.model_id not in self.config.known_models:
            raise wire.model_not_found(setup.model, self.api_version)
        if setup.response_modalities == ("TEXT",) and setup.model_id not in self.config.text_models:
            raise wire.invalid()  # native-audio models "always respond with audio output"
        state = self._session_state(setup.resume_handle)
        self.model = SimulatedModel(
            setup,
            state,
            options=ModelOptions(
                chunk_ms=self.config.chunk_ms,
                max_utterance_s=self.config.max_utterance_s,
                voice_activity=self.config.voice_activity,
                client_content_history_only=setup.model_id in self.config.history_only_models,
            ),
            store=self.emulator.store,
        )
        self.stats.setups_accepted += 1
        self.stats.last_setup = setup.raw
        self.emulator.changed()
        self._spawn(self._write_loop(), "emulator-writer")
        if self.config.go_away_after_s is not None:
            self._spawn(
                self._go_away(self.config.go_away_after_s, self.config.go_away_time_left_s),
                "emulator-go-away",
            )
        async for frame in self.ws:
            if self._count_in():
                return
            events = wire.parse_client_message(wire.decode_frame(frame, self.api_version))
            for event in events:
                if isinstance(event, AudioIn):
                    self.stats.audio_in_s += len(event.pcm) / (2 * event.rate)
                elif isinstance(event, VideoIn):
                    self.stats.video_frames_in += 1
                self.model.handle(event)
            self._wake.set()
            self.emulator.changed()

    def _session_state(self, handle: str | None) -> SessionState:
        if handle is None:
            return SessionState(session_id=new_session_id())
        if self.emulator.faults.reject_next_resumption:
            self.emulator.faults.reject_next_resumption = False
            raise wire.WireError(wire.POLICY_VIOLATION, wire.SESSION_NOT_FOUND)
        state = self.emulator.store.lookup(handle)
        if state is None:
            raise wire.WireError(wire.POLICY_VIOLATION, wire.SESSION_NOT_FOUND)
        self.stats.resumptions += 1
        return dataclasses.replace(state, resumptions=state.resumptions + 1)

    # ------------------------------------------------------------------ writer

    async def _write_loop(self) -> None:
        """Send what the model produces, pacing audio at ``config.pace`` × real time (at most
        ``config.lead_ms`` ahead of it).

        Urgent messages (voice activity, transcriptions, ``interrupted``, ``goAway``) never wait for the
        pacing of reply audio.
        """
        assert self.model is not None
        model = self.model
        loop = asyncio.get_running_loop()
        pace = self.config.pace
        lead = self.config.lead_ms / 1000
        while not self._finished and self._closer is None:
            self._wake.clear()
            now = loop.time()
            if not model.has_urgent and model.has_output and now < self._next_at - lead:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._next_at - lead - now)
                continue
            outgoing = model.pop()
            if outgoing is None:
                await self._wake.wait()
                continue
            if isinstance(outgoing.output, Interrupted):
                self._next_at = now
            await self._transmit(outgoing)
            if outgoing.audio_s > 0 and pace > 0:
                self._next_at = max(self._next_at, now) + outgoing.audio_s / pace

    async def _transmit(self, outgoing: Outgoing) -> None:
        frame = wire.encode(outgoing.output)
        delay = self.emulator.faults.reply_delay_ms / 1000
        if delay <= 0 and self._delayed.empty():
            await self._send_now(outgoing, frame)
            return
        self._delayed.put_nowait((asyncio.get_running_loop().time() + delay, outgoing, frame))
        if self._delayer is None:
            self._delayer = asyncio.create_task(self._delay_loop(), name="emulator-delay")

    async def _delay_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            send_at, outgoing, frame = await self._delayed.get()
            wait = send_at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)  # the injected latency itself, not synchronisation
            await self._send_now(outgoing, frame)

    async def _send_now(self, outgoing: Outgoing, frame: bytes) -> None:
        if self._finished or self._closer is not None:
            return
        try:
            await self.ws.send(frame)  # bytes → a binary frame, as the service sends
        except ConnectionClosed:
            self._finished = True
            return
        self._sent += 1
        self._count_out(outgoing.output)
        if self.emulator.take_fault("drop_after_server_messages", self._sent):
            self.drop()
        elif self.emulator.take_fault("close_after_server_messages", self._sent):
            self._request_close(self.emulator.faults.close_code, self.emulator.faults.close_reason)
        self.emulator.changed()

    def _count_out(self, output: ServerOutput) -> None:
        stats = self.stats
        stats.messages_out += 1
        if isinstance(output, TurnComplete):
            stats.turns += 1
        elif isinstance(output, Interrupted):
            stats.interruptions += 1
        elif isinstance(output, ToolCall):
            stats.tool_calls += len(output.calls)
        elif isinstance(output, GoAway):
            stats.go_aways += 1

    async def _go_away(self, after_s: float, time_left_s: float) -> None:
        if after_s > 0:
            await asyncio.sleep(after_s)  # the configured timer
        assert self.model is not None
        self.model.emit(GoAway(time_left_s))
        self._wake.set()
        await asyncio.sleep(time_left_s)  # the announced time left
        self._request_close(wire.INTERNAL_ERROR, wire.DEADLINE_EXPIRED)
