"""Command-line entry point: ``gemini-live-desktop`` and ``python -m desktop_app``.

Modes: the window (default, once it exists), ``--headless`` (WAV in, WAV out), ``--relay-only`` and
``--list-devices``. Flags override the settings file and the environment (see :mod:`desktop_app.config`).
``--toggle-mute``, ``--push-to-talk start|stop``, ``--show`` and ``--quit`` only hand a command to the running
window (:mod:`desktop_app.ui.instance_client`, no Qt) and exit. The window runs once per user: a second
launch raises the first one's window before anything binds a port.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app import __version__
from desktop_app.config import Settings, load_settings
from desktop_app.core.errors import AppError, ConfigError
from desktop_app.core.events import ErrorEvent, Event
from desktop_app.event_log import EventLog
from desktop_app.instance_cli import claim_instance, instance_commands, send_to_instance

__all__ = ["build_parser", "main"]

if TYPE_CHECKING:
    from desktop_app.controller_api import Controller

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gemini-live-desktop",
        description="Talk to Gemini Live with your voice and camera. Without GEMINI_API_KEY the built-in "
        "offline emulator answers.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    mode = p.add_argument_group("mode")
    mode.add_argument(
        "--headless", action="store_true", help="run without a window (a WAV file, or the microphone)"
    )
    mode.add_argument("--relay-only", action="store_true", help="serve the browser page only, no window")
    mode.add_argument("--list-devices", action="store_true", help="list audio inputs and outputs, then exit")
    mode.add_argument("--duration", type=float, help="headless live mode: stop after this many seconds")
    mode.add_argument("--backend", choices=("auto", "gemini", "emulator"), help="default: auto")
    mode.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv for debug)")

    running = p.add_argument_group(
        "the running window (for your desktop's own shortcut settings; exit 1 when none runs)"
    )
    running.add_argument("--toggle-mute", action="store_true", help="mute or unmute its microphone")
    running.add_argument(
        "--push-to-talk",
        choices=("start", "stop"),
        help="start: talk (bind to the key going down); stop: let Gemini answer (the key going up)",
    )
    running.add_argument("--show", action="store_true", help="show and raise its window")
    running.add_argument("--quit", action="store_true", help="quit it")

    slice_ = p.add_argument_group("headless slice (WAV in, WAV out)")
    slice_.add_argument("--input-wav", type=Path, metavar="IN.wav", help="speech to send (any rate)")
    slice_.add_argument("--output-wav", type=Path, metavar="OUT.wav", help="where the reply audio goes")
    slice_.add_argument("--transcript", type=Path, metavar="T.jsonl", help="one JSON line per event")
    slice_.add_argument("--text", help="a typed turn to send (after the audio, if any)")
    slice_.add_argument("--fast", action="store_true", help="send the WAV as fast as possible")
    slice_.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a reply")

    audio = p.add_argument_group("audio")
    audio.add_argument("--input-device", metavar="NAME|INDEX", help="microphone (see --list-devices)")
    audio.add_argument("--output-device", metavar="NAME|INDEX", help="speaker (see --list-devices)")
    audio.add_argument("--headphones", action="store_true", help="turn echo cancellation off")
    audio.add_argument(
        "--listen",
        dest="listen_at_launch",
        action="store_const",
        const=True,
        help="window: connect and listen at launch (default: idle, nothing sent until Start talking)",
    )
    audio.add_argument(
        "--no-barge-in", action="store_true", help="never duck the model's voice when you talk over it"
    )
    audio.add_argument(
        "--record-audio",
        action="store_true",
        help="record both sides to a two-channel WAV next to the session's history file",
    )

    relay = p.add_argument_group("relay")
    relay.add_argument("--relay-port", type=int, help="default 9080")
    relay.add_argument("--relay-host", help="default 127.0.0.1 (anything else is reachable by others)")
    relay.add_argument(
        "--allow-origin", action="append", metavar="ORIGIN", help="another page allowed to use the relay"
    )

    vision = p.add_argument_group("vision")
    vision.add_argument("--video", metavar="INDEX|FILE|URL", help="camera index, video file or stream URL")
    vision.add_argument(
        "--screen", nargs="?", const="", metavar="MONITOR", help="share a monitor (default 1) or L,T,WxH"
    )
    vision.add_argument("--video-fps", type=float, help="frames per second to the model (0.2-2)")
    vision.add_argument(
        "--video-speech-aware",
        action="store_true",
        help="send frames at --video-fps only while you speak, one every 5 s otherwise (fewer tokens)",
    )
    vision.add_argument(
        "--mask",
        action="append",
        metavar="L,T,W,H",
        help="blur this rectangle before frames leave the machine: LEFT,TOP,WIDTH,HEIGHT as FRACTIONS of "
        "the frame (0-1, not pixels), e.g. 0.6,0,0.4,0.3 is the top-right corner. Repeatable. Applies to "
        "the source of --screen or --video (else the saved camera, or camera 0) and replaces its saved masks",
    )

    session = p.add_argument_group("session")
    session.add_argument("--model")
    session.add_argument("--voice")
    session.add_argument("--modality", dest="response_modality", choices=("AUDIO", "TEXT"))
    session.add_argument("--system-instruction")
    session.add_argument("--emulator-pace", type=float, help="emulator reply speed (1 = real time, 0 = max)")
    model = p.add_argument_group("model options (sent only where the model takes them, else a notice)")
    model.add_argument("--media-resolution", choices=("low", "medium", "high"))
    model.add_argument("--speech-language", metavar="BCP47", help="e.g. de-DE")
    model.add_argument("--transcription-languages", metavar="BCP47,...", help="transcription language hints")
    model.add_argument("--custom-vocabulary", metavar="WORD,...", help="names and terms to expect")
    model.add_argument("--thinking-level", choices=("minimal", "low", "medium", "high"))
    model.add_argument("--thinking-budget", type=int, metavar="TOKENS", help="2.5 models; 0 = no thinking")
    for flag in ("--affective-dialog", "--proactive-audio", "--include-thoughts"):
        model.add_argument(flag, action="store_const", const=True, help="turn on (2.5 / thinking models)")

    tools = p.add_argument_group("tools")
    tools.add_argument("--allow-tool", action="append", metavar="NAME", help="run this tool without asking")
    tools.add_argument(
        "--deny-tool", action="append", metavar="NAME", help="never run this tool (wins over --allow-tool)"
    )
    return p


_SETTING_FLAGS = (
    "backend",
    "model",
    "voice",
    "response_modality",
    "system_instruction",
    "emulator_pace",
    "video_fps",
    "input_device",
    "output_device",
    "relay_port",
    "relay_host",
    "media_resolution",
    "speech_language",
    "transcription_languages",
    "custom_vocabulary",
    "thinking_level",
    "thinking_budget",
    "affective_dialog",
    "proactive_audio",
    "include_thoughts",
    "listen_at_launch",
)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    values = {name: getattr(args, name) for name in _SETTING_FLAGS if getattr(args, name, None) is not None}
    if args.allow_origin:
        values["relay_allow_origins"] = tuple(args.allow_origin)
    if args.headphones:
        values["echo_cancellation"] = False
    if args.no_barge_in:
        values["local_barge_in"] = False
    if args.record_audio:
        values["record_audio"] = True
    if args.video is not None:
        values["video_source"] = args.video
    if args.video_speech_aware:
        values["video_speech_aware"] = True
    return values


def _with_cli_masks(settings: Settings, args: argparse.Namespace) -> Settings:
    """``--mask`` boxes become the masks of the source the flags name (ConfigError if malformed)."""
    if not args.mask:
        return settings
    from desktop_app.core.masks import parse_mask, replace_masks
    from desktop_app.video.spec import source_label

    label = source_label(args.video or settings.video_source, args.screen)
    masks = [parse_mask(text) for text in args.mask]
    return replace(settings, video_masks=replace_masks(settings.video_masks, label, masks))


def _with_cli_tools(settings: Settings, args: argparse.Namespace) -> Settings:
    """``--allow-tool`` / ``--deny-tool`` set those tools' policies on top of the saved ones."""
    if not (args.allow_tool or args.deny_tool):
        return settings
    from desktop_app.tools.policy import merge_policy_entries

    entries = merge_policy_entries(
        settings.tool_policies, allow=args.allow_tool or (), deny=args.deny_tool or ()
    )
    return replace(settings, tool_policies=entries)


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen mode; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["history"]:
        from desktop_app.history import history_main

        return history_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    commands = instance_commands(args)
    if commands:
        return send_to_instance(commands)
    notices: list[str] = []  # e.g. a corrupt settings file set aside: said on stderr and in the window
    try:
        settings = _with_cli_masks(load_settings(_overrides(args), notices=notices), args)
        settings = _with_cli_tools(settings, args)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for notice in notices:
        print(f"notice: {notice}", file=sys.stderr)

    if args.headless or args.relay_only:
        from desktop_app.secrets import apply_stored_key

        key_notices: list[str] = []
        settings = apply_stored_key(settings, notices=key_notices)  # the window reads it off the Qt thread
        for notice in key_notices:
            print(f"notice: {notice}", file=sys.stderr)
        settings = replace(settings, push_to_talk=False)  # no talk key without a window: Gemini listens

    if args.list_devices:
        from desktop_app.audio.devices import format_device_list, list_devices
        from desktop_app.audio.pulse import format_server_devices

        try:
            print(format_device_list(list_devices()))
            server = format_server_devices()  # None without a sound server: PortAudio's list is all there is
            if server:
                print(f"\n{server}")
        except AppError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        return 0

    if args.relay_only:
        from desktop_app.relay_only import run_relay_only

        return run_relay_only(settings)

    if args.headless and args.input_wav is None and args.text is None:
        from desktop_app.live_headless import run_live_headless

        log = EventLog(args.transcript) if args.transcript else None
        return run_live_headless(
            settings, duration_s=args.duration, log=log, named_devices=_named_devices(args)
        )

    if args.headless:
        if args.output_wav is None:
            parser.error("--headless with --input-wav or --text needs --output-wav")
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

    return _run_window(settings, args.screen, notices, _named_devices(args))


def _named_devices(args: argparse.Namespace) -> dict[str, str]:
    """The devices the command line named (``--input-device``/``--output-device``), by settings field."""
    return {name: getattr(args, name) for name in ("input_device", "output_device") if getattr(args, name)}


def _run_window(
    settings: Settings,
    screen: str | None,
    notices: Sequence[str] = (),
    named_devices: dict[str, str] | None = None,
) -> int:
    named_devices = named_devices or {}
    try:
        from desktop_app.ui.app_main import display_available, run_window
    except ImportError as err:
        print(f"error: the window cannot start ({err}). Use --headless.", file=sys.stderr)
        return 1
    if not display_available():
        print(
            "error: no display found. Run without a window:\n"
            "  python -m desktop_app --headless              (talk through the microphone)\n"
            "  python -m desktop_app --headless --input-wav IN.wav --output-wav OUT.wav\n"
            "or start the window on a virtual display:  xvfb-run -a python -m desktop_app",
            file=sys.stderr,
        )
        return 2

    lock, exit_code = claim_instance()  # before anything binds the relay port or opens a device
    if exit_code is not None:
        return exit_code
    from desktop_app.ui.instance_client import InstanceLock

    assert isinstance(lock, InstanceLock)

    def controller_factory(settings: Settings, publish: Callable[[Event], None]) -> Controller:
        from desktop_app.app import Mode, build_app  # imported after the window is shown

        idle = not settings.listen_at_launch  # nothing leaves the machine before the user acts
        controller = build_app(settings, Mode.WINDOW, publish, start_idle=idle)
        if controller.services.audio is not None:  # a missing flagged device is said as the flag's
            controller.services.audio.named_on_command_line = named_devices
        for notice in notices:
            publish(ErrorEvent(notice, code="settings"))
        return controller

    try:
        return run_window(settings, controller_factory, screen=screen, instance_lock=lock)
    finally:
        lock.release()
