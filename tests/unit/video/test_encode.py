from __future__ import annotations

from typing import cast

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.video.encode import EncoderConfig, FrameEncoder, scaled_size
from desktop_app.video.synthetic import pattern_colour, pattern_frame, pattern_index


def decode(jpeg: bytes) -> npt.NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a decodable JPEG"
    return cast(npt.NDArray[np.uint8], image)


@pytest.mark.parametrize(
    ("size", "limit", "expected"),
    [
        ((1280, 720), 1024, (1024, 576)),
        ((720, 1280), 1024, (576, 1024)),
        ((1920, 1080), 768, (768, 432)),
        ((640, 480), 1024, (640, 480)),  # never upscaled
        ((1024, 1024), 1024, (1024, 1024)),
    ],
)
def test_scaled_size(size: tuple[int, int], limit: int, expected: tuple[int, int]) -> None:
    assert scaled_size(*size, limit) == expected


def test_720p_frame_becomes_a_1024px_jpeg_of_the_same_picture() -> None:
    frame = pattern_frame(1234)
    before = frame.copy()
    out = FrameEncoder().encode(frame)
    assert out.jpeg[:3] == b"\xff\xd8\xff"  # JPEG SOI marker
    image = decode(out.jpeg)
    assert image.shape == (576, 1024, 3) == (out.height, out.width, 3)
    assert pattern_index(image) == 1234
    centre = image[300:320, 900:920].reshape(-1, 3).mean(axis=0)
    assert np.allclose(centre, pattern_colour(1234), atol=12)
    assert np.array_equal(frame, before), "the encoder must not write into the captured frame"


def test_read_only_frames_are_accepted() -> None:
    frame = pattern_frame(3)
    frame.flags.writeable = False
    assert decode(FrameEncoder().encode(frame).jpeg).shape == (576, 1024, 3)


def test_size_limit_and_quality_are_configurable() -> None:
    rng = np.random.default_rng(7)
    frame = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    small = FrameEncoder(EncoderConfig(max_long_side=512)).encode(frame)
    assert (small.width, small.height) == (512, 288)
    low = FrameEncoder(EncoderConfig(jpeg_quality=30)).encode(frame)
    high = FrameEncoder(EncoderConfig(jpeg_quality=95)).encode(frame)
    assert len(low.jpeg) < len(high.jpeg)


def test_grey_frames_are_encoded() -> None:
    grey = np.full((300, 400), 77, np.uint8)
    out = FrameEncoder().encode(grey)
    assert (out.width, out.height) == (400, 300)


@pytest.mark.parametrize(("limit", "quality"), [(8, 75), (1024, 0), (1024, 101)])
def test_bad_encoder_settings(limit: int, quality: int) -> None:
    with pytest.raises(ConfigError):
        EncoderConfig(max_long_side=limit, jpeg_quality=quality)
