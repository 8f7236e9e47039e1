"""The running app follows the video settings: a privacy mask stored while a camera runs reaches the next
frame sent, without restarting the source (the contract services must keep: on a change in the settings'
video section, call ``VisionPump.apply_settings(settings)``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.config import Settings
from desktop_app.core.media_events import FrameSent, VideoState, VideoStatus
from tests.integration.test_controller import start
from tests.unit.services.fakes import Events, FakeAudio

pytestmark = pytest.mark.integration


def detailed_clip(path: Path, seconds: float = 4.0) -> Path:
    """A 1280×720 clip of random 8-px tiles: a JPEG of it is large unless the detail is masked."""
    rng = np.random.default_rng(5)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10, (1280, 720))
    for _ in range(int(seconds * 10)):
        writer.write((rng.integers(0, 2, (90, 160, 3), dtype=np.uint8) * 255).repeat(8, 0).repeat(8, 1))
    writer.release()
    return path


async def test_a_mask_stored_while_the_camera_runs_applies_to_the_next_frame(tmp_path: Path) -> None:
    clip = detailed_clip(tmp_path / "detail.mp4")
    settings = Settings(backend="emulator", emulator_pace=0.0, relay_port=0, video_fps=2.0)
    audio, rec, saved = FakeAudio(), Events(), []
    controller = await start(settings, audio, rec, saved)
    try:
        await controller.set_camera(str(clip))
        first = await rec.wait_for(lambda e: isinstance(e, FrameSent))
        assert isinstance(first, FrameSent) and first.nbytes > 100_000

        masked = dataclasses.replace(settings, video_masks=("file detail.mp4: 0 0 1 1",))
        assert await controller.apply_settings(masked) is False  # no new session for a mask
        assert saved[-1].video_masks == masked.video_masks
        count = len([e for e in rec.seen if isinstance(e, FrameSent)])
        after = await rec.wait_for(lambda e: isinstance(e, FrameSent) and e.count > count + 1)
        assert isinstance(after, FrameSent) and after.nbytes < first.nbytes / 10
        starts = [e for e in rec.seen if isinstance(e, VideoStatus) and e.state is VideoState.STARTING]
        assert len(starts) == 1  # the source was not restarted
    finally:
        await controller.stop()
