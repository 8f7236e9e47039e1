"""The camera or screen preview at full rate (with its privacy masks to draw), and the small mirror of the
last frame sent to the model."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPainterPath, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.masks import MaskRect
from desktop_app.core.media_events import FrameSent
from desktop_app.ui.theme import COLORS, TONE_COLORS
from desktop_app.ui.widgets.mask_editor import MaskOverlay

__all__ = ["SentMirror", "VideoView", "bgr_image", "fit_frame"]


def bgr_image(frame: npt.NDArray[np.uint8]) -> QImage:
    """A QImage viewing ``frame`` (H×W×3 BGR, C-contiguous) without copying; keep ``frame`` alive."""
    if not frame.flags.c_contiguous:
        frame = np.ascontiguousarray(frame)
    height, width = frame.shape[:2]
    return QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_BGR888)


def fit_frame(frame: npt.NDArray[np.uint8], size: tuple[int, int], *, fast: bool) -> npt.NDArray[np.uint8]:
    """``frame`` resized to ``size`` (width, height) for the preview, cheaply enough for 30 frames a second.

    Shrinking by 2× or more first takes OpenCV's fast integer-factor area path (a proper box filter),
    then a small bilinear step. A shrink under 2× is nearest-neighbour for a fast source (motion hides
    it; bilinear at such factors costs three times as much) and bilinear for a slow one (a shared
    screen's text). Enlarging is bilinear.
    """
    width, height = size
    shrink = min(frame.shape[1] / width, frame.shape[0] / height)
    out: npt.NDArray[np.uint8] = frame
    if shrink >= 2.0:
        k = int(shrink)
        out = np.asarray(
            cv2.resize(frame, (frame.shape[1] // k, frame.shape[0] // k), interpolation=cv2.INTER_AREA),
            np.uint8,
        )
        method = cv2.INTER_LINEAR
    elif shrink > 1.0:
        method = cv2.INTER_NEAREST if fast else cv2.INTER_LINEAR
    else:
        method = cv2.INTER_LINEAR
    if (out.shape[1], out.shape[0]) != (width, height):
        out = np.asarray(cv2.resize(out, (width, height), interpolation=method), np.uint8)
    return np.ascontiguousarray(out)


class VideoView(QWidget):
    """Paints the newest frame letterboxed in a rounded dark panel, with a status chip and a placeholder.

    :meth:`show_frame` takes a BGR array; :meth:`clear` returns to the placeholder: a title and a hint, both
    wrapped and clipped to the panel, so a long error always fits. "Retry" and "Choose another…" appear
    below the hint with :meth:`offer_retry` and emit :attr:`retry_requested` / :attr:`choose_requested`.

    Privacy masks: call :meth:`show_masks` with the source's label and stored masks whenever the source
    changes; the user drags on the picture to add one and clicks one to remove it, and
    :attr:`masks_edited` reports ``(source label, tuple[MaskRect, ...])`` for the caller to store.
    """

    retry_requested = Signal()
    choose_requested = Signal()
    masks_edited = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: npt.NDArray[np.uint8] | None = None
        self._image: QImage | None = None
        self._placeholder = "Vision is off"
        self._hint = ""
        self._chip = ""
        self._chip_tone = "idle"
        self._scaled: tuple[QImage, npt.NDArray[np.uint8]] | None = None
        self._corner_path: tuple[tuple[int, int], QPainterPath] | None = None
        self._arrivals: deque[float] = deque(maxlen=64)
        self._chip_pixmap: tuple[tuple[str, str, float], QPixmap] | None = None
        self.frames_shown = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(160, 90))  # the card fits an 800×560 window with a banner shown
        # opaque: the view paints its own corners, so 30 repaints a second never repaint the card behind
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.mask_overlay = MaskOverlay(self._picture_rect, self)
        self.mask_overlay.masks_edited.connect(self.masks_edited)
        self._retry = QPushButton("Retry", self)  # created after the overlay, so it stays clickable above it
        self._retry.setVisible(False)
        self._retry.clicked.connect(self.retry_requested)
        self._choose = QPushButton("Choose another…", self)
        self._choose.setAccessibleName("Choose another camera")
        self._choose.setVisible(False)
        self._choose.clicked.connect(self.choose_requested)
        self.setAccessibleName("Camera preview")

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    @property
    def has_frame(self) -> bool:
        return self._image is not None

    def show_frame(self, frame: npt.NDArray[np.uint8]) -> None:
        previous = self._image
        self._frame = frame  # the QImage below borrows this buffer
        self._image = bgr_image(frame)
        self._scaled = None
        self.frames_shown += 1
        if previous is not None and previous.size() == self._image.size():
            self.update(self._target_rect().toAlignedRect())  # only the picture changed
        else:
            self.update()

    def clear(self, placeholder: str, hint: str = "") -> None:
        self._frame = None
        self._image = None
        self._scaled = None
        self._placeholder = placeholder
        self._hint = hint
        self._place_retry()
        self.update()

    def set_chip(self, text: str, tone: str = "idle") -> None:
        """The small label in the top-left corner (source and state); empty hides it."""
        self._chip, self._chip_tone = text, tone
        self.update()

    def show_masks(self, source: str, masks: Sequence[MaskRect]) -> None:
        """Show (and let the user edit) the privacy masks of ``source``, e.g. ``camera 0``."""
        self.mask_overlay.show_source(source, masks)

    def offer_retry(self, offered: bool, *, choose: bool = True) -> None:
        """Show Retry (and, with ``choose``, "Choose another…") under the placeholder, or hide them."""
        self._retry.setVisible(offered)
        self._choose.setVisible(offered and choose)
        self._place_retry()

    def resizeEvent(self, event: object) -> None:
        self.mask_overlay.setGeometry(self.rect())
        self._place_retry()

    def _hint_height(self, width: int) -> int:
        if not self._hint:
            return 0
        flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap)
        return (
            QFontMetrics(self.font()).boundingRect(0, 0, max(1, width), 100_000, flags, self._hint).height()
        )

    def _buttons_top(self) -> int:
        """Where the buttons go: under the hint, and never below the panel's bottom edge."""
        height = self._retry.sizeHint().height()
        below_hint = self.height() // 2 + 8 + self._hint_height(self.width() - 48) + 12
        return max(self.height() // 2 + 8, min(below_hint, self.height() - height - 12))

    def _place_retry(self) -> None:
        buttons = [b for b in (self._retry, self._choose) if not b.isHidden()]
        widths = [b.sizeHint().width() for b in buttons]
        left = (self.width() - sum(widths) - 8 * (len(buttons) - 1)) // 2
        top = self._buttons_top()
        for button, width in zip(buttons, widths, strict=True):
            button.setGeometry(left, top, width, button.sizeHint().height())
            left += width + 8

    def _corners(self) -> QPainterPath:
        size = (self.width(), self.height())
        if self._corner_path is None or self._corner_path[0] != size:
            outside = QPainterPath()
            outside.addRect(QRectF(self.rect()))
            inside = QPainterPath()
            inside.addRoundedRect(QRectF(self.rect()), 12, 12)
            self._corner_path = (size, outside.subtracted(inside))
        return self._corner_path[1]

    def _target_rect(self) -> QRectF:
        """Where the frame goes: as large as fits, centred, aspect kept."""
        rect = QRectF(self.rect())
        if self._image is None:
            return rect
        iw, ih = self._image.width(), self._image.height()
        scale = min(rect.width() / iw, rect.height() / ih)
        w, h = round(iw * scale), round(ih * scale)
        return QRectF(round((rect.width() - w) / 2), round((rect.height() - h) / 2), w, h)

    def _picture_rect(self) -> QRectF | None:
        """Where the frame is painted, or None while there is none (the mask editor's view of the picture)."""
        return self._target_rect() if self._image is not None else None

    def _scaled_frame(self, target: QRectF) -> QImage | None:
        """The frame resized once per frame and size, by :func:`fit_frame`."""
        frame = self._frame
        if frame is None or target.width() < 1 or target.height() < 1:
            return None
        size = (int(target.width()), int(target.height()))
        cached = self._scaled
        if cached is not None and (cached[0].width(), cached[0].height()) == size:
            return cached[0]
        # 32-bit pixels paint straight into the backing store; 24-bit ones are converted on every paint
        fitted = fit_frame(frame, size, fast=self._fast_source())
        scaled = np.ascontiguousarray(np.asarray(cv2.cvtColor(fitted, cv2.COLOR_BGR2BGRA), np.uint8))
        image = QImage(scaled.data, size[0], size[1], scaled.strides[0], QImage.Format.Format_RGB32)
        self._scaled = (image, scaled)  # the image borrows the array's buffer
        return image

    def _fast_source(self) -> bool:
        """True while frames arrive at video rates (≥ 15/s), where speed matters more than sharpness."""
        now = time.monotonic()
        self._arrivals.append(now)
        while self._arrivals and now - self._arrivals[0] > 1.0:
            self._arrivals.popleft()
        return len(self._arrivals) >= 15

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = QRectF(self.rect())
        p.fillRect(rect, QColor(COLORS["video_bg"]))
        if self._image is not None:
            target = self._target_rect()
            scaled = self._scaled_frame(target)
            if scaled is not None:
                p.drawImage(target.topLeft(), scaled)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        # rounded corners in the card's colour, painted over the picture (cheaper than clipping it)
        p.fillPath(self._corners(), QColor(COLORS["surface"]))
        if self._image is None:
            p.setPen(QColor(COLORS["muted"]))
            title = QFont(self.font())
            title.setPointSizeF(self.font().pointSizeF() * 1.25)
            title.setBold(True)
            p.setFont(title)
            title_area = rect.adjusted(20, 8, -20, -rect.height() / 2 + 6)
            p.save()
            p.setClipRect(title_area)  # a long title wraps upwards and never spills out of the panel
            p.drawText(
                title_area,
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap),
                self._placeholder,
            )
            p.restore()
            if self._hint:
                p.setFont(self.font())
                p.setPen(QColor(COLORS["faint"]))
                bottom = self._buttons_top() - 6 if self._retry.isVisible() else rect.height() - 8
                hint_area = QRectF(
                    24, rect.height() / 2 + 8, rect.width() - 48, bottom - rect.height() / 2 - 8
                )
                p.save()
                p.setClipRect(hint_area)  # the hint stops above the buttons
                p.drawText(
                    hint_area,
                    int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                    self._hint,
                )
                p.restore()
        if self._chip:
            self._paint_chip(p)
        p.end()

    def _paint_chip(self, p: QPainter) -> None:
        key = (self._chip, self._chip_tone, self.devicePixelRatioF())
        if self._chip_pixmap is None or self._chip_pixmap[0] != key:
            self._chip_pixmap = (key, self._render_chip())
        p.drawPixmap(12, 12, self._chip_pixmap[1])

    def _render_chip(self) -> QPixmap:
        """The source label in its rounded dark chip, drawn once per change (it is painted 30×/s)."""
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * 0.9)
        font.setBold(True)
        metrics = QFontMetrics(font)
        chip = QRectF(0, 0, metrics.horizontalAdvance(self._chip) + 30, metrics.height() + 10)
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(int(chip.width() * ratio) + 1, int(chip.height() * ratio) + 1)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(font)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 150))
        p.drawRoundedRect(chip, chip.height() / 2, chip.height() / 2)
        p.setBrush(QColor(TONE_COLORS.get(self._chip_tone, COLORS["faint"])))
        p.drawEllipse(QRectF(chip.left() + 10, chip.center().y() - 4, 8, 8))
        p.setPen(QColor("#ffffff"))
        p.drawText(
            chip.adjusted(24, 0, -6, 0),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            self._chip,
        )
        p.end()
        return pixmap


class SentMirror(QWidget):
    """A thumbnail of the JPEG last sent to the model, with its number, size and age."""

    THUMB = QSize(128, 72)  # small enough that the card fits an 800×560 window

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.last: FrameSent | None = None
        self._thumb = QLabel()
        self._thumb.setFixedSize(self.THUMB)
        self._thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._thumb.setStyleSheet(
            f"background: {COLORS['video_bg']}; border: 1px solid {COLORS['border']}; border-radius: 8px;"
            f"color: {COLORS['faint']};"
        )
        self._thumb.setText("nothing sent")
        self._title = QLabel("What Gemini sees")
        self._title.setObjectName("cardTitle")
        self._count = QLabel("No frames sent yet")
        self._size = QLabel("")
        self._size.setObjectName("muted")
        self._note = QLabel("About one a second, while vision is on.")
        self._note.setToolTip(
            "Frames go to the model about once a second while the camera or a screen is on."
        )
        self._note.setObjectName("faint")
        self._note.setWordWrap(True)
        text = QVBoxLayout()
        text.setSpacing(3)
        text.addWidget(self._title)
        text.addWidget(self._count)
        text.addWidget(self._size)
        text.addWidget(self._note)
        text.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        row.addWidget(self._thumb)
        row.addLayout(text, 1)
        self.setAccessibleName("Last frame sent to the model")

    @property
    def caption(self) -> str:
        return f"{self._count.text()} · {self._size.text()}"

    def show_sent(self, event: FrameSent) -> None:
        self.last = event
        pixmap = QPixmap()
        if pixmap.loadFromData(event.jpeg, "JPG"):
            self._thumb.setPixmap(
                pixmap.scaled(
                    self.THUMB - QSize(4, 4),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self._thumb.setText("unreadable")
        self._count.setText(f"{event.count:,} frame{'s' if event.count != 1 else ''} sent")
        self._size.setText(f"Last: {event.width}×{event.height} · {_kb(event.nbytes)}")

    def reset(self) -> None:
        self.last = None
        self._thumb.clear()
        self._thumb.setText("nothing sent")
        self._count.setText("No frames sent yet")
        self._size.setText("")


def _kb(nbytes: int) -> str:
    return f"{nbytes / 1024:.1f} KB" if nbytes < 1024 * 1024 else f"{nbytes / 1048576:.2f} MB"
