"""The desktop ports the built-in tools act through, and fallbacks that need no window.

The window implements :class:`ClipboardPort` (Qt's clipboard) and may implement :class:`NotifierPort` (a tray
message); the fallbacks here use the desktop's own commands when present: ``wl-paste``/``wl-copy`` on Wayland,
``xclip`` or ``xsel`` on X11, ``xdg-open`` (else Python's ``webbrowser``) for URLs, ``notify-send`` for
notifications. A port raises :class:`~desktop_app.tools.spec.ToolError` when it cannot act.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import webbrowser
from collections.abc import Mapping, Sequence
from typing import Protocol

from desktop_app.tools.spec import ToolError

__all__ = [
    "BrowserPort",
    "ClipboardPort",
    "CommandClipboard",
    "NotifierPort",
    "SystemBrowser",
    "SystemNotifier",
    "run_command",
]

log = logging.getLogger(__name__)
_COMMAND_TIMEOUT_S = 5.0


class ClipboardPort(Protocol):
    async def read_text(self) -> str: ...
    async def write_text(self, text: str) -> None: ...


class BrowserPort(Protocol):
    async def open(self, url: str) -> None:
        """Open ``url`` (already checked to be http or https) in the user's default browser."""
        ...


class NotifierPort(Protocol):
    async def notify(self, title: str, body: str) -> None:
        """Show a desktop notification; must not raise for a missing notification service."""
        ...


async def run_command(argv: Sequence[str], stdin: bytes | None = None) -> bytes:
    """Run ``argv`` with ``stdin``; its stdout. ToolError when it fails or takes over 5 s (it is killed)."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise ToolError(f"{argv[0]} could not run ({exc.strerror or exc}).") from None
    try:
        async with asyncio.timeout(_COMMAND_TIMEOUT_S):
            out, err = await proc.communicate(stdin)
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        detail = err.decode(errors="replace").strip()[:200]
        raise ToolError(f"{argv[0]} failed ({detail or f'exit code {proc.returncode}'}).")
    return out


class CommandClipboard:
    """The clipboard through wl-clipboard, xclip or xsel, whichever is installed (checked per use)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env

    def _commands(self) -> tuple[list[str], list[str]]:
        env = os.environ if self._env is None else self._env
        if env.get("WAYLAND_DISPLAY") and shutil.which("wl-paste") and shutil.which("wl-copy"):
            return ["wl-paste", "--no-newline"], ["wl-copy"]
        if shutil.which("xclip"):
            return ["xclip", "-selection", "clipboard", "-o"], ["xclip", "-selection", "clipboard", "-i"]
        if shutil.which("xsel"):
            return ["xsel", "--clipboard", "--output"], ["xsel", "--clipboard", "--input"]
        raise ToolError("No clipboard is reachable here (install wl-clipboard, xclip or xsel).")

    async def read_text(self) -> str:
        read, _write = self._commands()
        return (await run_command(read)).decode("utf-8", errors="replace")

    async def write_text(self, text: str) -> None:
        _read, write = self._commands()
        await run_command(write, text.encode("utf-8"))


class SystemBrowser:
    """``xdg-open`` when installed, else Python's :mod:`webbrowser` (on a worker thread)."""

    async def open(self, url: str) -> None:
        if shutil.which("xdg-open"):
            await run_command(["xdg-open", url])
            return
        if not await asyncio.to_thread(webbrowser.open, url):
            raise ToolError("No web browser could be started here.")


class SystemNotifier:
    """``notify-send`` when installed; otherwise the notification is only logged (the model is still told)."""

    async def notify(self, title: str, body: str) -> None:
        if shutil.which("notify-send"):
            try:
                await run_command(["notify-send", "--app-name=Gemini Live", title, body])
                return
            except ToolError as exc:
                log.info("the desktop notification failed: %s", exc)
        log.info("notification: %s: %s", title, body)
