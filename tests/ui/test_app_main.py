"""The entry points the CLI calls: whether a display exists, and what happens without one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import resources
from desktop_app.ui.app_main import display_available, no_display_help

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", True),
        ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, "linux", True),
        ({}, "win32", True),
        ({}, "darwin", True),
        ({"DISPLAY": "remote.host:0"}, "linux", True),
        ({"DISPLAY": ":77"}, "linux", True),  # its socket exists in the test directory
        ({"DISPLAY": ":78"}, "linux", False),  # no socket: Qt would abort, so say no
        ({"DISPLAY": ":77", "QT_QPA_PLATFORM": "wayland"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-9"}, "linux", True),  # relative to XDG_RUNTIME_DIR
        ({"WAYLAND_DISPLAY": "wayland-8"}, "linux", False),
    ],
)
def test_display_available(env: dict[str, str], platform: str, expected: bool, tmp_path: Path) -> None:
    (tmp_path / "X77").touch()
    (tmp_path / "wayland-9").touch()
    env = {"XDG_RUNTIME_DIR": str(tmp_path), **env}
    assert display_available(env, platform, x11_socket_dir=str(tmp_path)) is expected


def test_without_a_display_run_window_explains_and_never_loads_qt(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["GLD_CONFIG_DIR"] = str(tmp_path)
    code = (
        "import sys\n"
        "from desktop_app.config import Settings\n"
        "from desktop_app.ui.app_main import run_window\n"
        "rc = run_window(Settings(), lambda s, p: None)\n"
        "print(rc, 'PySide6' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.stdout.strip() == "2 False"
    assert no_display_help() in proc.stderr
    assert f"--input-wav {resources.sample_wav()}" in proc.stderr, (
        "names the installed sample, not a repo path"
    )
    assert "--headless" in proc.stderr and "xvfb-run" in proc.stderr
