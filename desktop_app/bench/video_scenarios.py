"""Vision benchmarks: frame encoding cost, and the vision pump's effect on the loop that carries audio.

For ``paced_send_lateness_ms`` (live_scenarios: paced audio sends with video on vs off, in one run) use
:func:`vision_load`: it runs a :class:`~desktop_app.video.pump.VisionPump` on a synthetic 1280×720 camera
into any ``send(jpeg)`` (e.g. ``lambda jpeg: session.send(UserImage(jpeg))`` for a session opened on the
emulator) beside the caller's own audio loop::

    async with vision_load(lambda jpeg: session.send(UserImage(jpeg)), fps=2.0) as pump:
        ...time the audio sends...
    # pump.state().frames_sent tells how many frames went out meanwhile
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import cv2
import numpy as np
import numpy.typing as npt

from desktop_app.core.masks import MaskRect
from desktop_app.core.stats import percentile
from desktop_app.video.encode import EncoderConfig, FrameEncoder
from desktop_app.video.pacing import PacingConfig
from desktop_app.video.pump import FrameSender, VisionPump
from desktop_app.video.source import synthetic_source
from desktop_app.video.synthetic import pattern_frame

__all__ = ["camera_like_frame", "vision_load"]

Metric = tuple[str, float, str]


def camera_like_frame(width: int = 1280, height: int = 720, seed: int = 1) -> npt.NDArray[np.uint8]:
    """A frame with what a webcam picture has for a JPEG encoder: gradients, edges, texture, sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frame = np.stack(
        [
            96 + 80 * np.sin(x / 97.0) * np.cos(y / 61.0),
            128 + 60 * np.cos((x + y) / 143.0),
            110 + 70 * np.sin(y / 53.0),
        ],
        axis=-1,
    )
    frame += cv2.resize(rng.normal(0, 25, (height // 8, width // 8, 3)).astype(np.float32), (width, height))
    frame += rng.normal(0, 5, frame.shape).astype(np.float32)  # sensor noise
    out: npt.NDArray[np.uint8] = np.clip(frame, 0, 255).astype(np.uint8)
    overlay = pattern_frame(7, width, height)  # hard edges: the code band and a white square
    out[: height // 12] = overlay[: height // 12]
    cv2.circle(out, (width // 2, height // 2), height // 4, (30, 30, 30), 6)
    return out


def _time_encodes(encoder: FrameEncoder, frame: npt.NDArray[np.uint8], runs: int) -> list[float]:
    for _ in range(10):  # warm-up: first calls allocate and spin up OpenCV's threads
        encoder.encode(frame)
    costs = []
    for _ in range(runs):
        started = time.perf_counter()
        encoder.encode(frame)
        costs.append((time.perf_counter() - started) * 1000)
    return costs


def bench_frame_encode() -> list[Metric]:
    """1280×720 camera-like frame → ≤1024 px JPEG at quality 75 (target: median ≤ 8 ms), plus the same
    with one privacy box, and the frame's JPEG size."""
    frame = camera_like_frame()
    plain = FrameEncoder(EncoderConfig())
    masked = FrameEncoder(EncoderConfig(masks=(MaskRect(0.3125, 0.2778, 0.25, 0.3333),)))
    costs = _time_encodes(plain, frame, 300)
    masked_costs = _time_encodes(masked, frame, 300)
    return [
        ("frame_encode_ms_p50", percentile(costs, 50), "ms"),
        ("frame_encode_ms_p99", percentile(costs, 99), "ms"),
        ("frame_encode_masked_ms_p50", percentile(masked_costs, 50), "ms"),
        ("frame_jpeg_kib", len(plain.encode(frame).jpeg) / 1024, "KiB"),
    ]


@asynccontextmanager
async def vision_load(
    send: FrameSender,
    *,
    fps: float = 2.0,
    camera_fps: float = 30.0,
    width: int = 1280,
    height: int = 720,
    first_frame_timeout: float = 10.0,
) -> AsyncIterator[VisionPump]:
    """Run a vision pump on a synthetic camera into ``send`` for the duration of the block.

    The block is entered once the first frame was sent (so video is really on), with the preview
    running at ``camera_fps`` as in the app. Leaving the block stops the pump and joins its threads.
    """
    pump = VisionPump(
        synthetic_source(width, height, camera_fps),
        send,
        pacing=PacingConfig(fps=fps),
        on_preview=lambda frame: None,
    )
    task = asyncio.create_task(pump.run(), name="bench-vision-pump")
    try:
        async with asyncio.timeout(first_frame_timeout):
            await pump.mirror.wait_newer(0)
        yield pump
    finally:
        await pump.stop()
        await task


async def _loop_lag(seconds: float, period: float = 0.02) -> list[float]:
    """Lateness (ms) of a 20 ms periodic task, like the mic block hand-off on the loop."""
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    next_at = loop.time() + period
    end = loop.time() + seconds
    while next_at < end:
        await asyncio.sleep(max(0.0, next_at - loop.time()))
        lags.append(max(0.0, loop.time() - next_at) * 1000)
        next_at += period
    return lags


def bench_loop_lag_with_video() -> list[Metric]:
    """p99 lateness of a 20 ms loop task, video off then on (2 fps to the model, 30 fps preview), one run.

    A proxy for audio jitter that needs no session: the pump must not hold the loop."""

    async def body() -> tuple[list[float], list[float], int]:
        sent = 0

        async def send(jpeg: bytes) -> None:
            nonlocal sent
            sent += 1

        off = await _loop_lag(5.0)
        async with vision_load(send, fps=2.0):
            on = await _loop_lag(5.0)
        return off, on, sent

    off, on, sent = asyncio.run(body())
    return [
        ("video_loop_lag_ms_p99_off", percentile(off, 99), "ms"),
        ("video_loop_lag_ms_p99_on", percentile(on, 99), "ms"),
        ("video_loop_lag_frames_sent", float(sent), "frames"),
    ]
