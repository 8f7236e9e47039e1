"""``--relay-only``: the local relay and its web page, with no window, until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import sys

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.errors import AppError
from desktop_app.core.events import BackendInfo, ErrorEvent, Event

__all__ = ["run_relay_only"]


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    errors: list[str] = []

    def publish(event: Event) -> None:
        if isinstance(event, BackendInfo) and event.notice:
            print(event.notice, file=sys.stderr, flush=True)
        elif isinstance(event, ErrorEvent):
            errors.append(event.message)
            if event.code not in ("relay", "backend"):  # those two end the run, as one error line
                print(f"notice: {event.message}", file=sys.stderr, flush=True)

    app = build_app(settings, Mode.RELAY_ONLY, publish)
    try:
        await app.start()
        relay_service, relay = app.services.relay, app.running().relay
        if relay is None:
            failure = relay_service.failure if relay_service is not None else None
            raise AppError(failure or (errors[-1] if errors else "The relay could not start."))
        print(f"relay: open {relay.url} in a browser on this machine (Ctrl-C to stop)", flush=True)
        await stop.wait()
    finally:
        await app.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run_relay_only(settings: Settings) -> int:
    try:
        asyncio.run(_serve(settings))
    except AppError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0
