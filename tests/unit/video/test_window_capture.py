"""Sharing one window (issue 18): it is listed by its title, captured where it is, followed when it
moves, and its share ends when it is closed. A real X client's window on Xvfb, moved with xdotool."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import numpy as np
import pytest

from desktop_app.core.errors import MediaError
from desktop_app.video.screen import WindowGrabber
from desktop_app.video.screen_choices import screen_choices
from desktop_app.video.source import open_screen_source
from desktop_app.video.spec import Region
from desktop_app.video.x11_windows import (
    WAYLAND_NOTE,
    list_windows,
    parse_window_spec,
    wayland_note,
    window_region,
)
from tests.unit.video.test_screen import XWindow

pytestmark = pytest.mark.xvfb

BOX = Region(700, 300, 320, 200)  # away from the screen tests' red window


@pytest.fixture
def notes(xvfb_display: str) -> Iterator[tuple[str, XWindow]]:
    if shutil.which("xprop") is None or shutil.which("xdotool") is None:
        pytest.fail("these tests need xprop and xdotool (Debian: x11-utils, xdotool)")
    window = XWindow(xvfb_display, BOX, 0x00FF00)
    env = {"DISPLAY": xvfb_display}
    subprocess.run(["xprop", "-id", hex(window.id), "-set", "WM_NAME", "Notes"], env=env, check=True)
    yield xvfb_display, window
    window.close()


def move(display: str, window: int, left: int, top: int) -> None:
    subprocess.run(
        ["xdotool", "windowmove", "--sync", str(window), str(left), str(top)],
        env={"DISPLAY": display},
        check=True,
        timeout=10,
    )


def test_the_window_is_listed_with_its_title_and_place(notes: tuple[str, XWindow]) -> None:
    display, window = notes
    found = [w for w in list_windows(display) if w.id == window.id]
    assert len(found) == 1 and found[0].title == "Notes" and found[0].region == BOX
    assert parse_window_spec(found[0].spec) == (window.id, "Notes")
    pid = ["xprop", "-id", hex(window.id), "-f", "_NET_WM_PID", "32c", "-set", "_NET_WM_PID", "4242"]
    subprocess.run(pid, env={"DISPLAY": display}, check=True)
    assert window.id not in {w.id for w in list_windows(display, own_pid=4242)}  # our own windows: left out
    assert window.id in {w.id for w in list_windows(display, own_pid=1)}


def test_the_share_follows_the_window_and_ends_when_it_is_hidden(notes: tuple[str, XWindow]) -> None:
    display, window = notes
    clock = [0.0]
    grabber = WindowGrabber(
        "Notes", lambda: window_region(window.id, display), display=display, now=lambda: clock[0]
    )
    try:
        info = grabber.open()
        assert (info.width, info.height) == (BOX.width, BOX.height)
        image = grabber.grab()
        assert image.shape == (200, 320, 3) and np.all(image[::20, ::20] == (0, 255, 0))  # all green
        move(display, window.id, 1000, 600)  # partly off the 1280×720 screen
        assert grabber.grab().shape == (200, 320, 3)  # not asked again within the follow interval
        clock[0] += 1.5
        moved = grabber.grab()
        assert moved.shape == (120, 280, 3)  # followed, and cut to the screen
        assert np.all(moved[::20, ::20] == (0, 255, 0))
        subprocess.run(
            ["xdotool", "windowunmap", "--sync", str(window.id)], env={"DISPLAY": display}, check=True
        )
        clock[0] += 1.5
        with pytest.raises(MediaError, match="'Notes' was closed, hidden or moved off the screen"):
            grabber.grab()
    finally:
        grabber.close()


def test_a_window_spec_opens_a_followed_window_source() -> None:
    source = open_screen_source("window:0x4200007:Editor: notes.txt")
    assert source.label == "window Editor: notes.txt"
    assert parse_window_spec("window:0x4200007") == (0x4200007, "")
    assert parse_window_spec("1") is None and parse_window_spec("window:zz") is None


def test_the_wayland_caveat_is_said_only_on_wayland() -> None:
    assert wayland_note({"XDG_SESSION_TYPE": "wayland"}) == WAYLAND_NOTE
    assert wayland_note({"WAYLAND_DISPLAY": "wayland-0"}) == WAYLAND_NOTE
    assert wayland_note({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}) == ""


def test_the_picker_choices_come_from_one_grab(notes: tuple[str, XWindow]) -> None:
    display, _window = notes
    choices = screen_choices(display, thumb_side=160)
    assert [m.label for m in choices.monitors] == ["Screen 1 (1280×720)"]
    assert choices.thumbnails[0].shape == (90, 160, 3)  # a thumbnail, not the screen
    assert choices.desktop.shape == (720, 1280, 3) and choices.desktop_region == Region(0, 0, 1280, 720)
    assert tuple(choices.desktop[BOX.top + 5, BOX.left + 5]) == (0, 255, 0)  # the frozen picture
    assert "Notes" in [w.title for w in choices.windows]


def test_no_display_is_said_in_a_sentence() -> None:
    with pytest.raises(MediaError, match="The screens cannot be captured"):
        screen_choices(":4999")
