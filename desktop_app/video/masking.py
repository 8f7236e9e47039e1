"""Privacy masks: blank out rectangles of a frame before it is encoded, so they never leave the machine.

Boxes are in the captured frame's pixel coordinates (what the preview shows), applied before any resize.
Parts of a box outside the frame are ignored. Every style destroys the detail irreversibly:

- ``PIXELATE`` (default): the box is averaged into a coarse grid of at most 8 cells along its long side
  (cells at least 16 px), so shapes and text are gone but the scene still reads.
- ``BLUR``: a very wide box blur (kernel a third of the box's long side, applied three times).
- ``FILL``: a flat grey rectangle.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from desktop_app.video.spec import Region

__all__ = ["MaskStyle", "apply_masks"]

_GRID_CELLS = 8
_MIN_CELL_PX = 16
_FILL_BGR = (128, 128, 128)

Image = npt.NDArray[np.uint8]


class MaskStyle(enum.StrEnum):
    PIXELATE = "pixelate"
    BLUR = "blur"
    FILL = "fill"


def apply_masks(
    image: npt.NDArray[np.uint8],
    boxes: Sequence[Region],
    style: MaskStyle = MaskStyle.PIXELATE,
) -> npt.NDArray[np.uint8]:
    """Return a copy of ``image`` (H×W×C) with every box masked; ``image`` itself is never written.

    With no box that touches the frame, ``image`` is returned as it is (no copy).
    """
    height, width = image.shape[:2]
    clipped = [c for c in (_clip(b, width, height) for b in boxes) if c is not None]
    if not clipped:
        return image
    out = image.copy()
    for x0, y0, x1, y1 in clipped:
        roi = out[y0:y1, x0:x1]
        if style is MaskStyle.FILL:
            roi[...] = _FILL_BGR[: roi.shape[2]] if roi.ndim == 3 else _FILL_BGR[0]
        elif style is MaskStyle.BLUR:
            k = max(3, max(x1 - x0, y1 - y0) // 3) | 1
            blurred = roi
            for _ in range(3):
                blurred = cast(Image, cv2.blur(blurred, (k, k), borderType=cv2.BORDER_REPLICATE))
            roi[...] = blurred
        else:
            roi[...] = _pixelate(roi)
    return out


def _pixelate(roi: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    h, w = roi.shape[:2]
    cell = max(_MIN_CELL_PX, -(-max(w, h) // _GRID_CELLS))
    small = cv2.resize(roi, (max(1, -(-w // cell)), max(1, -(-h // cell))), interpolation=cv2.INTER_AREA)
    return cast(Image, cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST))


def _clip(box: Region, width: int, height: int) -> tuple[int, int, int, int] | None:
    x0, y0 = max(0, box.left), max(0, box.top)
    x1, y1 = min(width, box.right), min(height, box.bottom)
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, y0, x1, y1
