"""Start with the desktop session: the XDG autostart entry that the settings add and remove.

The entry is ``$XDG_CONFIG_HOME/autostart/gemini-live-desktop.desktop`` (``~/.config`` by default). It runs
the installed ``gemini-live-desktop`` when that is on ``PATH``, else this Python with ``-m desktop_app``.
No Qt: :func:`set_autostart` is plain file work (call it off the Qt thread if the disk may be slow).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["autostart_path", "desktop_entry", "is_autostart_enabled", "set_autostart"]

_FILE = "gemini-live-desktop.desktop"


def autostart_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    config = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".config")
    return Path(config) / "autostart" / _FILE


def desktop_entry(command: list[str] | None = None) -> str:
    """The entry's text; ``command`` defaults to the installed script, else ``python -m desktop_app``."""
    if command is None:
        script = shutil.which("gemini-live-desktop")
        command = [script] if script else [sys.executable, "-m", "desktop_app"]
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Gemini Live\n"
        "Comment=Talk to Gemini Live with your voice and camera\n"
        f"Exec={shlex.join(command)}\n"
        "Icon=gemini-live-desktop\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def is_autostart_enabled(env: Mapping[str, str] | None = None) -> bool:
    return autostart_path(env).is_file()


def set_autostart(
    enabled: bool, env: Mapping[str, str] | None = None, command: list[str] | None = None
) -> Path:
    """Write (atomically) or remove the entry; returns its path. Raises OSError when the disk refuses."""
    path = autostart_path(env)
    if not enabled:
        path.unlink(missing_ok=True)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(desktop_entry(command), encoding="utf-8")
    os.replace(tmp, path)
    return path
