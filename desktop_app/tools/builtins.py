"""All built-in tools in one list, from the ports the caller provides (fallbacks where it gives none)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from desktop_app.core.commands import Command
from desktop_app.tools.builtin_desktop import clipboard_tools, open_url_tool, time_tool
from desktop_app.tools.builtin_history import search_history_tool
from desktop_app.tools.builtin_screen import ScreenCapture, ScreenshotPort, screenshot_tool
from desktop_app.tools.ports import (
    BrowserPort,
    ClipboardPort,
    CommandClipboard,
    SystemBrowser,
)
from desktop_app.tools.spec import ToolSpec
from desktop_app.tools.timers import TimerService

__all__ = ["builtin_tools"]


def builtin_tools(
    send: Callable[[Command], Awaitable[None]],
    timers: TimerService,
    *,
    clipboard: ClipboardPort | None = None,
    browser: BrowserPort | None = None,
    screenshots: ScreenshotPort | None = None,
    history_dir: Path | None = None,
) -> list[ToolSpec]:
    """The built-in tools. ``send`` is the session's send port (the screenshot goes through it); the
    caller owns ``timers`` (stop it at exit) and passes the window's clipboard when there is one."""
    return [
        time_tool(),
        *clipboard_tools(clipboard or CommandClipboard()),
        open_url_tool(browser or SystemBrowser()),
        screenshot_tool(screenshots or ScreenCapture(), send),
        search_history_tool(history_dir),
        timers.tool(),
    ]
