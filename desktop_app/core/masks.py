"""Privacy masks as data: rectangles, in fractions of the frame, that are blurred before a frame is sent.

Pure code, shared by the settings, the command line, the vision pump and the preview widget (which may import
only ``core``). Coordinates are fractions of the frame's width and height (0–1), so a mask drawn on a
1280×720 preview still covers the same part of the scene at 640×480 or 1920×1080.

The settings hold masks for every source as a flat tuple of readable strings, one mask each::

    "camera 0: 0.6 0 0.4 0.3"      # source label, then LEFT TOP WIDTH HEIGHT as fractions

The source label is what :class:`~desktop_app.core.media_events.VideoStatus` carries (``camera 0``,
``file clip.mp4``, ``screen 1``…). In ``settings.json`` the tuple is a JSON list; in ``GLD_VIDEO_MASKS`` the
entries are separated by commas (so a label with a comma in it can be set only in the file).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from desktop_app.core.errors import ConfigError

__all__ = [
    "MIN_MASK_FRACTION",
    "MaskRect",
    "format_mask_entry",
    "masks_for",
    "parse_mask",
    "parse_mask_entry",
    "replace_masks",
]

MIN_MASK_FRACTION = 0.005
"""The smallest side a mask may have, as a fraction of the frame (under this it hides nothing)."""

_EPS = 1e-6
_DIGITS = 4  # 1/10 000 of the frame: finer than a pixel at 8K, short enough to read
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_CLI_RE = re.compile(rf"^\s*({_NUMBER})\s*,\s*({_NUMBER})\s*,\s*({_NUMBER})\s*,\s*({_NUMBER})\s*$")


@dataclass(frozen=True, slots=True)
class MaskRect:
    """One mask: ``left``/``top`` of its corner and its ``width``/``height``, each a fraction of the frame.

    The rectangle must lie inside the frame (0 ≤ left, left + width ≤ 1, the same vertically) and each side
    must be at least :data:`MIN_MASK_FRACTION`; :class:`ConfigError` says so otherwise. Use
    :meth:`from_corners` to build one from a drag that may leave the frame.
    """

    left: float
    top: float
    width: float
    height: float

    def __post_init__(self) -> None:
        values = (self.left, self.top, self.width, self.height)
        if not all(math.isfinite(v) for v in values):
            raise ConfigError(f"A privacy mask needs finite numbers, got {values}.")
        if self.width < MIN_MASK_FRACTION or self.height < MIN_MASK_FRACTION:
            raise ConfigError(
                f"A privacy mask must be at least {MIN_MASK_FRACTION} of the frame on each side, "
                f"got {self.width:g}×{self.height:g}."
            )
        if self.left < -_EPS or self.top < -_EPS or self.right > 1 + _EPS or self.bottom > 1 + _EPS:
            raise ConfigError(
                f"A privacy mask must lie inside the frame (fractions 0–1), got left={self.left:g}, "
                f"top={self.top:g}, width={self.width:g}, height={self.height:g}."
            )

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @classmethod
    def from_corners(cls, x0: float, y0: float, x1: float, y1: float) -> MaskRect | None:
        """The mask between two corners (any order, fractions), clipped to the frame and rounded.

        Returns None when what is left is thinner than :data:`MIN_MASK_FRACTION` (a click, not a drag).
        """
        left, right = sorted((min(max(x0, 0.0), 1.0), min(max(x1, 0.0), 1.0)))
        top, bottom = sorted((min(max(y0, 0.0), 1.0), min(max(y1, 0.0), 1.0)))
        left, top = round(left, _DIGITS), round(top, _DIGITS)
        width = round(min(right, 1.0) - left, _DIGITS)
        height = round(min(bottom, 1.0) - top, _DIGITS)
        if width < MIN_MASK_FRACTION or height < MIN_MASK_FRACTION:
            return None
        return cls(left, top, width, height)

    def contains(self, x: float, y: float) -> bool:
        """True if the point (fractions of the frame) lies in the mask, edges included."""
        return self.left <= x <= self.right and self.top <= y <= self.bottom

    def pixel_box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """``(left, top, width, height)`` in pixels of a ``width``×``height`` frame.

        The box grows outward to whole pixels, so every pixel the mask touches is covered, and is never
        empty or outside the frame.
        """
        x0 = min(max(math.floor(self.left * width + _EPS), 0), width - 1)
        y0 = min(max(math.floor(self.top * height + _EPS), 0), height - 1)
        x1 = min(max(math.ceil(self.right * width - _EPS), x0 + 1), width)
        y1 = min(max(math.ceil(self.bottom * height - _EPS), y0 + 1), height)
        return x0, y0, x1 - x0, y1 - y0

    def text(self) -> str:
        """``"L T W H"``: the numbers of the settings form, shortest exact spelling."""
        return " ".join(f"{round(v, _DIGITS):g}" for v in (self.left, self.top, self.width, self.height))


def parse_mask(text: str) -> MaskRect:
    """Parse the command line's ``L,T,W,H`` (fractions of the frame, e.g. ``0.6,0,0.4,0.3``).

    Raises :class:`ConfigError` with a sentence that says how to write it.
    """
    m = _CLI_RE.match(text)
    if not m:
        raise ConfigError(
            f"Cannot read mask {text!r}: write LEFT,TOP,WIDTH,HEIGHT as fractions of the frame, "
            "e.g. 0.6,0,0.4,0.3 for the top-right corner."
        )
    left, top, width, height = (float(g) for g in m.groups())
    return MaskRect(left, top, width, height)


def format_mask_entry(source: str, mask: MaskRect) -> str:
    """The settings form of one mask: ``"camera 0: 0.6 0 0.4 0.3"``."""
    return f"{source.strip()}: {mask.text()}"


def parse_mask_entry(entry: str) -> tuple[str, MaskRect]:
    """Split a settings entry into its source label and mask; :class:`ConfigError` if malformed."""
    source, sep, numbers = entry.rpartition(":")
    parts = numbers.split()
    if not sep or not source.strip() or len(parts) != 4:
        raise ConfigError(
            f"Cannot read privacy mask {entry!r}: write it as 'SOURCE: LEFT TOP WIDTH HEIGHT' with "
            "fractions of the frame, e.g. 'camera 0: 0.6 0 0.4 0.3'."
        )
    try:
        left, top, width, height = (float(p) for p in parts)
    except ValueError:
        raise ConfigError(f"Privacy mask {entry!r} has a value that is not a number.") from None
    return source.strip(), MaskRect(left, top, width, height)


def masks_for(entries: Iterable[str], source: str) -> tuple[MaskRect, ...]:
    """The masks stored for ``source`` (a label such as ``camera 0``), in the order they were drawn."""
    wanted = source.strip()
    found = []
    for entry in entries:
        label, mask = parse_mask_entry(entry)
        if label == wanted:
            found.append(mask)
    return tuple(found)


def replace_masks(entries: Iterable[str], source: str, masks: Sequence[MaskRect]) -> tuple[str, ...]:
    """``entries`` with the masks of ``source`` replaced by ``masks``; other sources' entries are kept."""
    wanted = source.strip()
    kept = tuple(e for e in entries if parse_mask_entry(e)[0] != wanted)
    return kept + tuple(format_mask_entry(wanted, m) for m in masks)
