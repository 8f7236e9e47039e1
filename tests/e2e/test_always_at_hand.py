"""Always at hand, with real processes on Xvfb: the global push-to-talk key grabbed from X11 and driven by
xdotool while another application has the focus, and one window per user (a second launch, the instance
commands, two launches racing for the relay port).

Needs the Debian packages ``xvfb``, ``xdotool`` and PulseAudio (packaging/apt-packages.txt).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.bench.window_rig import ROOT, WindowProcess, XvfbDisplay
from tests.support.pulse_rig import PulseRig

OTHER_APP = """
import sys
from PySide6.QtWidgets import QApplication, QLineEdit
app = QApplication(sys.argv)
edit = QLineEdit()
edit.setWindowTitle("Other application")
edit.resize(400, 60)
edit.show()
print("shown", flush=True)
app.exec()
"""


def _xdotool(display: str, *args: str) -> str:
    if shutil.which("xdotool") is None:
        pytest.fail("these tests need xdotool (apt-get install xdotool)")
    done = subprocess.run(
        ["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _live(state: dict[str, Any]) -> bool:
    return bool(state.get("shown")) and state.get("phase") == "live"


def _replied(state: dict[str, Any], turn: int) -> bool:
    return any(e["kind"] == "model" and e["final"] and e["turn"] == turn for e in state.get("transcript", []))


@pytest.fixture
def env(tmp_path: Path, rig: PulseRig) -> dict[str, str]:
    """What every process of one user shares: the devices, a private XDG_RUNTIME_DIR (the socket) and the
    configuration directory (a separate one would be a separate instance)."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    return {
        "PULSE_SINK": rig.speaker,
        "PULSE_SOURCE": rig.mic_source,
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "GLD_CONFIG_DIR": str(tmp_path / "config"),  # one profile: one instance
    }


@pytest.fixture
def other_app(xvfb: XvfbDisplay) -> Iterator[str]:
    """Another application's window with the keyboard focus; yields its X window id."""
    proc = subprocess.Popen(
        [sys.executable, "-c", OTHER_APP],
        env={**os.environ, "DISPLAY": xvfb.display, "QT_QPA_PLATFORM": "xcb"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "shown"
        window = _xdotool(xvfb.display, "search", "--sync", "--onlyvisible", "--name", "^Other application$")
        yield window.splitlines()[0]
    finally:
        proc.terminate()
        proc.wait(10)


def _cli(display: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env, "DISPLAY": display}
    full.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_global_key_talks_while_another_application_has_the_focus(
    xvfb: XvfbDisplay, env: dict[str, str], other_app: str, rig: PulseRig, question_wav: Path, tmp_path: Path
) -> None:
    with WindowProcess(xvfb.display, tmp_path / "app", [], env) as app:
        state = app.wait_for(
            lambda s: _live(s) and s.get("desktop", {}).get("keys_active") == ["mute", "talk"],
            60,
            "a live session with both global keys grabbed",
        )
        assert "Hold Ctrl+Alt+Space to talk" in state["desktop"]["status"]
        assert state["input"]["push_to_talk"] is False
        _xdotool(xvfb.display, "windowfocus", "--sync", other_app)
        assert _xdotool(xvfb.display, "getwindowfocus") == other_app

        _xdotool(xvfb.display, "keydown", "ctrl+alt+space")
        app.wait_for(
            lambda s: _live(s) and s["input"]["push_to_talk"] and s["input"]["talking"],
            60,
            "push-to-talk switched on and the key held, in a new live session",
        )
        assert rig.play_into_mic(question_wav).wait(60) == 0
        assert not _replied(app.state() or {}, 1), "no answer while the key is held: detection is off"
        _xdotool(xvfb.display, "keyup", "ctrl+alt+space")
        app.wait_for(lambda s: not s["input"]["talking"], 30, "the key released")
        app.wait_for(lambda s: _replied(s, 1), 60, "the model's answer after the release")
        assert _xdotool(xvfb.display, "getwindowfocus") == other_app, "the focus never moved"

        _xdotool(xvfb.display, "key", "ctrl+alt+m")
        app.wait_for(lambda s: s["input"]["mic_muted"], 30, "muted by the global key")
        assert app.terminate() == 0


def test_one_window_per_user_and_one_relay_port(
    xvfb: XvfbDisplay, env: dict[str, str], tmp_path: Path
) -> None:
    port = _free_port()
    first = WindowProcess(xvfb.display, tmp_path / "first", ["--relay-port", str(port)], env)
    second = WindowProcess(xvfb.display, tmp_path / "second", ["--relay-port", str(port)], env)
    with first, second:  # both start at once: the lock decides, before anything binds the port
        deadline = time.monotonic() + 60
        while first.proc.poll() is None and second.proc.poll() is None:  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "neither launch handed over to the other"
            time.sleep(0.05)  # polling other processes: there is nothing to await
        loser, winner = (first, second) if first.proc.poll() is not None else (second, first)  # type: ignore[union-attr]
        assert loser.proc.returncode == 0, loser.log_tail()  # type: ignore[union-attr]
        assert "already running" in loser.log_tail()
        assert loser.state() is None, "the second launch never opened a window"
        state = winner.wait_for(_live, 60, "the one window live")
        assert f"127.0.0.1:{port}" in state["relay_url"]
        windows = _xdotool(xvfb.display, "search", "--onlyvisible", "--name", "^Gemini Live$").split()
        assert len(windows) == 1

        again = _cli(xvfb.display, env)  # a plain second launch raises the running window
        assert again.returncode == 0 and "already running" in again.stderr
        muted = _cli(xvfb.display, env, "--toggle-mute")
        assert muted.returncode == 0, muted.stderr
        winner.wait_for(lambda s: s["input"]["mic_muted"], 30, "muted by --toggle-mute")
        assert len(_xdotool(xvfb.display, "search", "--onlyvisible", "--name", "^Gemini Live$").split()) == 1

        assert _cli(xvfb.display, env, "--quit").returncode == 0
        assert winner.proc.wait(60) == 0  # type: ignore[union-attr]
        after = _cli(xvfb.display, env, "--toggle-mute")
        assert after.returncode == 1 and "no Gemini Live window is running" in after.stderr


@pytest.fixture
def tray_host(xvfb: XvfbDisplay) -> Iterator[tuple[int, int]]:
    """trayer, a small XEmbed system tray, as a 32×32 panel in the top-right corner (just the one icon);
    yields the point to click."""
    if shutil.which("trayer") is None:
        pytest.fail("this test needs trayer, a system tray host (apt-get install trayer)")
    env = {**os.environ, "DISPLAY": xvfb.display}
    args = ["--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "32", "--height", "32"]
    host = subprocess.Popen(["trayer", *args], env=env, stderr=subprocess.DEVNULL)
    try:
        _xdotool(xvfb.display, "search", "--sync", "--classname", "trayer")
        yield 1600 - 16, 16  # the xvfb fixture's screen is 1600 wide
    finally:
        host.terminate()
        host.wait(10)


def test_with_a_system_tray_the_icon_shows_the_state_and_a_click_hides_the_window(
    xvfb: XvfbDisplay, env: dict[str, str], tray_host: tuple[int, int], tmp_path: Path
) -> None:
    x, y = tray_host
    with WindowProcess(xvfb.display, tmp_path / "app", [], env) as app:
        state = app.wait_for(
            lambda s: _live(s) and s.get("desktop", {}).get("tray_state") == "Offline demo",
            60,
            "the tray icon showing the offline demo",
        )
        assert state["desktop"]["tray_available"] and state["desktop"]["tray_icon_visible"]
        _xdotool(xvfb.display, "mousemove", str(x), str(y), "click", "1")
        app.wait_for(lambda s: not s["desktop"]["window_visible"], 30, "the window hidden from the tray")
        assert app.proc is not None and app.proc.poll() is None, "hidden, still running"
        assert _cli(xvfb.display, env, "--show").returncode == 0
        app.wait_for(lambda s: s["desktop"]["window_visible"], 30, "the hidden window shown by --show")
        _xdotool(xvfb.display, "key", "ctrl+alt+m")
        app.wait_for(lambda s: s["desktop"]["tray_state"] == "Muted", 30, "the tray showing muted")
        assert app.terminate() == 0
