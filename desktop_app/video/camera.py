"""OpenCV grabber for cameras, video files and network streams (the same ``cv2.VideoCapture`` path).

Messages name the thing the user chose and say what to do. On Linux a camera index with no ``/dev/videoN``
is reported as not connected without asking OpenCV (which would only print a warning of its own).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn, cast

import cv2
import numpy as np
import numpy.typing as npt

from desktop_app.core.errors import MediaError
from desktop_app.video.capture import EndOfStream, GrabberInfo
from desktop_app.video.spec import VideoKind, VideoSpec

__all__ = ["OpenCvGrabber"]

_DEFAULT_FILE_FPS = 30.0
_READ_ATTEMPTS = 3  # consecutive failed reads before a live camera or stream counts as lost


class OpenCvGrabber:
    """Reads a :class:`VideoSpec` with OpenCV. See :class:`~desktop_app.video.capture.FrameGrabber`.

    ``request_size`` asks a camera for a capture size (it may pick another); ``stream_timeout_s`` bounds
    how long opening or reading a network stream may block.
    """

    def __init__(
        self,
        spec: VideoSpec,
        *,
        request_size: tuple[int, int] | None = None,
        stream_timeout_s: float = 5.0,
    ) -> None:
        self._spec = spec
        self._request_size = request_size
        self._timeout_ms = int(stream_timeout_s * 1000)
        self._cap: cv2.VideoCapture | None = None
        self._first: npt.NDArray[np.uint8] | None = None

    @property
    def label(self) -> str:
        return self._spec.label

    def open(self) -> GrabberInfo:
        self.close()
        spec = self._spec
        if spec.kind is VideoKind.DEVICE:
            return self._open_device(spec.index)
        if spec.kind is VideoKind.FILE:
            assert spec.path is not None
            return self._open_file(spec.path)
        return self._open_url(spec.url)

    def grab(self) -> npt.NDArray[np.uint8]:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        cap = self._cap
        if cap is None:
            raise MediaError(f"{_cap(self.label)} is not open.")
        attempts = 1 if self._spec.kind is VideoKind.FILE else _READ_ATTEMPTS
        for _ in range(attempts):
            ok, image = cap.read()
            if ok and image is not None:
                return _as_bgr(image)
        self._lost()

    def _lost(self) -> NoReturn:
        """No frame came: the end of a file, or a camera or stream that stopped."""
        if self._spec.kind is VideoKind.FILE:
            raise EndOfStream
        if self._spec.kind is VideoKind.DEVICE:
            raise MediaError(
                f"Camera {self._spec.index} stopped sending pictures (was it unplugged?). "
                "Vision is off; audio goes on."
            )
        raise MediaError(f"{_cap(self.label)} stopped sending pictures. Vision is off; audio goes on.")

    def skip(self) -> None:
        """Pass over the next frame without decoding it (``grab()`` without ``retrieve()``)."""
        if self._first is not None:
            self._first = None
            return
        cap = self._cap
        if cap is None:
            raise MediaError(f"{_cap(self.label)} is not open.")
        attempts = 1 if self._spec.kind is VideoKind.FILE else _READ_ATTEMPTS
        for _ in range(attempts):
            if cap.grab():
                return
        self._lost()

    def rewind(self) -> None:
        cap = self._cap
        if cap is not None and cap.set(cv2.CAP_PROP_POS_FRAMES, 0):
            return
        self.open()  # some containers cannot seek: reopening starts from the first frame

    def close(self) -> None:
        self._first = None
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    # --- opening ---------------------------------------------------------------------------------

    def _open_device(self, index: int) -> GrabberInfo:
        if sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists():
            raise MediaError(
                f"Camera {index} is not connected (there is no /dev/video{index}). "
                "Vision is off; audio goes on."
            )
        cap = cv2.VideoCapture(index)
        self._cap = cap
        if not cap.isOpened():
            raise MediaError(
                f"Camera {index} could not be opened: it may be in use by another program, "
                "or access to it was refused. Vision is off; audio goes on."
            )
        if self._request_size is not None:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self._request_size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self._request_size[1])
        ok, frame = cap.read()
        if not ok or frame is None:
            raise MediaError(
                f"Camera {index} opened but gives no picture (is another program using it?). "
                "Vision is off; audio goes on."
            )
        self._first = _as_bgr(frame)
        return GrabberInfo(width=self._first.shape[1], height=self._first.shape[0], pace_fps=None)

    def _open_file(self, path: Path) -> GrabberInfo:
        if not path.is_file():
            raise MediaError(f"The video file {path} does not exist.")
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            cap = cv2.VideoCapture(str(path))
        self._cap = cap
        if not cap.isOpened():
            raise MediaError(f"The video file {path} could not be read (is it a video OpenCV knows?).")
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        if not 0.5 <= fps <= 240.0:  # unknown (0) or nonsense: play at a webcam's usual rate
            fps = _DEFAULT_FILE_FPS
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return GrabberInfo(width=width, height=height, pace_fps=fps)

    def _open_url(self, url: str) -> GrabberInfo:
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            self._timeout_ms,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            self._timeout_ms,
        ]
        cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
        self._cap = cap
        if not cap.isOpened():
            raise MediaError(
                f"The {self.label} could not be opened (check the address and the network). "
                "Vision is off; audio goes on."
            )
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return GrabberInfo(width=width, height=height, pace_fps=None)


def _as_bgr(frame: Any) -> npt.NDArray[np.uint8]:
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    elif frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return cast(npt.NDArray[np.uint8], frame)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
