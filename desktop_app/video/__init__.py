"""Vision: camera, file, stream or screen frames to the live session, with a preview and a mirror.

Start here: :func:`open_video_source` / :func:`open_screen_source` build a source, :class:`VisionPump` runs
it into a session (see :mod:`desktop_app.video.pump` for the wiring), configured from the settings by
:func:`pacing_from` / :func:`encoder_from` and kept in step with :meth:`VisionPump.apply_settings`. Events
are in :mod:`desktop_app.core.media_events`; privacy masks as data in :mod:`desktop_app.core.masks`.
"""

from desktop_app.core.media_events import FrameSent, PreviewFrame, VideoState, VideoStatus
from desktop_app.video.encode import EncodedFrame, EncoderConfig, FrameEncoder
from desktop_app.video.from_settings import VideoSettings, encoder_from, pacing_from
from desktop_app.video.masking import MaskStyle
from desktop_app.video.pacing import FramePacer, PacingConfig
from desktop_app.video.pump import VisionPump
from desktop_app.video.source import (
    VideoSource,
    open_screen_source,
    open_video_source,
    source_from_flags,
    synthetic_source,
)
from desktop_app.video.spec import ScreenSpec

__all__ = [
    "EncodedFrame",
    "EncoderConfig",
    "FrameEncoder",
    "FramePacer",
    "FrameSent",
    "MaskStyle",
    "PacingConfig",
    "PreviewFrame",
    "ScreenSpec",
    "VideoSettings",
    "VideoSource",
    "VideoState",
    "VideoStatus",
    "VisionPump",
    "encoder_from",
    "open_screen_source",
    "open_video_source",
    "pacing_from",
    "source_from_flags",
    "synthetic_source",
]
