"""Fixed share-picker choices for the window tests: two monitors side by side, one window, and a frozen
desktop whose left half is red and right half blue (so a region's pixels can be told apart)."""

from __future__ import annotations

import numpy as np

from desktop_app.controller_api import MonitorInfo, ScreenChoices
from desktop_app.video.spec import Region
from desktop_app.video.x11_windows import WindowInfo

EDITOR = WindowInfo(0x4200007, "Editor: notes.txt", Region(100, 80, 640, 480))


def fake_choices() -> ScreenChoices:
    desktop = np.zeros((720, 2560, 3), dtype=np.uint8)
    desktop[:, :1280] = (0, 0, 255)
    desktop[:, 1280:] = (255, 0, 0)
    return ScreenChoices(
        monitors=(MonitorInfo(1, 1280, 720, 0, 0), MonitorInfo(2, 1280, 720, 1280, 0)),
        thumbnails=(desktop[:, :1280:8][::8].copy(), desktop[:, 1280::8][::8].copy()),
        windows=(EDITOR,),
        desktop=desktop,
        desktop_region=Region(0, 0, 2560, 720),
    )
