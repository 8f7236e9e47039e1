"""Built-in tools for the desktop: the time, the clipboard, opening a web page.

Each factory returns a :class:`ToolSpec` with its policy and risk; the ports come from the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from desktop_app.core.commands import ResponseScheduling
from desktop_app.tools.ports import BrowserPort, ClipboardPort
from desktop_app.tools.spec import NO_ARGS, Handler, Policy, Risk, ToolError, ToolSpec, object_schema

__all__ = ["clipboard_tools", "open_url_tool", "time_tool"]

CLIPBOARD_LIMIT = 20_000  # characters of clipboard text handed to the model


def time_tool(now: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> ToolSpec:
    """``get_current_time``: the local date, time, weekday and time zone (allowed: it reads the clock)."""

    async def handler(args: dict[str, Any]) -> Any:
        moment = now()
        offset = moment.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        sign = "+" if minutes >= 0 else "-"
        return {
            "iso": moment.isoformat(timespec="seconds"),
            "date": moment.strftime("%Y-%m-%d"),
            "time": moment.strftime("%H:%M:%S"),
            "weekday": moment.strftime("%A"),
            "time_zone": moment.tzname() or "",
            "utc_offset": f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
        }

    return ToolSpec(
        "get_current_time",
        "The user's current local date, time, weekday and time zone.",
        handler,
        NO_ARGS,
        risk=Risk.READS,
        policy=Policy.ALLOW,
        timeout_s=2.0,
    )


def clipboard_tools(clipboard: ClipboardPort) -> list[ToolSpec]:
    """``read_clipboard`` and ``write_clipboard`` (both ask: the clipboard may hold anything)."""

    async def read(args: dict[str, Any]) -> Any:
        text = await clipboard.read_text()
        if not text:
            return {"text": "", "note": "The clipboard holds no text."}
        cut = len(text) > CLIPBOARD_LIMIT
        return {"text": text[:CLIPBOARD_LIMIT], "truncated": cut}

    async def write(args: dict[str, Any]) -> Any:
        await clipboard.write_text(args["text"])
        return {"written_characters": len(args["text"])}

    return [
        ToolSpec(
            "read_clipboard",
            "Read the text on the user's clipboard.",
            read,
            NO_ARGS,
            risk=Risk.READS,
            policy=Policy.ASK,
            timeout_s=5.0,
        ),
        _asked_change(
            "write_clipboard",
            "Put text on the user's clipboard, replacing what is there.",
            write,
            object_schema({"text": {"type": "string", "maxLength": 100_000}}, "text"),
            timeout_s=5.0,
        ),
    ]


def check_web_url(url: str) -> str:
    """``url`` stripped, if it is an http(s) address with a host; else ToolError (file:, javascript: …)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ToolError("Only http:// and https:// addresses can be opened.")
    if any(ch in url for ch in "\r\n\t"):
        raise ToolError("The address contains control characters.")
    return url


def open_url_tool(browser: BrowserPort) -> ToolSpec:
    """``open_url``: open a web page in the default browser (asks; http and https only)."""

    async def handler(args: dict[str, Any]) -> Any:
        url = check_web_url(args["url"])
        await browser.open(url)
        return {"opened": url}

    return _asked_change(
        "open_url",
        "Open a web page (http or https) in the user's default browser.",
        handler,
        object_schema({"url": {"type": "string", "description": "an http:// or https:// address"}}, "url"),
        timeout_s=10.0,
    )


def _asked_change(
    name: str, description: str, handler: Handler, schema: dict[str, Any], *, timeout_s: float
) -> ToolSpec:
    """A tool that changes something on the desktop: asked first, and its answer taken silently (the
    model need not speak about a done clipboard write or an opened page)."""
    return ToolSpec(
        name,
        description,
        handler,
        schema,
        risk=Risk.CHANGES,
        policy=Policy.ASK,
        timeout_s=timeout_s,
        scheduling=ResponseScheduling.SILENT,
    )
