"""Blocking camera and screen look-ups for the settings dialog and the screen-share menu.

Every function may block (OpenCV, X11), so callers run them in a worker thread (the window does so through
``CommandRunner.run_blocking``), never on a UI thread. Failures raise
:class:`~desktop_app.core.errors.MediaError` with a sentence for people.

- :func:`camera_choices` the cameras worth offering; :func:`camera_snapshot` grabs one picture;
- :func:`monitors` the screens ``mss`` can capture, as :class:`MonitorInfo`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from desktop_app.core.errors import AppError, MediaError

__all__ = ["MonitorInfo", "camera_choices", "camera_snapshot", "monitors"]


@dataclass(frozen=True, slots=True)
class MonitorInfo:
    """A monitor as ``mss`` numbers it (1 is the first): pass ``str(number)`` to ``set_screen``."""

    number: int
    width: int
    height: int
    left: int
    top: int

    @property
    def label(self) -> str:
        return f"Screen {self.number} ({self.width}×{self.height})"


def camera_choices() -> list[str]:
    """Camera numbers worth offering: the ``/dev/videoN`` nodes on Linux, else just ``"0"``."""
    if sys.platform.startswith("linux"):
        numbers = sorted(int(p.name[5:]) for p in Path("/dev").glob("video*") if p.name[5:].isdigit())
        return [str(n) for n in numbers]
    return ["0"]


def monitors(display: str | None = None) -> list[MonitorInfo]:
    """Every monitor of the desktop (not the combined virtual screen)."""
    import mss

    try:
        factory = getattr(mss, "MSS", None) or mss.mss
        grabber = factory(display=display) if display else factory()
        with grabber as sct:
            found: list[dict[str, int]] = list(sct.monitors)
    except mss.ScreenShotError as err:
        raise MediaError(f"The screens cannot be listed ({err}).") from err
    return [
        MonitorInfo(i, m["width"], m["height"], m["left"], m["top"]) for i, m in enumerate(found) if i > 0
    ]


def camera_snapshot(spec: str) -> npt.NDArray[np.uint8]:
    """One BGR picture from a camera number, video file or stream URL."""
    from desktop_app.video.camera import OpenCvGrabber
    from desktop_app.video.spec import parse_video_spec

    try:
        grabber = OpenCvGrabber(parse_video_spec(spec))
        grabber.open()
    except AppError as err:
        raise MediaError(str(err)) from err
    try:
        return grabber.grab()
    except AppError as err:
        raise MediaError(str(err)) from err
    except Exception as err:  # EndOfStream on an empty file, and the like
        raise MediaError(f"No picture came from {spec!r}.") from err
    finally:
        grabber.close()
