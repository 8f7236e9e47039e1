"""The command line's side of one window per user: hand commands to the running window, or claim the lock.

Nothing here imports Qt or the app: ``--toggle-mute`` and friends stay fast.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["claim_instance", "instance_commands", "send_to_instance"]


def instance_commands(args: argparse.Namespace) -> list[str]:
    commands = ["toggle-mute"] if args.toggle_mute else []
    if args.push_to_talk:
        commands.append(f"push-to-talk {args.push_to_talk}")
    if args.show:
        commands.append("show")
    if args.quit:
        commands.append("quit")
    return commands


def send_to_instance(commands: list[str]) -> int:
    """Hand ``commands`` to the running window; 0 when it took them all, 1 with a line on stderr if not."""
    from desktop_app.ui.instance_client import NoInstanceError, send_command

    for command in commands:
        try:
            answer = send_command(command)
        except NoInstanceError as err:
            print(f"error: {err}; start it with gemini-live-desktop first.", file=sys.stderr)
            return 1
        if answer != "ok":
            print(f"error: the running window refused {command!r}: {answer}", file=sys.stderr)
            return 1
    return 0


def claim_instance() -> tuple[object | None, int | None]:
    """(the lock, None) when this launch is the one window; else (None, exit code) after raising the
    running window, or saying why it could not be reached."""
    from desktop_app.ui.instance_client import InstanceLock, NoInstanceError, send_command

    lock = InstanceLock.acquire()
    if lock is not None:
        return lock, None
    try:
        send_command("show", wait_s=10.0)
    except NoInstanceError as err:
        print(f"error: Gemini Live is already starting or running, but {err}.", file=sys.stderr)
        return None, 1
    print("Gemini Live is already running; its window was brought to the front.", file=sys.stderr)
    return None, 0
