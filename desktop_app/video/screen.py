"""Screen grabbers: one monitor, one region or one window of the X/Windows/macOS desktop, through ``mss``.

Monitors are numbered as ``mss`` numbers them: 1 is the first monitor; 0 is every monitor at once and is
used only when the :class:`~desktop_app.video.spec.ScreenSpec` explicitly allows it. A region is a crop of
the virtual desktop and must lie inside it. A window (:class:`WindowGrabber`) is its geometry, followed:
asked again about once a second, so a moved or resized window stays in the picture, and one that is closed
or hidden ends the share. The ``mss`` handle is created, used and closed on the capture thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

import cv2
import mss
import numpy as np
import numpy.typing as npt

from desktop_app.core.errors import ConfigError, MediaError
from desktop_app.video.capture import GrabberInfo
from desktop_app.video.spec import Region, ScreenSpec

__all__ = ["FOLLOW_INTERVAL_S", "ScreenGrabber", "WindowGrabber"]

FOLLOW_INTERVAL_S = 1.0
"""How often a shared window's place is asked again (one ``xwininfo`` run, a few milliseconds)."""


def _new_mss(display: str | None) -> Any:
    factory = getattr(mss, "MSS", None) or mss.mss  # mss >= 10.2 has MSS; 9.x only the mss() factory
    return factory(display=display) if display else factory()


class ScreenGrabber:
    """Captures ``spec`` at ``fps`` frames per second. See :class:`~desktop_app.video.capture.FrameGrabber`.

    ``display`` overrides ``$DISPLAY`` on X11 (e.g. ``":93"``).
    """

    def __init__(self, spec: ScreenSpec, *, fps: float = 5.0, display: str | None = None) -> None:
        if not 0.1 <= fps <= 60.0:
            raise ConfigError(f"The screen capture rate must be 0.1–60 frames per second, got {fps}.")
        self._spec = spec
        self._fps = fps
        self._display = display
        self._sct: Any = None
        self._box: dict[str, int] | None = None

    @property
    def label(self) -> str:
        return self._spec.label

    def open(self) -> GrabberInfo:
        self.close()
        try:
            self._sct = _new_mss(self._display)
            monitors: list[dict[str, int]] = list(self._sct.monitors)
        except mss.ScreenShotError as exc:
            raise MediaError(f"The screen cannot be captured ({exc}). Vision is off; audio goes on.") from exc
        self._box = self._choose_box(monitors)
        return GrabberInfo(width=self._box["width"], height=self._box["height"], pace_fps=self._fps)

    def grab(self) -> npt.NDArray[np.uint8]:
        if self._sct is None or self._box is None:
            raise MediaError("The screen capture is not open.")
        return _shot_bgr(self._sct, self._box, "Screen")

    def rewind(self) -> None:
        """A screen has no beginning: nothing to do."""

    def close(self) -> None:
        if self._sct is not None:
            self._sct.close()
            self._sct = None

    def _choose_box(self, monitors: list[dict[str, int]]) -> dict[str, int]:
        spec = self._spec
        if spec.region is not None:
            desk, r = monitors[0], spec.region
            inside = (
                r.left >= desk["left"]
                and r.top >= desk["top"]
                and r.right <= desk["left"] + desk["width"]
                and r.bottom <= desk["top"] + desk["height"]
            )
            if not inside:
                raise MediaError(
                    f"The {spec.label} lies outside the desktop "
                    f"({desk['width']}×{desk['height']}+{desk['left']}+{desk['top']})."
                )
            return {"left": r.left, "top": r.top, "width": r.width, "height": r.height}
        if spec.monitor >= len(monitors):
            have = ", ".join(f"{i}: {m['width']}×{m['height']}" for i, m in enumerate(monitors) if i > 0)
            raise MediaError(
                f"Monitor {spec.monitor} does not exist; this display has {len(monitors) - 1} "
                f"monitor(s) ({have or 'none'})."
            )
        m = monitors[spec.monitor]
        return {"left": m["left"], "top": m["top"], "width": m["width"], "height": m["height"]}


class WindowGrabber:
    """Captures one window at ``fps``, following it. See :class:`~desktop_app.video.capture.FrameGrabber`.

    ``locate`` says where the window is now (None: closed or hidden); it runs on the capture thread at
    most every ``follow_s`` seconds (:func:`~desktop_app.video.x11_windows.window_region` in the app).
    The part of the window outside the desktop is cut off.
    """

    def __init__(
        self,
        title: str,
        locate: Callable[[], Region | None],
        *,
        fps: float = 5.0,
        display: str | None = None,
        follow_s: float = FOLLOW_INTERVAL_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0.1 <= fps <= 60.0:
            raise ConfigError(f"The screen capture rate must be 0.1–60 frames per second, got {fps}.")
        self._title = title or "a window"
        self._locate = locate
        self._fps = fps
        self._display = display
        self._follow_s = follow_s
        self._now = now
        self._sct: Any = None
        self._desk: dict[str, int] = {}
        self._box: dict[str, int] | None = None
        self._located_at = 0.0

    @property
    def label(self) -> str:
        return f"window {self._title}"

    def open(self) -> GrabberInfo:
        self.close()
        try:
            self._sct = _new_mss(self._display)
            self._desk = dict(self._sct.monitors[0])
        except mss.ScreenShotError as exc:
            raise MediaError(f"The screen cannot be captured ({exc}). Vision is off; audio goes on.") from exc
        self._follow(force=True)
        assert self._box is not None
        return GrabberInfo(width=self._box["width"], height=self._box["height"], pace_fps=self._fps)

    def grab(self) -> npt.NDArray[np.uint8]:
        if self._sct is None:
            raise MediaError("The window capture is not open.")
        self._follow()
        assert self._box is not None
        return _shot_bgr(self._sct, self._box, "Window")

    def rewind(self) -> None:
        """A window has no beginning: nothing to do."""

    def close(self) -> None:
        if self._sct is not None:
            self._sct.close()
            self._sct = None

    def _follow(self, *, force: bool = False) -> None:
        """Ask where the window is, at most every ``follow_s``; MediaError when it is gone."""
        now = self._now()
        if not force and now - self._located_at < self._follow_s:
            return
        self._located_at = now
        region = self._locate()
        box = _clip(region, self._desk) if region is not None else None
        if box is None:
            raise MediaError(f"The window {self._title!r} was closed, hidden or moved off the screen.")
        self._box = box


def _clip(region: Region, desk: dict[str, int]) -> dict[str, int] | None:
    """``region`` cut to the desktop, as an ``mss`` box; None when nothing of it is on the desktop."""
    left, top = max(region.left, desk["left"]), max(region.top, desk["top"])
    right = min(region.right, desk["left"] + desk["width"])
    bottom = min(region.bottom, desk["top"] + desk["height"])
    if right - left < 2 or bottom - top < 2:
        return None
    return {"left": left, "top": top, "width": right - left, "height": bottom - top}


def _shot_bgr(sct: Any, box: dict[str, int], what: str) -> npt.NDArray[np.uint8]:
    """One BGR picture of ``box``; MediaError (saying ``what`` capture stopped) when mss fails."""
    try:
        shot = sct.grab(box)
    except mss.ScreenShotError as exc:
        raise MediaError(f"{what} capture stopped ({exc}). Vision is off; audio goes on.") from exc
    bgra = np.asarray(shot, dtype=np.uint8)
    return cast(npt.NDArray[np.uint8], cv2.cvtColor(bgra, cv2.COLOR_BGRA2BGR))
