"""Events about media that the window shows: levels, the preview, what was sent, and the video source's state.

They live in core so that the window depends on core and the controller API only; the audio and video
packages publish them. All are frozen, slotted :class:`~desktop_app.core.events.Event` subclasses, published
on the loop thread. Image payloads are read-only numpy arrays or immutable bytes, so a subscriber may keep
them but never change what another subscriber sees. Events holding arrays compare by identity (``eq=False``):
comparing pixel arrays with ``==`` is never what a caller wants.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from desktop_app.core.events import Event

__all__ = ["FLOOR_DBFS", "AudioLevels", "FrameSent", "PreviewFrame", "VideoState", "VideoStatus"]

FLOOR_DBFS = -120.0
"""The level of digital silence, in dBFS (meters floor here)."""


@dataclass(frozen=True, slots=True)
class AudioLevels(Event):
    """Latest microphone (what is sent) and speaker (what is played) levels, in dBFS.

    ``*_dbfs`` is the RMS over the interval since the previous event, ``*_peak_dbfs`` its largest sample.
    """

    streaming: ClassVar[bool] = True

    input_dbfs: float = FLOOR_DBFS
    output_dbfs: float = FLOOR_DBFS
    input_peak_dbfs: float = FLOOR_DBFS
    output_peak_dbfs: float = FLOOR_DBFS


class VideoState(enum.StrEnum):
    """Where the video source stands. Only ``LIVE`` delivers frames."""

    STARTING = "starting"  # opening the device, file, stream or display
    LIVE = "live"  # frames are arriving
    UNAVAILABLE = "unavailable"  # missing, busy or lost; waiting for retry()
    ENDED = "ended"  # a file played to its end (and looping is off)
    STOPPED = "stopped"  # the pump was stopped; the source is released


@dataclass(frozen=True, slots=True)
class VideoStatus(Event):
    """The source changed state, or vision was paused or resumed.

    ``message`` is a sentence for people (e.g. "Camera 0 is not connected."), empty when there is nothing
    to say. ``paused`` is the user's "pause vision" switch: frames are not sent while it is on, whatever
    the state. ``source`` is a short label such as ``camera 0``, ``file clip.mp4`` or ``screen 1``.
    """

    state: VideoState
    source: str
    message: str = ""
    paused: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class FrameSent(Event):
    """Exactly what the model was sent: the JPEG bytes handed to the session, for a "what Gemini sees" mirror.

    ``width``/``height`` are the encoded size (long side within the configured limit); ``nbytes`` is
    ``len(jpeg)``; ``count`` is the running number of frames sent by this pump (1 for the first).
    ``source_width``/``source_height`` are the captured frame's size; ``captured_at`` and ``sent_at`` are
    monotonic seconds (capture, and the moment the session accepted the frame).
    """

    jpeg: bytes
    width: int
    height: int
    nbytes: int
    count: int
    source_width: int = 0
    source_height: int = 0
    captured_at: float = 0.0
    sent_at: float = 0.0


@dataclass(frozen=True, slots=True, eq=False)
class PreviewFrame(Event):
    """The newest captured frame, at the source's own rate, for the window's local preview.

    ``frame`` is a read-only H×W×3 ``uint8`` array in OpenCV's BGR order, unmasked (it never leaves the
    machine). ``seq`` increases by one per captured frame, so a gap means frames were skipped on the way.
    """

    streaming: ClassVar[bool] = True

    frame: npt.NDArray[np.uint8]
    width: int
    height: int
    seq: int
    captured_at: float
