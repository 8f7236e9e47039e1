"""Headless Firefox ESR driven over WebDriver BiDi, the protocol Firefox speaks natively.

Playwright cannot drive a stock Firefox and geckodriver is not packaged, so this is a small BiDi client of our
own on the ``websockets`` library: enough to load a page, click, type, evaluate functions, collect console
errors and take screenshots. Use it through :func:`launch_firefox`::

    async with launch_firefox(tmp_path / "profile") as firefox:
        page = await firefox.page()
        await page.navigate(url)

``page.evaluate(source)`` takes a JavaScript function literal (like Playwright's), so the readers in
``pagestate.py`` work on a :class:`FirefoxPage` unchanged. Functions run through the browser's debugger, not
``eval``, so the page's Content-Security-Policy does not stop them.

The profile gets fake media devices (a tone as the microphone, a test pattern as the camera), no permission
prompts and no traffic to Mozilla's services. Firefox's autoplay policy stays at its default (an AudioContext
started without user activation stays suspended), so :meth:`FirefoxPage.click` sends real pointer input: the
page must start its audio from the click, as it must for a user.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import math
import os
import re
import shutil
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

FIREFOX = Path("/usr/bin/firefox-esr")

# user.js of the throwaway profile.
PREFS: dict[str, bool | int | str] = {
    # Media: fake devices and no permission prompts. Autoplay is left at Firefox's default on purpose.
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    # Quiet: no first-run pages, updates, telemetry, experiments or remote settings fetches.
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.newtabpage.enabled": False,
    "browser.aboutwelcome.enabled": False,
    "browser.sessionstore.resume_from_crash": False,
    "toolkit.startup.max_resumed_crashes": -1,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "browser.region.network.url": "",
    "browser.safebrowsing.update.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
}

_LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")


class BidiError(RuntimeError):
    """A BiDi command failed (``error``/``message`` from the browser) or a script threw."""


class BidiConnection:
    """One WebDriver BiDi session over a websocket: ``command()`` waits for the matching reply, events go to
    the callbacks registered with ``on()``. Call ``close()`` when done."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._listeners: dict[str, list[Callable[[dict[str, Any]], None]]] = {}
        self._reader = asyncio.create_task(self._read(), name="bidi-reader")

    def on(self, event: str, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call ``callback(params)`` for each ``event`` (also subscribe to it with ``session.subscribe``)."""
        self._listeners.setdefault(event, []).append(callback)

    async def command(self, method: str, params: dict[str, Any], timeout_s: float = 30.0) -> dict[str, Any]:
        """Send one command and return its ``result``; raises BidiError on an error reply."""
        command_id = next(self._ids)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = reply
        try:
            await self._ws.send(json.dumps({"id": command_id, "method": method, "params": params}))
            async with asyncio.timeout(timeout_s):
                message = await reply
        finally:
            self._pending.pop(command_id, None)
        if message.get("type") == "error":
            raise BidiError(f"{method}: {message.get('error')}: {message.get('message')}")
        result = message.get("result", {})
        assert isinstance(result, dict)
        return result

    async def _read(self) -> None:
        error: BaseException = BidiError("the BiDi connection closed")
        try:
            async for raw in self._ws:
                message = json.loads(raw)
                if "id" in message and message["id"] is not None:
                    reply = self._pending.get(message["id"])
                    if reply is not None and not reply.done():
                        reply.set_result(message)
                elif message.get("type") == "event":
                    for callback in self._listeners.get(message["method"], []):
                        callback(message["params"])
        except Exception as exc:  # the connection broke: fail every waiting command with the cause
            error = exc
        for reply in self._pending.values():
            if not reply.done():
                reply.set_exception(error)

    async def close(self) -> None:
        await self._ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@dataclass
class FirefoxPage:
    """One top-level browsing context (tab). ``console_errors`` collects console.error calls and uncaught
    exceptions (BiDi ``log.entryAdded`` at level error) from the moment the page object exists."""

    bidi: BidiConnection
    context: str
    console_errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    async def navigate(self, url: str) -> None:
        await self.bidi.command(
            "browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"}
        )

    async def set_viewport(self, width: int, height: int) -> None:
        await self.bidi.command(
            "browsingContext.setViewport",
            {"context": self.context, "viewport": {"width": width, "height": height}},
        )

    async def evaluate(self, function: str, *args: Any) -> Any:
        """Call the JavaScript function literal ``function`` with ``args`` (JSON-like values) in the page,
        await it if it returns a promise, and return its result as Python values."""
        result = await self.bidi.command(
            "script.callFunction",
            {
                "functionDeclaration": function,
                "arguments": [_local_value(arg) for arg in args],
                "target": {"context": self.context},
                "awaitPromise": True,
                "resultOwnership": "none",
                "serializationOptions": {"maxObjectDepth": 32},
            },
            timeout_s=120.0,
        )
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise BidiError(f"the page threw: {details.get('text')}")
        return _python_value(result["result"])

    async def title(self) -> str:
        title = await self.evaluate("() => document.title")
        assert isinstance(title, str)
        return title

    async def click(self, selector: str) -> None:
        """A real mouse click (pointer actions, so the page gets user activation) on the centre of the first
        element matching ``selector``, scrolled into view first."""
        centre = await self.evaluate(
            """(selector) => {
                const element = document.querySelector(selector);
                if (!element) throw new Error(`no element matches ${selector}`);
                element.scrollIntoView({ block: "center", inline: "center" });
                const box = element.getBoundingClientRect();
                return [box.left + box.width / 2, box.top + box.height / 2];
            }""",
            selector,
        )
        x, y = (math.floor(value) for value in centre)
        await self.bidi.command(
            "input.performActions",
            {
                "context": self.context,
                "actions": [
                    {
                        "type": "pointer",
                        "id": "mouse",
                        "parameters": {"pointerType": "mouse"},
                        "actions": [
                            {"type": "pointerMove", "x": x, "y": y},
                            {"type": "pointerDown", "button": 0},
                            {"type": "pointerUp", "button": 0},
                        ],
                    }
                ],
            },
        )
        await self.bidi.command("input.releaseActions", {"context": self.context})

    async def type_into(self, selector: str, text: str) -> None:
        """Click the field, then type ``text`` key by key (real key events; ASCII without modifiers)."""
        await self.click(selector)
        keys: list[dict[str, Any]] = []
        for char in text:
            keys += [{"type": "keyDown", "value": char}, {"type": "keyUp", "value": char}]
        await self.bidi.command(
            "input.performActions",
            {"context": self.context, "actions": [{"type": "key", "id": "keyboard", "actions": keys}]},
        )
        await self.bidi.command("input.releaseActions", {"context": self.context})

    async def screenshot(self) -> bytes:
        """A PNG of the viewport."""
        result = await self.bidi.command("browsingContext.captureScreenshot", {"context": self.context})
        return base64.b64decode(result["data"])

    def on_log_entry(self, entry: dict[str, Any]) -> None:
        source = entry.get("source", {})
        if source.get("context") not in (None, self.context):
            return
        where = ""
        frames = (entry.get("stackTrace") or {}).get("callFrames") or []
        if frames:
            top = frames[0]
            where = f" at {top.get('url')}:{top.get('lineNumber')}"
        line = f"{entry.get('type')} {entry.get('level')}: {entry.get('text')}{where}"
        self.console.append(line)
        if entry.get("level") == "error":
            self.console_errors.append(line)


@dataclass
class Firefox:
    """A running headless Firefox with one BiDi session. ``stderr_tail`` keeps its last stderr lines."""

    process: asyncio.subprocess.Process
    bidi: BidiConnection
    stderr_tail: deque[str]

    async def page(self, width: int = 1280, height: int = 800) -> FirefoxPage:
        """The browser's first tab, sized ``width``×``height``, with console errors collected."""
        tree = await self.bidi.command("browsingContext.getTree", {"maxDepth": 0})
        page = FirefoxPage(self.bidi, tree["contexts"][0]["context"])
        self.bidi.on("log.entryAdded", page.on_log_entry)
        await self.bidi.command("session.subscribe", {"events": ["log.entryAdded"]})
        await page.set_viewport(width, height)
        return page


def require_firefox(executable: Path = FIREFOX) -> Path:
    """``executable``, after failing with a message naming the package when it is missing."""
    assert executable.exists(), (
        f"{executable} is missing: apt-get install -y firefox-esr (packaging/apt-packages.txt lists it)"
    )
    return executable


def write_profile(directory: Path, extra_prefs: dict[str, bool | int | str] | None = None) -> Path:
    """Create a fresh profile directory whose user.js holds PREFS (plus ``extra_prefs``)."""
    directory.mkdir(parents=True, exist_ok=True)
    prefs = {**PREFS, **(extra_prefs or {})}
    lines = [f"user_pref({json.dumps(name)}, {json.dumps(value)});" for name, value in prefs.items()]
    (directory / "user.js").write_text("\n".join(lines) + "\n")
    return directory


@contextlib.asynccontextmanager
async def launch_firefox(
    profile: Path,
    executable: Path = FIREFOX,
    start_timeout_s: float = 30.0,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[Firefox]:
    """Start headless Firefox on a new profile in ``profile`` with BiDi on a free loopback port, open a
    session, and close the browser (then kill it if it lingers) on exit. The profile directory (~36 MB) is
    deleted on exit: keep nothing the test needs in it. ``env`` is added to this process's environment.

    Firefox plays through PulseAudio and, with no sound server, never starts an AudioContext: pass
    ``PULSE_SINK`` (and have a daemon running) for a test that plays or records audio.

    Fails with an AssertionError naming the package when ``executable`` is missing.
    """
    require_firefox(executable)
    write_profile(profile)
    full_env = {**os.environ, **(env or {}), "MOZ_CRASHREPORTER_DISABLE": "1", "MOZ_HEADLESS": "1"}
    process = await asyncio.create_subprocess_exec(
        str(executable),
        "--headless",
        "--no-remote",
        "--remote-debugging-port=0",
        "-profile",
        str(profile),
        "about:blank",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=full_env,
    )
    assert process.stderr is not None
    tail: deque[str] = deque(maxlen=200)
    drain: asyncio.Task[None] | None = None
    bidi: BidiConnection | None = None
    try:
        try:
            async with asyncio.timeout(start_timeout_s):
                url = await _listening_url(process.stderr, tail)
        except TimeoutError:
            raise AssertionError(f"Firefox did not start BiDi; stderr: {list(tail)}") from None
        drain = asyncio.create_task(_drain(process.stderr, tail), name="firefox-stderr")
        ws = await connect(f"{url}/session", max_size=64 * 1024 * 1024, open_timeout=start_timeout_s)
        bidi = BidiConnection(ws)
        await bidi.command("session.new", {"capabilities": {}})
        yield Firefox(process, bidi, tail)
    finally:
        if bidi is not None:
            with contextlib.suppress(Exception):
                await bidi.command("browser.close", {}, timeout_s=10.0)
            await bidi.close()
        if process.returncode is None:
            try:
                async with asyncio.timeout(10.0):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        if drain is not None:
            await drain
        await asyncio.to_thread(shutil.rmtree, profile, ignore_errors=True)


async def _listening_url(stream: asyncio.StreamReader, tail: deque[str]) -> str:
    while line := await stream.readline():
        text = line.decode(errors="replace").rstrip()
        tail.append(text)
        if found := _LISTENING.search(text):
            return found.group(1)
    raise AssertionError(f"Firefox exited before BiDi listened; stderr: {list(tail)}")


async def _drain(stream: asyncio.StreamReader, tail: deque[str]) -> None:
    while line := await stream.readline():
        tail.append(line.decode(errors="replace").rstrip())


def _local_value(value: Any) -> dict[str, Any]:
    """A Python value as a BiDi LocalValue."""
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, int | float):
        return {"type": "number", "value": value}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, list | tuple):
        return {"type": "array", "value": [_local_value(item) for item in value]}
    if isinstance(value, dict):
        return {"type": "object", "value": [[str(key), _local_value(item)] for key, item in value.items()]}
    raise TypeError(f"cannot pass {type(value).__name__} to the page")


_SPECIAL_NUMBERS = {"NaN": math.nan, "-0": -0.0, "Infinity": math.inf, "-Infinity": -math.inf}


def _python_value(remote: dict[str, Any]) -> Any:
    """A BiDi RemoteValue as a Python value; nodes, functions and the like stay as the raw dict."""
    kind = remote["type"]
    if kind in ("undefined", "null"):
        return None
    if kind in ("string", "boolean"):
        return remote["value"]
    if kind == "number":
        value = remote["value"]
        return _SPECIAL_NUMBERS.get(value, value) if isinstance(value, str) else value
    if kind == "bigint":
        return int(remote["value"])
    if kind in ("array", "set"):
        return [_python_value(item) for item in remote.get("value", [])]
    if kind in ("object", "map"):
        return {
            (key if isinstance(key, str) else str(_python_value(key))): _python_value(item)
            for key, item in remote.get("value", [])
        }
    return remote
