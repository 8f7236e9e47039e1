"""Privacy masks: what is inside a mask never reaches the encoder; what is outside is untouched."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from desktop_app.core.masks import MaskRect
from desktop_app.video.encode import EncoderConfig, FrameEncoder
from desktop_app.video.masking import MaskStyle, apply_masks
from desktop_app.video.spec import Region


def detailed_frame() -> npt.NDArray[np.uint8]:
    """High-contrast random 4-px tiles everywhere: any leak of detail through a mask is measurable."""
    rng = np.random.default_rng(42)
    tiles = rng.integers(0, 2, (180, 320, 3), dtype=np.uint8) * 255
    return np.ascontiguousarray(tiles.repeat(4, axis=0).repeat(4, axis=1))


def decode(jpeg: bytes) -> npt.NDArray[np.int16]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image.astype(np.int16)


def high_frequency_energy(image: npt.NDArray[np.int16]) -> float:
    return float(np.abs(cv2.Laplacian(image.astype(np.float32), cv2.CV_32F)).mean())


BOX = Region(400, 200, 320, 240)  # in the 1280×720 source frame
MASK = MaskRect(400 / 1280, 200 / 720, 320 / 1280, 240 / 720)  # the same box as fractions of the frame


@pytest.mark.parametrize("style", list(MaskStyle))
def test_encoded_pixels_change_inside_the_box_and_nowhere_else(style: MaskStyle) -> None:
    frame = detailed_frame()
    plain = decode(FrameEncoder().encode(frame).jpeg)
    masked = decode(FrameEncoder(EncoderConfig(masks=(MASK,), mask_style=style)).encode(frame).jpeg)
    assert plain.shape == masked.shape == (576, 1024, 3)

    scale = 1024 / 1280
    x0, y0 = int(BOX.left * scale), int(BOX.top * scale)
    x1, y1 = int(BOX.right * scale), int(BOX.bottom * scale)
    inside_plain, inside_masked = plain[y0:y1, x0:x1], masked[y0:y1, x0:x1]
    assert np.abs(inside_plain - inside_masked).mean() > 20, "the box content must change"
    # The detail is gone: masked content has a small fraction of the original's fine structure.
    assert high_frequency_energy(inside_masked) < 0.1 * high_frequency_energy(inside_plain)

    # Outside the box, beyond the JPEG block (16 px MCU) and resampling reach, the bytes decode the same.
    margin = 18
    outside = np.ones(plain.shape[:2], bool)
    outside[max(0, y0 - margin) : y1 + margin, max(0, x0 - margin) : x1 + margin] = False
    assert np.array_equal(plain[outside], masked[outside])


def test_boxes_are_clipped_and_boxes_off_frame_do_nothing() -> None:
    frame = detailed_frame()
    assert apply_masks(frame, [Region(2000, 2000, 50, 50)]) is frame
    edge = apply_masks(frame, [Region(-100, -100, 200, 150)], MaskStyle.FILL)
    assert np.all(edge[:50, :100] == 128)
    assert np.array_equal(edge[50:], frame[50:]) and np.array_equal(edge[:, 100:], frame[:, 100:])


def test_masking_copies_and_never_writes_the_captured_frame() -> None:
    frame = detailed_frame()
    frame.flags.writeable = False
    out = apply_masks(frame, [BOX])
    assert out is not frame and out.flags.writeable
    assert not np.array_equal(out[BOX.top : BOX.bottom, BOX.left : BOX.right], frame[200:440, 400:720])


def test_several_boxes() -> None:
    frame = detailed_frame()
    boxes = [Region(0, 0, 100, 100), Region(1000, 500, 200, 100)]
    out = apply_masks(frame, boxes, MaskStyle.FILL)
    assert np.all(out[:100, :100] == 128) and np.all(out[500:600, 1000:1200] == 128)
    untouched = np.ones(frame.shape[:2], bool)
    untouched[:100, :100] = untouched[500:600, 1000:1200] = False
    assert np.array_equal(out[untouched], frame[untouched])
