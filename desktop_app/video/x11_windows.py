"""The desktop's windows, for sharing one: their titles and where they are now (X11, through ``xprop`` and
``xwininfo`` from Debian's x11-utils; no Xlib binding is needed).

Every function blocks for a few milliseconds per window (a subprocess each): run them off the Qt thread and
off the loop (the share picker's worker, the capture thread). Windows are listed from the window
manager's ``_NET_CLIENT_LIST``; without a window manager (a bare Xvfb), from the root's mapped children.
Our own windows (``_NET_WM_PID`` is this process) are left out.

Wayland: native Wayland windows are invisible to X11 tools. Under XWayland only X11 applications are
listed, and screen capture through ``mss`` may return black frames; sharing there needs the desktop
portal's ScreenCast, which is not implemented (:data:`WAYLAND_NOTE` says so in the picker).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from desktop_app.video.spec import Region

__all__ = [
    "WAYLAND_NOTE",
    "WindowInfo",
    "list_windows",
    "parse_window_spec",
    "wayland_note",
    "window_region",
]

WAYLAND_NOTE = (
    "This is a Wayland session: only X11 applications' windows are listed, and a shared screen may "
    "show black. Choose an X11 session to share everything."
)

_TIMEOUT_S = 2.0
_ID_RE = re.compile(r"0x[0-9a-fA-F]+")
_CHILD_RE = re.compile(r'^\s*(0x[0-9a-fA-F]+) "(.*)":')
_PREFIX = "window:"


@dataclass(frozen=True, slots=True)
class WindowInfo:
    """A top-level window: its X11 id, its title and its place on the virtual desktop now."""

    id: int
    title: str
    region: Region

    @property
    def spec(self) -> str:
        """What ``set_screen`` takes to share this window: ``window:0x…:TITLE``."""
        return f"{_PREFIX}{self.id:#x}:{self.title}"


def parse_window_spec(text: str) -> tuple[int, str] | None:
    """``"window:0x1a00003:Title"`` → ``(0x1a00003, "Title")``; None for anything that is not a window
    spec. The title is optional (``"window:0x1a00003"``)."""
    if not text.startswith(_PREFIX):
        return None
    ident, _, title = text[len(_PREFIX) :].partition(":")
    try:
        return int(ident, 16), title
    except ValueError:
        return None


def wayland_note(env: Mapping[str, str] | None = None) -> str:
    """:data:`WAYLAND_NOTE` in a Wayland session, else empty."""
    env = os.environ if env is None else env
    wayland = env.get("XDG_SESSION_TYPE") == "wayland" or bool(env.get("WAYLAND_DISPLAY"))
    return WAYLAND_NOTE if wayland else ""


def _run(*args: str, display: str | None) -> str | None:
    """The tool's output, or None when it is missing, fails or the window is gone."""
    if shutil.which(args[0]) is None:
        return None
    env = dict(os.environ, DISPLAY=display) if display else None
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=_TIMEOUT_S, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def window_region(window: int, display: str | None = None) -> Region | None:
    """Where ``window`` is now (its absolute position and size); None when it is gone or not shown."""
    out = _run("xwininfo", "-id", f"{window:#x}", display=display)
    if out is None:
        return None
    values: dict[str, str] = {}
    for line in out.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep:
            values[key.strip()] = value.strip()
    try:
        left = int(values["Absolute upper-left X"])
        top = int(values["Absolute upper-left Y"])
        width, height = int(values["Width"]), int(values["Height"])
    except (KeyError, ValueError):
        return None
    if values.get("Map State") != "IsViewable" or width <= 1 or height <= 1:
        return None
    return Region(left, top, width, height)


def _title_and_pid(window: int, display: str | None) -> tuple[str, int | None]:
    out = _run("xprop", "-id", f"{window:#x}", "_NET_WM_NAME", "WM_NAME", "_NET_WM_PID", display=display)
    title, pid = "", None
    for line in (out or "").splitlines():
        name, _, value = line.partition(" = ")
        if not value:
            continue
        if name.startswith(("_NET_WM_NAME", "WM_NAME")) and not title and value.startswith('"'):
            title = value.strip().strip('"')
        elif name.startswith("_NET_WM_PID") and value.strip().isdigit():
            pid = int(value.strip())
    return title, pid


def _candidate_ids(display: str | None) -> list[int]:
    """The window manager's clients, else the root's children (a bare X server)."""
    out = _run("xprop", "-root", "_NET_CLIENT_LIST", display=display)
    if out and "#" in out:
        return [int(m, 16) for m in _ID_RE.findall(out.partition("#")[2])]
    tree = _run("xwininfo", "-root", "-children", display=display) or ""
    return [int(m.group(1), 16) for line in tree.splitlines() if (m := _CHILD_RE.match(line))]


def list_windows(display: str | None = None, own_pid: int | None = None) -> list[WindowInfo]:
    """The shown, titled top-level windows, not ours (``own_pid``: this process by default)."""
    own = os.getpid() if own_pid is None else own_pid
    found: list[WindowInfo] = []
    for window in _candidate_ids(display):
        title, pid = _title_and_pid(window, display)
        if not title or pid == own:
            continue
        region = window_region(window, display)
        if region is not None:
            found.append(WindowInfo(window, title, region))
    return found
