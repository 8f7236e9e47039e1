"""What the share picker offers: each monitor with a thumbnail, the windows, and a frozen picture of the
whole desktop to draw a region on. One blocking call (:func:`screen_choices`): run it in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from desktop_app.core.errors import MediaError
from desktop_app.video.probes import MonitorInfo
from desktop_app.video.spec import Region
from desktop_app.video.x11_windows import WindowInfo, list_windows, wayland_note

__all__ = ["ScreenChoices", "screen_choices", "shrink"]

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class ScreenChoices:
    """``thumbnails[i]`` is ``monitors[i]`` (BGR, long side at most the asked size); ``desktop`` is the
    whole virtual desktop at full size (BGR) and ``desktop_region`` where it lies, for a region's
    coordinates; ``note`` is a caveat to show (Wayland), or empty."""

    monitors: tuple[MonitorInfo, ...]
    thumbnails: tuple[Image, ...]
    windows: tuple[WindowInfo, ...]
    desktop: Image
    desktop_region: Region
    note: str = ""


def shrink(image: Image, long_side: int) -> Image:
    """``image`` scaled down so its long side is at most ``long_side`` (a copy either way)."""
    h, w = image.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1:
        return image.copy()
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _bgr(shot: Any) -> Image:
    return np.asarray(cv2.cvtColor(np.asarray(shot, dtype=np.uint8), cv2.COLOR_BGRA2BGR), dtype=np.uint8)


def screen_choices(display: str | None = None, thumb_side: int = 320) -> ScreenChoices:
    """Grab the desktop once and list the monitors and windows. MediaError when the screen cannot be
    captured at all (no display)."""
    import mss

    try:
        factory = getattr(mss, "MSS", None) or mss.mss
        with factory(display=display) if display else factory() as sct:
            boxes: list[dict[str, int]] = list(sct.monitors)
            desktop = _bgr(sct.grab(boxes[0]))
    except mss.ScreenShotError as err:
        raise MediaError(f"The screens cannot be captured ({err}).") from err
    desk = boxes[0]
    monitors, thumbnails = [], []
    for number, m in enumerate(boxes[1:], start=1):
        monitors.append(MonitorInfo(number, m["width"], m["height"], m["left"], m["top"]))
        x, y = m["left"] - desk["left"], m["top"] - desk["top"]
        thumbnails.append(shrink(desktop[y : y + m["height"], x : x + m["width"]], thumb_side))
    return ScreenChoices(
        tuple(monitors),
        tuple(thumbnails),
        tuple(list_windows(display)),
        desktop,
        Region(desk["left"], desk["top"], desk["width"], desk["height"]),
        wayland_note(),
    )
