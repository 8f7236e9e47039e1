"""Frame → JPEG for the model: privacy masks, then a downscale to the long-side limit, then OpenCV's JPEG.

:class:`FrameEncoder` is plain synchronous CPU work (OpenCV releases the GIL while it resizes and encodes).
The pump runs it on its own worker thread, never on the loop thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from desktop_app.core.errors import ConfigError, MediaError
from desktop_app.core.masks import MaskRect
from desktop_app.video.masking import MaskStyle, apply_masks
from desktop_app.video.spec import Region

__all__ = ["EncodedFrame", "EncoderConfig", "FrameEncoder", "scaled_size"]


@dataclass(frozen=True, slots=True)
class EncoderConfig:
    """How frames are prepared for the model.

    ``max_long_side``: the longest edge after downscaling (frames are never upscaled). ``jpeg_quality``:
    OpenCV's 0–100 JPEG quality. ``masks``: privacy masks in fractions of the frame, masked with
    ``mask_style`` before anything else happens to the frame (so they fit any resolution).
    """

    max_long_side: int = 1024
    jpeg_quality: int = 75
    masks: tuple[MaskRect, ...] = ()
    mask_style: MaskStyle = MaskStyle.PIXELATE

    def __post_init__(self) -> None:
        if not 16 <= self.max_long_side <= 8192:
            raise ConfigError(f"The frame size limit must be 16–8192 px, got {self.max_long_side}.")
        if not 1 <= self.jpeg_quality <= 100:
            raise ConfigError(f"JPEG quality must be 1–100, got {self.jpeg_quality}.")

    def with_masks(self, masks: Sequence[MaskRect]) -> EncoderConfig:
        """This config with ``masks`` instead of its own."""
        return EncoderConfig(self.max_long_side, self.jpeg_quality, tuple(masks), self.mask_style)


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    jpeg: bytes
    width: int
    height: int


def scaled_size(width: int, height: int, max_long_side: int) -> tuple[int, int]:
    """The size a ``width``×``height`` frame is sent at: long side at most ``max_long_side``, aspect kept."""
    long_side = max(width, height)
    if long_side <= max_long_side:
        return width, height
    scale = max_long_side / long_side
    return max(1, round(width * scale)), max(1, round(height * scale))


class FrameEncoder:
    """Masks, downscales and JPEG-encodes frames with one fixed :class:`EncoderConfig`. Thread-safe."""

    def __init__(self, config: EncoderConfig | None = None) -> None:
        self._config = config or EncoderConfig()
        self._params = [int(cv2.IMWRITE_JPEG_QUALITY), self._config.jpeg_quality]

    @property
    def config(self) -> EncoderConfig:
        return self._config

    def encode(self, image: npt.NDArray[np.uint8]) -> EncodedFrame:
        """Encode one BGR (H×W×3) or grey (H×W) ``uint8`` frame; ``image`` is not modified.

        Raises :class:`MediaError` if OpenCV cannot encode it.
        """
        cfg = self._config
        height, width = image.shape[:2]
        boxes = [Region(*mask.pixel_box(width, height)) for mask in cfg.masks]
        masked = apply_masks(image, boxes, cfg.mask_style)
        new_w, new_h = scaled_size(width, height, cfg.max_long_side)
        if (new_w, new_h) != (width, height):
            # INTER_AREA avoids aliasing on strong reductions; bilinear is twice as fast and as good near 1:1.
            shrink = new_w / width
            interp = cv2.INTER_AREA if shrink < 0.5 else cv2.INTER_LINEAR
            masked = cast(npt.NDArray[np.uint8], cv2.resize(masked, (new_w, new_h), interpolation=interp))
        ok, buf = cv2.imencode(".jpg", masked, self._params)
        if not ok:
            raise MediaError(f"Could not encode a {width}×{height} frame as JPEG.")
        return EncodedFrame(jpeg=buf.tobytes(), width=new_w, height=new_h)
