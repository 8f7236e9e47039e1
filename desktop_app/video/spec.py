"""What to capture, parsed from the words a user types: ``--video 0|clip.mp4|rtsp://…`` and ``--screen [N]``.

Parsing is pure: nothing is opened and no file is looked at here. A spec that names something absent fails
later, when the source opens, with a :class:`~desktop_app.core.errors.MediaError` sentence.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.errors import ConfigError

__all__ = [
    "Region",
    "ScreenSpec",
    "VideoKind",
    "VideoSpec",
    "parse_screen_spec",
    "parse_video_spec",
    "source_label",
]

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DEV_RE = re.compile(r"^/dev/video(\d+)$")
_REGION_RE = re.compile(r"^\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(\d+)\s*[x,×]\s*(\d+)\s*$")


class VideoKind(enum.StrEnum):
    DEVICE = "device"  # a camera by index (0 is the first): live, paced by the camera
    FILE = "file"  # a local video file: played at its own frame rate, like a webcam
    URL = "url"  # a network stream (rtsp://, http://, …): live, paced by the sender


@dataclass(frozen=True, slots=True)
class VideoSpec:
    """A camera index, a video file or a stream URL. Build it with :func:`parse_video_spec`."""

    kind: VideoKind
    index: int = 0
    path: Path | None = None
    url: str = ""

    @property
    def label(self) -> str:
        """A short name for messages: ``camera 0``, ``file clip.mp4``, ``stream rtsp://host/…``."""
        if self.kind is VideoKind.DEVICE:
            return f"camera {self.index}"
        if self.kind is VideoKind.FILE:
            return f"file {self.path.name if self.path else '?'}"
        return f"stream {_redact_url(self.url)}"


def parse_video_spec(text: str | int) -> VideoSpec:
    """Parse ``"0"`` (camera index), ``"/dev/video2"``, ``"clip.mp4"`` (file) or ``"rtsp://…"`` (URL).

    Raises :class:`ConfigError` for an empty spec or a negative index.
    """
    if isinstance(text, int):
        text = str(text)
    spec = text.strip()
    if not spec:
        raise ConfigError("No video source given: pass a camera number (0), a video file or a stream URL.")
    if re.fullmatch(r"-?\d+", spec):
        index = int(spec)
        if index < 0:
            raise ConfigError(f"Camera number {index} is negative; cameras are numbered from 0.")
        return VideoSpec(kind=VideoKind.DEVICE, index=index)
    if m := _DEV_RE.match(spec):
        return VideoSpec(kind=VideoKind.DEVICE, index=int(m.group(1)))
    if _URL_RE.match(spec):
        if spec.lower().startswith("file://"):
            return VideoSpec(kind=VideoKind.FILE, path=Path(spec[len("file://") :]))
        return VideoSpec(kind=VideoKind.URL, url=spec)
    return VideoSpec(kind=VideoKind.FILE, path=Path(spec).expanduser())


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle in pixels: ``left``/``top`` of its corner and its size.

    For the screen these are virtual-desktop coordinates (as ``mss`` reports monitors); for masking,
    the pixel box of a privacy mask in the captured frame.
    """

    left: int
    top: int
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ConfigError(f"A region needs a positive size, got {self.width}×{self.height}.")

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @classmethod
    def parse(cls, text: str) -> Region:
        """Parse ``"LEFT,TOP,WIDTHxHEIGHT"`` (or ``"LEFT,TOP,WIDTH,HEIGHT"``)."""
        m = _REGION_RE.match(text)
        if not m:
            raise ConfigError(f"Cannot read region {text!r}: write it as LEFT,TOP,WIDTHxHEIGHT.")
        left, top, width, height = (int(g) for g in m.groups())
        return cls(left, top, width, height)


@dataclass(frozen=True, slots=True)
class ScreenSpec:
    """One monitor (numbered from 1, as ``mss`` numbers them) or a region of the virtual desktop.

    Monitor 0 is ``mss``'s name for the whole virtual desktop (every monitor at once). It is refused unless
    ``allow_all_monitors`` is set, so the whole desktop is never sent by accident.
    """

    monitor: int = 1
    region: Region | None = None
    allow_all_monitors: bool = False

    def __post_init__(self) -> None:
        if self.monitor < 0:
            raise ConfigError(f"Monitor {self.monitor} is negative; monitors are numbered from 1.")
        if self.monitor == 0 and self.region is None and not self.allow_all_monitors:
            raise ConfigError(
                "Monitor 0 means every monitor at once; choose one monitor (1, 2, …) or a region, "
                "or allow the whole desktop explicitly."
            )

    @property
    def label(self) -> str:
        if self.region is not None:
            r = self.region
            return f"screen region {r.width}×{r.height}+{r.left}+{r.top}"
        if self.monitor == 0:
            return "whole desktop"
        return f"screen {self.monitor}"


def parse_screen_spec(text: str | int | None = None, *, allow_all_monitors: bool = False) -> ScreenSpec:
    """Parse ``--screen [MONITOR]``: ``None``/``""`` is monitor 1, ``"2"`` monitor 2, ``"L,T,WxH"`` a region.

    ``"0"`` (the whole virtual desktop) raises :class:`ConfigError` unless ``allow_all_monitors``.
    """
    if text is None:
        return ScreenSpec()
    spec = str(text).strip()
    if not spec:
        return ScreenSpec()
    if re.fullmatch(r"-?\d+", spec):
        return ScreenSpec(monitor=int(spec), allow_all_monitors=allow_all_monitors)
    return ScreenSpec(region=Region.parse(spec))


def source_label(video: str | None, screen: str | None) -> str:
    """The label the source that ``--screen`` (first) or ``--video`` (else camera 0) opens will carry:
    the key its privacy masks are stored under. Raises :class:`ConfigError` for a malformed spec."""
    if screen is not None:
        return parse_screen_spec(screen).label
    return parse_video_spec(video if video is not None else "0").label


def _redact_url(url: str) -> str:
    """Drop credentials from ``scheme://user:pass@host/…`` so a label never shows a password."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", r"\1", url)
