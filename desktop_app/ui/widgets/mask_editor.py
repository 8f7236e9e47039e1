"""Privacy masks drawn on the video preview: drag to hide a region from Gemini, click it to show it again.

:class:`MaskOverlay` is a transparent child laid over the preview. It knows where the picture sits (the
preview letterboxes it) through a callable, and works in fractions of the frame
(:class:`~desktop_app.core.masks.MaskRect`), so a mask means the same part of the scene at any window or
camera size. It only edits: the preview shows the raw camera, the "what Gemini sees" mirror shows the
masks applied to what was actually sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from desktop_app.core.masks import MaskRect

__all__ = ["MaskOverlay", "to_fraction", "to_widget"]

HINT = (
    "Drag on the picture to hide a region from Gemini. Click a hidden region (or right-click it) to show it."
)


def to_fraction(point: QPointF, picture: QRectF) -> tuple[float, float]:
    """Where ``point`` (widget coordinates) falls in ``picture``, as fractions (may lie outside 0–1)."""
    return (point.x() - picture.left()) / picture.width(), (point.y() - picture.top()) / picture.height()


def to_widget(mask: MaskRect, picture: QRectF) -> QRectF:
    """The rectangle ``mask`` covers on screen when the frame is painted into ``picture``."""
    return QRectF(
        picture.left() + mask.left * picture.width(),
        picture.top() + mask.top * picture.height(),
        mask.width * picture.width(),
        mask.height * picture.height(),
    )


class MaskOverlay(QWidget):
    """Draws and edits the masks of one source over a preview. Use from the Qt thread.

    The owner must keep the overlay's geometry equal to the preview's rect, call :meth:`show_source` when
    the source changes, and persist what :attr:`masks_edited` reports (``(source label, masks)``, the whole
    new list). ``picture_rect`` returns where the frame is painted, or None while there is no frame (the
    overlay then ignores the mouse).
    """

    masks_edited = Signal(str, object)  # (source label, tuple[MaskRect, ...])

    def __init__(self, picture_rect: Callable[[], QRectF | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture_rect = picture_rect
        self._source = ""
        self._masks: tuple[MaskRect, ...] = ()
        self._drag: tuple[QPointF, QPointF] | None = None
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip(HINT)
        self.setAccessibleDescription(HINT)

    @property
    def source(self) -> str:
        return self._source

    @property
    def masks(self) -> tuple[MaskRect, ...]:
        return self._masks

    def show_source(self, source: str, masks: Sequence[MaskRect]) -> None:
        """Show the stored ``masks`` of ``source`` (a label such as ``camera 0``); emits nothing."""
        if source != self._source:
            self._drag = None  # a drag begun on another source's picture means nothing here
        self._source, self._masks = source, tuple(masks)
        self.update()

    # --- mouse -----------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        picture = self._picture_rect()
        if picture is None or not self._source or picture.width() < 1 or picture.height() < 1:
            event.ignore()
            return
        pos = event.position()
        if event.button() is Qt.MouseButton.RightButton:
            self._remove_at(pos, picture)
        elif event.button() is Qt.MouseButton.LeftButton:
            self._drag = (pos, pos)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag = (self._drag[0], event.position())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is None or event.button() is not Qt.MouseButton.LeftButton:
            return
        start, _ = self._drag
        self._drag = None
        picture = self._picture_rect()
        if picture is None:
            self.update()
            return
        end = event.position()
        mask = MaskRect.from_corners(*to_fraction(start, picture), *to_fraction(end, picture))
        if mask is None:  # a click, not a drag
            self._remove_at(end, picture)
        else:
            self._set((*self._masks, mask))
        self.update()

    def _remove_at(self, pos: QPointF, picture: QRectF) -> None:
        """Remove the newest mask under ``pos`` (the one painted on top), if any."""
        x, y = to_fraction(pos, picture)
        for index in range(len(self._masks) - 1, -1, -1):
            if self._masks[index].contains(x, y):
                self._set(self._masks[:index] + self._masks[index + 1 :])
                return

    def _set(self, masks: tuple[MaskRect, ...]) -> None:
        self._masks = masks
        self.update()
        self.masks_edited.emit(self._source, masks)

    # --- painting --------------------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        picture = self._picture_rect()
        if picture is None or (not self._masks and self._drag is None):
            return
        p = QPainter(self)
        p.setClipRect(picture)
        hatch = QBrush(QColor(0, 0, 0, 110), Qt.BrushStyle.BDiagPattern)
        p.setPen(QPen(QColor(255, 255, 255, 220), 1.5, Qt.PenStyle.DashLine))
        for mask in self._masks:
            rect = to_widget(mask, picture)
            p.fillRect(rect, QColor(0, 0, 0, 90))
            p.fillRect(rect, hatch)
            p.drawRect(rect)
        if self._drag is not None:
            p.setPen(QPen(QColor(255, 255, 255), 1.5))
            p.fillRect(QRectF(*_corners(*self._drag)), QColor(255, 255, 255, 40))
            p.drawRect(QRectF(*_corners(*self._drag)))
        p.end()


def _corners(a: QPointF, b: QPointF) -> tuple[float, float, float, float]:
    left, top = min(a.x(), b.x()), min(a.y(), b.y())
    return left, top, abs(a.x() - b.x()), abs(a.y() - b.y())
