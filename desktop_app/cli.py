"""Command-line entry point: ``gemini-live-desktop`` and ``python -m desktop_app``.

Modes: the window (default, once it exists), ``--headless`` (WAV in, WAV out), ``--relay-only`` and
``--list-devices``. Flags override the settings file and the environment (see :mod:`desktop_app.config`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app import __version__
from desktop_app.config import load_settings
from desktop_app.core.errors import ConfigError

__all__ = ["build_parser", "main"]

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gemini-live-desktop",
        description="Talk to Gemini Live with your voice and camera. Without GEMINI_API_KEY the built-in "
        "offline emulator answers.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    mode = p.add_argument_group("mode")
    mode.add_argument("--headless", action="store_true", help="run without a window")
    mode.add_argument("--backend", choices=("auto", "gemini", "emulator"), help="default: auto")
    mode.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv for debug)")

    slice_ = p.add_argument_group("headless slice (WAV in, WAV out)")
    slice_.add_argument("--input-wav", type=Path, metavar="IN.wav", help="speech to send (any rate)")
    slice_.add_argument("--output-wav", type=Path, metavar="OUT.wav", help="where the reply audio goes")
    slice_.add_argument("--transcript", type=Path, metavar="T.jsonl", help="one JSON line per event")
    slice_.add_argument("--text", help="a typed turn to send (after the audio, if any)")
    slice_.add_argument("--fast", action="store_true", help="send the WAV as fast as possible")
    slice_.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a reply")

    vision = p.add_argument_group("vision")
    vision.add_argument("--video", metavar="INDEX|FILE|URL", help="camera index, video file or stream URL")
    vision.add_argument(
        "--screen", nargs="?", const="", metavar="MONITOR", help="share a monitor (default 1) or L,T,WxH"
    )
    vision.add_argument("--video-fps", type=float, help="frames per second to the model (0.2-2)")

    session = p.add_argument_group("session")
    session.add_argument("--model")
    session.add_argument("--voice")
    session.add_argument("--modality", dest="response_modality", choices=("AUDIO", "TEXT"))
    session.add_argument("--system-instruction")
    session.add_argument("--emulator-pace", type=float, help="emulator reply speed (1 = real time, 0 = max)")
    return p


_SETTING_FLAGS = (
    "backend",
    "model",
    "voice",
    "response_modality",
    "system_instruction",
    "emulator_pace",
    "video_fps",
)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in _SETTING_FLAGS if getattr(args, name, None) is not None}


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen mode; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        settings = load_settings(_overrides(args))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    if args.headless:
        if args.output_wav is None or (args.input_wav is None and args.text is None):
            parser.error("--headless needs --output-wav and --input-wav and/or --text")
        from desktop_app.headless import HeadlessJob, run_headless

        job = HeadlessJob(
            output_wav=args.output_wav,
            input_wav=args.input_wav,
            transcript=args.transcript,
            text=args.text,
            fast=args.fast,
            timeout_s=args.timeout,
            video=args.video,
            screen=args.screen,
        )
        return run_headless(job, settings)

    print(
        "error: the desktop window is not built yet. Run the headless slice instead, for example:\n"
        "  python -m desktop_app --headless --input-wav assets/samples/hello.wav --output-wav reply.wav",
        file=sys.stderr,
    )
    return 2
