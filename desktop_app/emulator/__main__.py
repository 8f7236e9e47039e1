"""Run the emulator standalone: ``python -m desktop_app.emulator --port 8443``.

Any unmodified google-genai program then reaches it with the environment lines it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop_app.emulator import Emulator, client_env
from desktop_app.emulator.config import EmulatorConfig

__all__ = ["main", "parse_args"]


def parse_args(argv: Sequence[str] | None = None) -> tuple[EmulatorConfig, bool]:
    """The emulator config and whether to log verbosely, from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m desktop_app.emulator",
        description="Offline emulator of the Gemini Live API (loopback, TLS). It echoes what you say "
        "and describes what it received; it is not a model.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default)")
    parser.add_argument(
        "--pace", type=float, default=1.0, help="reply audio speed: 1 = real time, 0 = as fast as possible"
    )
    parser.add_argument(
        "--go-away-after",
        type=float,
        metavar="S",
        help="send goAway S seconds into every connection (default: never)",
    )
    parser.add_argument(
        "--go-away-time-left",
        type=float,
        default=10.0,
        metavar="S",
        help="timeLeft announced by goAway before the connection is closed (default 10)",
    )
    parser.add_argument(
        "--cert-dir",
        type=Path,
        help="directory for the CA certificate file (default: a temporary directory)",
    )
    parser.add_argument("--timeline", type=Path, metavar="FILE", help="append send/receive timestamps")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every connection")
    args = parser.parse_args(argv)
    try:
        config = EmulatorConfig(
            host=args.host,
            port=args.port,
            pace=args.pace,
            go_away_after_s=args.go_away_after,
            go_away_time_left_s=args.go_away_time_left,
            cert_dir=args.cert_dir,
            timeline_path=args.timeline,
        )
    except ValueError as exc:
        parser.error(str(exc))
    return config, bool(args.verbose)


def banner(emulator: Emulator) -> str:
    env = client_env(emulator.base_url, str(emulator.ca_file))
    return "\n".join(
        [
            f"Gemini Live API emulator (offline, not a model) listening on {emulator.ws_url}",
            f"CA certificate: {emulator.ca_file}",
            "Point any google-genai program at it with:",
            "  " + " ".join(f"{name}={value}" for name, value in env.items()),
            "Press Ctrl+C to stop.",
        ]
    )


async def _serve(config: EmulatorConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(config) as emulator:
        print(banner(emulator), flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    config, verbose = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(_serve(config))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"cannot start the emulator: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
