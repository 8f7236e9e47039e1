"""``--headless`` without ``--input-wav``: a live conversation through the microphone and speaker.

It runs the services the window runs (``build_app(settings, Mode.HEADLESS_LIVE, …)``: no relay), prints
transcript lines as they stream, and ends on Ctrl-C or after ``duration_s``, printing a final line of
counters: blocks sent, drops, overflows, underruns. With ``record_audio`` (``--record-audio``) it says where
the two-channel WAV of both sides goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TextIO

from desktop_app.app import Mode, build_app
from desktop_app.config import Settings
from desktop_app.core.app_events import BackendInfo
from desktop_app.core.events import ErrorEvent, Event
from desktop_app.core.stats import percentile
from desktop_app.event_log import EventLog
from desktop_app.headless import TranscriptPrinter

__all__ = ["run_live_headless"]


async def _run(
    settings: Settings, duration_s: float | None, log: EventLog | None, out: TextIO, named: dict[str, str]
) -> str:
    printer = TranscriptPrinter(out)
    stop = asyncio.Event()

    def publish(event: Event) -> None:
        if log is not None:
            log(event)
        printer(event)
        if isinstance(event, ErrorEvent):
            print(f"notice: {event.message}", file=sys.stderr, flush=True)
        elif isinstance(event, BackendInfo) and event.notice:
            print(event.notice, file=sys.stderr, flush=True)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    controller = build_app(settings, Mode.HEADLESS_LIVE, publish)
    if controller.services.audio is not None:
        controller.services.audio.named_on_command_line = named
    try:
        await controller.start()
        recording = controller.running().recording_path
        if recording is not None:
            print(f"recording both sides to {recording}", file=sys.stderr, flush=True)
        print("listening: speak now (Ctrl-C to stop)", file=sys.stderr, flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration_s)
        running = controller.running()
        conv, audio = running.conversation, running.audio
        sent = conv.stats.blocks_sent if conv else 0
        counters = audio.counters().line() if audio else "audio: no devices"
        latency = ""
        if conv and conv.stats.mic_to_wire_s:
            ms = [s * 1000 for s in conv.stats.mic_to_wire_s]
            p50, p99 = percentile(ms, 50), percentile(ms, 99)
            latency = f"; mic-to-wire p50 {p50:.2f} ms, p99 {p99:.2f} ms"
        return f"sent {sent} blocks{latency}; {counters}"
    finally:
        await controller.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run_live_headless(
    settings: Settings,
    *,
    duration_s: float | None = None,
    log: EventLog | None = None,
    out: TextIO = sys.stdout,
    named_devices: dict[str, str] | None = None,
) -> int:
    """Run until Ctrl-C (or ``duration_s``); returns the exit code. ``named_devices``: the devices the
    command line named, by settings field (a notice about one says so)."""
    if log is not None:
        log.open()
    try:
        summary = asyncio.run(_run(settings, duration_s, log, out, named_devices or {}))
    finally:
        if log is not None:
            log.close()
    print(summary, file=out, flush=True)
    return 0
