"""The vision pump's configuration from the user's settings: one mapping, used by every mode.

``video`` must not import :mod:`desktop_app.config` (it pulls in ``live``), so the settings are described
here by the fields read (:class:`VideoSettings`); :class:`desktop_app.config.Settings` satisfies it.
"""

from __future__ import annotations

from typing import Protocol

from desktop_app.core.masks import masks_for
from desktop_app.video.encode import EncoderConfig
from desktop_app.video.pacing import MIN_FPS, PacingConfig

__all__ = ["VideoSettings", "encoder_from", "pacing_from"]


class VideoSettings(Protocol):
    """The settings the vision pump follows (all in the settings' ``video`` section)."""

    @property
    def video_fps(self) -> float: ...
    @property
    def video_speech_aware(self) -> bool: ...
    @property
    def video_max_side(self) -> int: ...
    @property
    def video_jpeg_quality(self) -> int: ...
    @property
    def video_masks(self) -> tuple[str, ...]: ...


def pacing_from(settings: VideoSettings) -> PacingConfig:
    """``video_fps`` steady, or with ``video_speech_aware`` at ``video_fps`` while the user speaks and one
    frame every 5 s (:data:`MIN_FPS`) while they are silent."""
    fps = settings.video_fps
    if not settings.video_speech_aware:
        return PacingConfig(fps=fps)
    return PacingConfig(fps=fps, speech_aware=True, speaking_fps=fps, silent_fps=min(fps, MIN_FPS))


def encoder_from(settings: VideoSettings, source_label: str) -> EncoderConfig:
    """Size, quality and the privacy masks stored for ``source_label`` (e.g. ``camera 0``)."""
    return EncoderConfig(
        max_long_side=settings.video_max_side,
        jpeg_quality=settings.video_jpeg_quality,
        masks=masks_for(settings.video_masks, source_label),
    )
