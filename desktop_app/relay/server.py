"""The relay server: one port for the bundled page (plain GETs), ``GET /status`` and WebSocket relay sessions.

Usage from the composition root::

    server = RelayServer(connector, options, RelayConfig(port=9080), redact=Redactor([key]))
    await server.start()          # binds; logs a warning when the host is not loopback
    print("Open", server.url)
    ...
    await server.stop()           # closes every browser connection (1001) and its live session

or ``await run_relay(connector, options, ready=print)`` which runs until cancelled. Everything runs on
the caller's event loop; construct and call from that loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from desktop_app.core.errors import ConfigError
from desktop_app.live.options import SessionOptions
from desktop_app.live.session import LiveConnector
from desktop_app.relay import codec
from desktop_app.relay.config import DEFAULT_HOST, DEFAULT_PORT, RelayConfig
from desktop_app.relay.connection import BrowserConnection, RelayContext
from desktop_app.relay.messages import ErrorCode
from desktop_app.relay.origin import HostPolicy, OriginPolicy, is_loopback_host
from desktop_app.relay.page_tools import BrowserTools
from desktop_app.relay.protocol_values import CloseCode, close_reason
from desktop_app.relay.redact import RedactingFilter, Redactor
from desktop_app.relay.responses import file_response, json_response, plain
from desktop_app.relay.static import resolve_static
from desktop_app.relay.web import web_root

__all__ = ["RelayServer", "run_relay"]

log = logging.getLogger("desktop_app.relay")

_SERVER_HEADER = "gemini-live-desktop-relay"
_WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


class RelayServer:
    """The relay. Constructing it does no I/O; :meth:`start` binds the port.

    Args:
        connector: opens one live session per browser (the current backend).
        options: the relay's session options; browsers may override only modality, voice, system
            instruction and transcription.
        config: where to listen and the limits.
        redact: removes the API key (build it with ``Redactor([api_key])``) and any other secret from
            everything sent or logged; default: key-shaped strings only.
        tools: what browser sessions may use (default: Google Search grounding only, no local tools);
            each browser connection gets its own tool runtime and asks its own page for consent.

    Raises:
        ConfigError: an ``allow_origins`` entry is malformed or is the ``*`` wildcard.
    """

    def __init__(
        self,
        connector: LiveConnector,
        options: SessionOptions,
        config: RelayConfig | None = None,
        *,
        redact: Redactor | None = None,
        tools: BrowserTools | None = None,
    ) -> None:
        self._connector = connector
        self.tools = tools or BrowserTools()
        self._options = options
        self._config = config or RelayConfig()
        self._redact = redact or Redactor()
        self._origins = OriginPolicy(self._config.allow_origins)
        self._hosts = HostPolicy(
            enforce=is_loopback_host(self._config.host), extra_hosts=self._origins.extra_hosts
        )
        self._root = self._config.web_root or web_root()
        self._server: Server | None = None
        self._clients: dict[int, BrowserConnection] = {}
        self._clients_changed = asyncio.Event()
        self._ids = itertools.count(1)
        self._log_filter = RedactingFilter(self._redact)
        self._totals = {
            "connections": 0,  # WebSocket connections accepted (refused ones included)
            "refused_too_many": 0,  # closed 1013 at once: max_clients were connected
            "setup_timeouts": 0,  # closed 1008: no setup in time
            "unresponsive": 0,  # dropped: no answer to a keepalive ping
            "rate_limited": 0,  # messages dropped by the rate limit, by clients that have left
        }

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and start serving. Warns when listening beyond loopback.

        Raises:
            ConfigError: the address cannot be bound (the port is taken, the host is not local).
        """
        if self._server is not None:
            raise RuntimeError("relay already started")
        cfg = self._config
        try:
            self._server = await serve(
                self._handle,
                cfg.host,
                cfg.port,
                process_request=self._process_request,
                max_size=cfg.max_message_bytes,
                max_queue=16,
                compression=None,
                ping_interval=cfg.ping_interval_s,
                ping_timeout=cfg.ping_timeout_s,
                close_timeout=cfg.close_timeout_s,
                server_header=_SERVER_HEADER,
            )
        except OSError as err:
            raise ConfigError(
                f"The relay cannot listen on {cfg.host}:{cfg.port}: {err.strerror or err}. "
                "Is another relay running? Choose another port with --relay-port."
            ) from err
        log.addFilter(self._log_filter)
        if not is_loopback_host(cfg.host):
            log.warning(
                "The relay listens on %s, beyond this machine: anyone who can reach port %d can "
                "talk to Gemini with your key. Use --relay-host 127.0.0.1 unless you mean it.",
                cfg.host or "all interfaces",
                self.port,
            )
        log.info("relay serving %s (backend: %s)", self.url, self._connector.backend_name)

    async def stop(self) -> None:
        """Close every browser connection (1001) and stop listening. Safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close(close_connections=True)
        try:
            async with asyncio.timeout(self._config.close_timeout_s + 1.0):
                await server.wait_closed()
        except TimeoutError:  # a handler stuck on its live session: cancel what is left
            for task in list(server.handler_tasks):
                task.cancel()
            await server.wait_closed()
        finally:
            log.removeFilter(self._log_filter)

    async def __aenter__(self) -> RelayServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # --- facts ----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the real one when configured with port 0)."""
        if self._server is None:
            return self._config.port
        for sock in self._server.sockets:
            return int(sock.getsockname()[1])
        return self._config.port

    @property
    def url(self) -> str:
        """The page's URL, e.g. ``http://127.0.0.1:9080/`` (a loopback URL when bound to all)."""
        host = self._config.host
        if host in _WILDCARD_HOSTS:
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    @property
    def client_count(self) -> int:
        """Browser connections being served now."""
        return len(self._clients)

    async def wait_for_clients(self, count: int) -> None:
        """Return once exactly ``count`` browsers are connected (wrap in a timeout)."""
        while len(self._clients) != count:
            await self._clients_changed.wait()

    def _note_clients_changed(self) -> None:
        changed, self._clients_changed = self._clients_changed, asyncio.Event()
        changed.set()

    def status(self) -> dict[str, Any]:
        """What ``GET /status`` returns: the backend, each connected client's state and counters, and
        ``totals`` since start (``rate_limited`` there includes the clients still connected)."""
        clients = [c.status() for c in list(self._clients.values())]
        totals = dict(self._totals)
        totals["rate_limited"] += sum(c["rate_limited"] for c in clients)
        return {
            "backend": self._connector.backend_name,
            "voice": self._options.voice,  # what the page's "Default" voice is
            "url": self.url,
            "max_clients": self._config.max_clients,
            "clients": clients,
            "totals": totals,
        }

    # --- HTTP -----------------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        headers = request.headers
        if getattr(request, "method", "GET") != "GET":  # websockets < 15 parses GET only anyway
            response = plain(http.HTTPStatus.METHOD_NOT_ALLOWED, "Only GET is served here.\n")
            response.headers["Allow"] = "GET"
            return response
        if not self._hosts.allows(headers.get("Host")):
            log.info("relay refused a request for host %r", _short(headers.get("Host")))
            return plain(http.HTTPStatus.FORBIDDEN, "This host name is not served here.\n")
        if "websocket" in headers.get("Upgrade", "").lower():
            origin = headers.get("Origin")
            if not self._origins.allows(origin):
                log.info("relay refused a WebSocket from origin %r", _short(origin))
                return plain(
                    http.HTTPStatus.FORBIDDEN,
                    "WebSocket connections are accepted only from pages on this machine "
                    "(http://localhost, http://127.0.0.1, http://[::1]) or origins allowed with "
                    "--allow-origin.\n",
                )
            return None  # a full relay accepts the upgrade and refuses in _handle, with a reason a page sees
        path = request.path.split("?", 1)[0]
        if path == "/status":
            return json_response(self.status())
        found = resolve_static(self._root, request.path)
        if isinstance(found, http.HTTPStatus):
            return plain(found, f"{found.phrase}\n")
        return file_response(found, headers.get("Host"))

    # --- WebSocket ------------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        self._totals["connections"] += 1
        if len(self._clients) >= self._config.max_clients:
            await self._refuse_too_many(ws)
            return
        client_id = next(self._ids)
        origin = ws.request.headers.get("Origin") if ws.request is not None else None
        context = RelayContext(lambda: self._connector, self._options, self._config, self._redact, self.tools)
        client = BrowserConnection(ws, context, client_id=client_id, origin=origin)
        self._clients[client_id] = client
        self._note_clients_changed()
        log.info("relay client %d connected (origin %s)", client_id, _short(origin))
        try:
            await client.run()
        finally:
            del self._clients[client_id]
            self._totals["rate_limited"] += client.protocol.stats.rate_limited
            if client.ending == "setup_timeout":
                self._totals["setup_timeouts"] += 1
            elif client.ending == "unresponsive":
                self._totals["unresponsive"] += 1
                log.info("relay client %d: dropped, it stopped answering keepalive pings", client_id)
            self._note_clients_changed()

    async def _refuse_too_many(self, ws: ServerConnection) -> None:
        """Refuse a browser beyond ``max_clients``: an error it can show, then close 1013.

        The upgrade is accepted first (rather than answered with HTTP 503) because a page sees nothing of
        a refused upgrade but a bare 1006; it does see a close reason.
        """
        self._totals["refused_too_many"] += 1
        limit = self._config.max_clients
        log.info("relay refused a client: %d clients are connected, the limit", limit)
        message = (
            f"Too many clients: this relay serves at most {limit} browser connections at once. "
            "Close another page using it and connect again."
        )
        with contextlib.suppress(ConnectionClosed):
            await ws.send(codec.encode_error(ErrorCode.TOO_MANY_CLIENTS, message))
        await ws.close(CloseCode.TRY_AGAIN_LATER, close_reason(f"Too many clients (the limit is {limit})."))


def _short(value: str | None, limit: int = 80) -> str:
    if value is None:
        return "none"
    return "".join(ch if ch.isprintable() else "?" for ch in value[:limit])


async def run_relay(
    connector: LiveConnector,
    options: SessionOptions,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allow_origins: Iterable[str] = (),
    redact: Redactor | None = None,
    ready: Callable[[str], object] | None = None,
    config: RelayConfig | None = None,
) -> None:
    """Run the relay until cancelled (``--relay-only``: until Ctrl-C).

    ``ready(url)`` is called once the port is bound (print the page URL there). ``config`` overrides
    the other listening arguments when given. A ``ready`` that returns an awaitable is awaited.
    """
    if config is None:
        config = RelayConfig(host=host, port=port, allow_origins=tuple(allow_origins))
    server = RelayServer(connector, options, config, redact=redact)
    await server.start()
    try:
        if ready is not None:
            result = ready(server.url)
            if isinstance(result, Awaitable):
                await result
        await asyncio.Event().wait()
    finally:
        await server.stop()
