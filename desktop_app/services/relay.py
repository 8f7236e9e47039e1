"""The relay service: the local WebSocket relay that serves the browser page, and its status watcher.

:func:`build_relay` is the one place a relay is built from settings (the window, the headless modes and
``--relay-only`` all come here).
"""

from __future__ import annotations

import asyncio

from desktop_app.config import Section, Settings, changed_sections
from desktop_app.core.app_events import RelayStatus
from desktop_app.core.errors import AppError
from desktop_app.core.redaction import Redactor
from desktop_app.live.session import LiveConnector
from desktop_app.relay.config import RelayConfig
from desktop_app.relay.page_tools import BrowserTools
from desktop_app.relay.server import RelayServer
from desktop_app.runtime.tasks import Policy, Supervised, stop_task
from desktop_app.services.backend import BackendService, session_options
from desktop_app.services.bus import Bus, ServiceBase

__all__ = ["RelayService", "build_relay"]


def build_relay(connector: LiveConnector, settings: Settings) -> RelayServer:
    """A relay (not yet started) whose browser sessions open on ``connector`` as ``settings`` say."""
    config = RelayConfig(
        host=settings.relay_host, port=settings.relay_port, allow_origins=settings.relay_allow_origins
    )
    tools = BrowserTools.from_settings(settings)
    return RelayServer(
        connector, session_options(settings), config, redact=Redactor([settings.api_key]), tools=tools
    )


class RelayService(ServiceBase):
    """Runs the relay on the backend's connector and publishes :class:`RelayStatus` as clients come and go.

    A relay that cannot start is a notice (code ``relay``) and :attr:`failure` says why; the rest of the
    program goes on without it. Call on the loop thread.
    """

    sections = frozenset({Section.BACKEND, Section.RELAY, Section.SESSION, Section.TOOLS})

    def __init__(self, settings: Settings, bus: Bus, backend: BackendService) -> None:
        super().__init__(settings, bus)
        self._backend = backend
        self._watch: Supervised | None = None
        self.relay: RelayServer | None = None
        self.failure: str | None = None
        """Why the relay is not running, as a sentence (None when it runs or was never started)."""

    async def start(self) -> None:
        handle = self._backend.handle
        if handle is None or self.relay is not None:
            return
        s = self._settings
        try:
            relay = build_relay(handle.connector, s)
            await relay.start()
        except AppError as err:  # before OSError: a missing web page is both
            self._failed(str(err))
            return
        except OSError as err:
            self._failed(f"The relay could not listen on port {s.relay_port}: {err.strerror or err}.")
            return
        self.relay, self.failure = relay, None
        self._watch = self._bus.supervisor.spawn(
            "relay-status", lambda: self._watch_clients(relay), policy=Policy.RESTART
        )

    def _failed(self, reason: str) -> None:
        self.failure = reason
        self._bus.notice(f"The browser relay is not running. {reason}", "relay")

    async def _watch_clients(self, relay: RelayServer) -> None:
        """Publish RelayStatus now and whenever the set of browser clients changes."""
        while True:
            clients = tuple(f"#{c['id']} {c.get('origin') or 'no origin'}" for c in relay.status()["clients"])
            self._bus.publish(RelayStatus(relay.url, clients))
            count = len(clients)
            waits = [asyncio.ensure_future(relay.wait_for_clients(count + 1))]
            if count:
                waits.append(asyncio.ensure_future(relay.wait_for_clients(count - 1)))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()

    async def stop(self) -> None:
        """Stop the watcher and the relay (its browser sessions close). Safe to call twice."""
        watch, self._watch = self._watch, None
        await stop_task(watch)
        if self.relay is not None:
            relay, self.relay = self.relay, None
            await relay.stop()

    async def apply_settings(self, settings: Settings) -> None:
        """Take ``settings``; restart the relay if the backend or where it listens changed (new browser
        sessions pick up the rest). After a backend change, stop it before the backend and call this after."""
        old, self._settings = self._settings, settings
        if changed_sections(old, settings) & {Section.BACKEND, Section.RELAY}:
            await self.stop()
            await self.start()
        elif self.relay is not None:  # the tools browsers may use: new browser connections take them
            self.relay.tools = BrowserTools.from_settings(settings)
