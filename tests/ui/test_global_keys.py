"""The global keys: parsing, which mechanism each platform gets, honest statuses, and the talk driver's
order. The real X11 grab (and a key another client holds) runs on a private Xvfb."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.bench.window_rig import XvfbDisplay
from desktop_app.config import Settings
from desktop_app.ui.global_shortcuts import FALLBACK, GlobalShortcuts
from desktop_app.ui.portal_shortcuts import PortalProbe
from desktop_app.ui.talk_driver import TalkDriver
from desktop_app.ui.x11_hotkeys import Shortcut, X11KeyGrab, parse_shortcut


@pytest.mark.parametrize(
    ("text", "shortcut"),
    [
        ("Ctrl+Alt+Space", Shortcut(4 | 8, "space")),
        ("F9", Shortcut(0, "F9")),
        ("shift+super+M", Shortcut(1 | 64, "m")),
        ("Meta+Pause", Shortcut(64, "Pause")),
        ("XF86AudioMicMute", Shortcut(0, "XF86AudioMicMute")),
    ],
)
def test_parse_shortcut(text: str, shortcut: Shortcut) -> None:
    assert parse_shortcut(text) == shortcut


@pytest.mark.parametrize("text", ["", "Ctrl+", "Hyper+A", "Ctrl++"])
def test_a_bad_key_is_a_sentence(text: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        parse_shortcut(text)


def test_without_x11_or_a_portal_the_status_says_so_and_names_the_fallback(qtbot: QtBot) -> None:
    keys = GlobalShortcuts(platform="offscreen")
    with qtbot.waitSignal(keys.status_changed):
        keys.apply(Settings())
    assert keys.active == frozenset() and "need X11" in keys.status and FALLBACK in keys.status


def test_on_wayland_the_portal_answer_is_shown_and_nothing_claims_to_be_active(qtbot: QtBot) -> None:
    keys = GlobalShortcuts(
        platform="wayland", portal=lambda: PortalProbe(False, "No XDG desktop portal runs.")
    )
    keys.apply(Settings())
    assert keys.active == frozenset()
    assert "No XDG desktop portal runs." in keys.status and FALLBACK in keys.status


def test_switched_off_grabs_nothing(qtbot: QtBot) -> None:
    keys = GlobalShortcuts(platform="xcb")
    keys.apply(Settings(global_shortcuts=False))
    assert keys.active == frozenset() and keys.status.startswith("Global shortcuts are off.")


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        pytest.fail("this test needs Xvfb and xdotool (apt-get install xvfb xdotool)")
    with XvfbDisplay(640, 480) as x:
        yield x.display


def _xdotool(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, check=True, timeout=30)


def test_the_x11_grab_reports_press_and_release_once_and_refuses_a_taken_key(display: str) -> None:
    seen: list[tuple[str, bool]] = []
    four = threading.Semaphore(0)

    def on_key(name: str, pressed: bool) -> None:
        seen.append((name, pressed))
        four.release()

    grab = X11KeyGrab(
        {"talk": "Ctrl+Alt+Space", "mute": "F9", "bad": "Ctrl+NoSuchKey"}, on_key, display=display
    )
    failures = grab.start()
    try:
        assert failures == {"bad": "Ctrl+NoSuchKey is not a key this keyboard has."}
        assert grab.active == {"talk", "mute"}
        rival = X11KeyGrab({"talk": "Ctrl+Alt+Space"}, on_key, display=display)
        assert rival.start() == {"talk": "Ctrl+Alt+Space is already taken by another application."}
        assert rival.active == frozenset(), "a refused grab is never reported active"
        rival.stop()
        _xdotool(display, "keydown", "ctrl+alt+space", "keydown", "--delay", "50", "ctrl+alt+space")
        _xdotool(display, "keyup", "ctrl+alt+space", "key", "F9")
        for _ in range(4):
            assert four.acquire(timeout=10)
        assert seen == [("talk", True), ("talk", False), ("mute", True), ("mute", False)]
    finally:
        grab.stop()
    assert "x11-hotkeys" not in {t.name for t in threading.enumerate()}


class _Ctl:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    async def set_push_to_talk(self, enabled: bool) -> None:
        self.calls.append(("ptt", enabled))
        await asyncio.sleep(0.01)  # a session reopening: the release must wait for it

    async def talk(self, pressed: bool) -> None:
        self.calls.append(("talk", pressed))


async def test_the_talk_driver_keeps_press_and_release_in_order() -> None:
    ctl = _Ctl()
    tasks: list[asyncio.Task[None]] = []
    ptt = {"on": False}

    def submit(_what: str, command: Any) -> None:
        tasks.append(asyncio.ensure_future(command(ctl)))

    driver = TalkDriver(submit, lambda: ptt["on"])
    driver.press()
    driver.press()  # auto-repeat
    driver.release()
    driver.release()
    await asyncio.gather(*tasks)
    assert ctl.calls == [("ptt", True), ("talk", True), ("talk", False)]
    ptt["on"] = True
    driver.press()
    driver.release()
    await asyncio.gather(*tasks)
    assert ctl.calls[3:] == [("talk", True), ("talk", False)]
