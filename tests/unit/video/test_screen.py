"""Screen capture with mss against a real X server (Xvfb), with known content drawn by a real X client."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from desktop_app.core.errors import MediaError
from desktop_app.core.events import Event
from desktop_app.video import FrameSent, PacingConfig, ScreenSpec, VisionPump, open_screen_source
from desktop_app.video.screen import ScreenGrabber
from desktop_app.video.spec import Region

pytestmark = pytest.mark.xvfb

RED_BOX = Region(100, 50, 300, 200)  # where the test's window sits on the 1280×720 screen


class XWindow:
    """A plain X11 window with a solid background, drawn through libX11 (the screen's known content)."""

    def __init__(self, display: str, box: Region, rgb: int) -> None:
        path = ctypes.util.find_library("X11")
        if path is None:
            raise RuntimeError("libX11 is missing (Debian package libx11-6)")
        x = ctypes.CDLL(path)
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XCreateSimpleWindow.restype = ctypes.c_ulong
        c_int, c_uint, c_ulong = ctypes.c_int, ctypes.c_uint, ctypes.c_ulong
        x.XCreateSimpleWindow.argtypes = [
            *(ctypes.c_void_p, c_ulong, c_int, c_int, c_uint, c_uint, c_uint, c_ulong, c_ulong)
        ]
        x.XMapWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self._x = x
        self._dpy = x.XOpenDisplay(display.encode())
        if not self._dpy:
            raise RuntimeError(f"cannot open X display {display}")
        root = x.XDefaultRootWindow(self._dpy)
        win = x.XCreateSimpleWindow(self._dpy, root, box.left, box.top, box.width, box.height, 0, 0, rgb)
        self.id = int(win)  # the X11 window id (the window-sharing tests name and move it)
        x.XMapWindow(self._dpy, win)
        x.XSync(self._dpy, 0)  # mapped and painted by the server when this returns

    def close(self) -> None:
        self._x.XCloseDisplay(self._dpy)


@pytest.fixture(scope="module")
def screen(xvfb_display: str) -> Iterator[str]:
    window = XWindow(xvfb_display, RED_BOX, 0xFF0000)
    yield xvfb_display
    window.close()


def grab_once(spec: ScreenSpec, display: str) -> np.ndarray:
    grabber = ScreenGrabber(spec, display=display)
    try:
        info = grabber.open()
        image = grabber.grab()
        assert image.shape == (info.height, info.width, 3)
        return image
    finally:
        grabber.close()


def test_monitor_one_shows_the_window(screen: str) -> None:
    image = grab_once(ScreenSpec(1), screen)
    assert image.shape == (720, 1280, 3)
    assert tuple(image[RED_BOX.top + 10, RED_BOX.left + 10]) == (0, 0, 255)  # BGR red
    assert tuple(image[RED_BOX.bottom + 10, RED_BOX.right + 10]) == (0, 0, 0)  # the black root


def test_region(screen: str) -> None:
    image = grab_once(ScreenSpec(region=Region(50, 20, 200, 100)), screen)
    assert image.shape == (100, 200, 3)
    assert tuple(image[0, 0]) == (0, 0, 0)
    assert tuple(image[99, 199]) == (0, 0, 255)  # (249, 119) on screen is inside the window


def test_whole_desktop_only_when_allowed(screen: str) -> None:
    image = grab_once(ScreenSpec(0, allow_all_monitors=True), screen)
    assert image.shape == (720, 1280, 3)


def test_missing_monitor_names_what_exists(screen: str) -> None:
    grabber = ScreenGrabber(ScreenSpec(3), display=screen)
    with pytest.raises(MediaError, match=r"Monitor 3 does not exist.*1 monitor\(s\) \(1: 1280×720\)"):
        grabber.open()
    grabber.close()


def test_region_outside_the_desktop(screen: str) -> None:
    grabber = ScreenGrabber(ScreenSpec(region=Region(1200, 700, 200, 100)), display=screen)
    with pytest.raises(MediaError, match="outside the desktop"):
        grabber.open()
    grabber.close()


def test_no_display_is_a_clear_error() -> None:
    grabber = ScreenGrabber(ScreenSpec(1), display=":4999")
    with pytest.raises(MediaError, match="screen cannot be captured"):
        grabber.open()
    grabber.close()


async def test_screen_through_the_pump(screen: str) -> None:
    sent: list[FrameSent] = []
    got = asyncio.Event()

    def on_event(event: Event) -> None:
        if isinstance(event, FrameSent):
            sent.append(event)
            got.set()

    async def send(jpeg: bytes) -> None:
        pass

    pump = VisionPump(
        open_screen_source(1, fps=10, display=screen),
        send,
        pacing=PacingConfig(fps=2.0),
        on_event=on_event,
    )
    task = asyncio.create_task(pump.run())
    await asyncio.wait_for(got.wait(), 10)
    await pump.stop()
    await task
    frame = sent[0]
    assert (frame.width, frame.height, frame.source_width, frame.source_height) == (1024, 576, 1280, 720)
    decoded = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None
    image = decoded.astype(int)
    scale = 1024 / 1280
    cx, cy = int((RED_BOX.left + RED_BOX.width / 2) * scale), int((RED_BOX.top + RED_BOX.height / 2) * scale)
    assert np.abs(image[cy, cx] - (0, 0, 255)).max() < 12
