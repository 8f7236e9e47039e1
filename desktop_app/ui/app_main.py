"""The window's entry points for the CLI: is there a display, and run the window.

This module imports no Qt at import time, so ``cli.py`` may import it in every mode. Typical use::

    from desktop_app.ui.app_main import display_available, no_display_help, run_window

    if not display_available():
        print(no_display_help(), file=sys.stderr)
        return 2
    idle = not settings.listen_at_launch
    return run_window(settings, lambda s, publish: build_app(s, Mode.WINDOW, publish, start_idle=idle))

:func:`run_window` checks the display itself too (and prints the same help), so calling it directly is safe.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TypedDict, Unpack

if TYPE_CHECKING:
    from desktop_app.controller_api import ControllerFactory, Settings
    from desktop_app.ui.instance_client import InstanceLock

__all__ = ["WindowOptions", "display_available", "no_display_help", "run_window"]

_NO_DISPLAY_HELP = """\
No display was found, so the window cannot open (neither DISPLAY nor WAYLAND_DISPLAY points at a running
display server). You can:
  * talk to Gemini without a window, from WAV files:
      gemini-live-desktop --headless --input-wav {sample} --output-wav reply.wav
  * or run the window on a virtual display (Debian/Ubuntu: apt-get install xvfb):
      xvfb-run -a gemini-live-desktop
  (inside the source tree, `python -m desktop_app` works wherever `gemini-live-desktop` is written.)"""


def no_display_help() -> str:
    """What to do without a display, naming the installed sample utterance as the example input."""
    from desktop_app.controller_api import MissingAssetError, sample_wav  # late: keeps this module light

    try:
        sample = str(sample_wav())
    except MissingAssetError:
        sample = "IN.wav"
    return _NO_DISPLAY_HELP.format(sample=shlex.quote(sample))


_SELF_CONTAINED_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay"})
_LOCAL_X = re.compile(r"^(?:unix)?:(\d+)(?:\.\d+)?$")


def display_available(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    *,
    x11_socket_dir: str = "/tmp/.X11-unix",
) -> bool:
    """True when Qt can open a window here: Windows/macOS, a reachable X or Wayland display, or a Qt
    platform that needs none (``QT_QPA_PLATFORM=offscreen``/``vnc``/…).

    A local X display (``:N``) counts only when its socket ``/tmp/.X11-unix/XN`` exists, because Qt aborts
    the process when it cannot connect; a remote one (``host:N``) is trusted.
    """
    env = os.environ if env is None else env
    qpa = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip().lower()
    if qpa in _SELF_CONTAINED_PLATFORMS:
        return True
    if platform in ("win32", "darwin") or platform.startswith("cygwin"):
        return True
    wayland = env.get("WAYLAND_DISPLAY", "")
    if wayland and qpa in ("", "wayland"):
        path = wayland if os.path.isabs(wayland) else os.path.join(env.get("XDG_RUNTIME_DIR", ""), wayland)
        if os.path.exists(path):
            return True
    display = env.get("DISPLAY", "")
    if display and qpa in ("", "xcb"):
        local = _LOCAL_X.match(display.strip())
        if local is None:
            return True
        return os.path.exists(os.path.join(x11_socket_dir, f"X{local.group(1)}"))
    return False


class WindowOptions(TypedDict, total=False):
    """How the window starts, each optional: ``argv`` for Qt, ``screen`` (``--screen``) to share once the
    controller has started, ``instance_lock`` to make this window the one other launches talk to."""

    argv: Sequence[str] | None
    screen: str | None
    instance_lock: InstanceLock | None


def run_window(
    settings: Settings, controller_factory: ControllerFactory, **options: Unpack[WindowOptions]
) -> int:
    """Open the window and run until it closes; returns the process exit code.

    ``controller_factory(settings, publish)`` builds the controller; it is called after the window is
    shown (so its imports do not delay the window: import the controller inside the factory), with the
    saved API key filled in when the environment gave none. ``screen`` is ``--screen``: share that
    monitor (``""`` means the first) once the controller has started. ``instance_lock`` makes this window
    the one other launches talk to (:mod:`desktop_app.ui.instance_client`). Without a display, prints
    :func:`no_display_help` and returns 2.
    """
    if not display_available():
        print(no_display_help(), file=sys.stderr)
        return 2
    from desktop_app.ui.window_app import run

    return run(settings, controller_factory, **options)
