"""``--relay-only``: the local relay and its web page, with no window, until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys

from desktop_app.app import open_backend, session_options
from desktop_app.config import Settings
from desktop_app.core.errors import AppError
from desktop_app.relay.config import RelayConfig
from desktop_app.relay.server import RelayServer

__all__ = ["run_relay_only"]


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_backend(settings) as handle:
        if handle.notice:
            print(handle.notice, file=sys.stderr, flush=True)
        relay = RelayServer(
            handle.connector,
            session_options(settings),
            RelayConfig(
                host=settings.relay_host, port=settings.relay_port, allow_origins=settings.relay_allow_origins
            ),
            api_key=settings.api_key,
        )
        try:
            await relay.start()
        except OSError as err:
            raise AppError(
                f"The relay could not listen on port {settings.relay_port}: {err.strerror}."
            ) from None
        print(f"relay: open {relay.url} in a browser on this machine (Ctrl-C to stop)", flush=True)
        try:
            await stop.wait()
        finally:
            await relay.stop()


def run_relay_only(settings: Settings) -> int:
    try:
        asyncio.run(_serve(settings))
    except AppError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0
