"""The share picker: what to share, chosen on purpose: a monitor (each with a thumbnail), one window, or a
region drawn on a frozen screenshot of the desktop.

:class:`ScreenPicker` is a window-modal dialog. It asks for the :class:`ScreenChoices` in a worker thread
(``CommandRunner.run_blocking``; tests call :meth:`ScreenPicker.show_choices` themselves) and, when the
user presses Share (or double-clicks a choice), emits :attr:`ScreenPicker.chosen` with what
``Controller.set_screen`` takes: ``"2"`` (a monitor), ``"window:0x…:Title"`` or ``"L,T,WxH"`` (a region in
desktop pixels). Cancel emits nothing. :class:`RegionCanvas` is the frozen screenshot a region is dragged on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.controller_api import ScreenChoices
from desktop_app.ui.bridge import CommandRunner
from desktop_app.ui.theme import COLORS
from desktop_app.ui.widgets.video_view import bgr_image

__all__ = ["RegionCanvas", "ScreenPicker"]

_THUMB = QSize(240, 150)
_MIN_REGION_PX = 16  # a smaller drag is a slip of the mouse, not a region


def _pixmap(frame: npt.NDArray[np.uint8]) -> QPixmap:
    return QPixmap.fromImage(bgr_image(np.ascontiguousarray(frame)).copy())


def _span(a: QPoint, b: QPoint) -> QRect:
    """The rectangle between two corners, exclusive of the far one (a drag of 100 px is 100 px wide)."""
    left, top = min(a.x(), b.x()), min(a.y(), b.y())
    return QRect(left, top, abs(a.x() - b.x()), abs(a.y() - b.y()))


class RegionCanvas(QWidget):
    """A frozen desktop screenshot, scaled to fit; drag a rectangle on it. :meth:`region` is the drawn
    rectangle in desktop pixels (``left, top, width, height``), or None; ``region_changed`` fires when
    the drag ends."""

    region_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(QSize(480, 270))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName("Drag a rectangle on the screenshot to share that region")
        self._picture: QPixmap | None = None
        self._origin = (0, 0)  # the desktop's top-left corner in desktop coordinates
        self._drag: tuple[QPoint, QPoint] | None = None

    def set_picture(self, frame: npt.NDArray[np.uint8], left: int = 0, top: int = 0) -> None:
        self._picture = _pixmap(frame)
        self._origin = (left, top)
        self._drag = None
        self.update()

    def _target(self) -> QRect:
        """Where the picture is drawn (scaled to fit, centred)."""
        if self._picture is None or self._picture.isNull():
            return QRect()
        size = self._picture.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect(
            (self.width() - size.width()) // 2,
            (self.height() - size.height()) // 2,
            size.width(),
            size.height(),
        )

    def region(self) -> tuple[int, int, int, int] | None:
        target = self._target()
        if self._drag is None or self._picture is None or target.isEmpty():
            return None
        rect = _span(*self._drag).intersected(target)
        scale = self._picture.width() / target.width()
        left = round((rect.left() - target.left()) * scale)
        top = round((rect.top() - target.top()) * scale)
        width = min(round(rect.width() * scale), self._picture.width() - left)
        height = min(round(rect.height() * scale), self._picture.height() - top)
        if width < _MIN_REGION_PX or height < _MIN_REGION_PX:
            return None
        return left + self._origin[0], top + self._origin[1], width, height

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton:
            point = event.position().toPoint()
            self._drag = (point, point)
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._drag = (self._drag[0], event.position().toPoint())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None and event.button() is Qt.MouseButton.LeftButton:
            self._drag = (self._drag[0], event.position().toPoint())
            self.update()
            self.region_changed.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(COLORS["video_bg"]))
        target = self._target()
        if self._picture is not None and not target.isEmpty():
            painter.drawPixmap(target, self._picture)
        if self._drag is not None:
            rect = _span(*self._drag)
            painter.fillRect(rect, QColor(108, 140, 255, 60))
            painter.setPen(QPen(QColor(COLORS["accent"]), 2))
            painter.drawRect(rect)
        painter.end()


class ScreenPicker(QDialog):
    """See the module docstring. ``chooser`` gathers the choices (blocking: it runs in a worker);
    ``preselect`` is a monitor number to select at first (e.g. from the Share button's menu)."""

    chosen = Signal(str)

    def __init__(
        self,
        runner: CommandRunner,
        chooser: Callable[[], ScreenChoices],
        *,
        preselect: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Share your screen")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._preselect = preselect or "1"
        self.status = QLabel("Looking for screens and windows…")
        self.status.setWordWrap(True)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setObjectName("muted")
        self.note.setVisible(False)
        self.screens = QListWidget()
        self.screens.setViewMode(QListWidget.ViewMode.IconMode)
        self.screens.setIconSize(_THUMB)
        self.screens.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.screens.setMovement(QListWidget.Movement.Static)
        self.screens.setSpacing(10)
        self.screens.setAccessibleName("Screens")
        self.windows = QListWidget()
        self.windows.setAccessibleName("Windows")
        self.canvas = RegionCanvas()
        region_page = QWidget()
        region_box = QVBoxLayout(region_page)
        region_box.setContentsMargins(8, 8, 8, 8)
        hint = QLabel("Drag a rectangle on this picture of your desktop: only that part is shared.")
        hint.setWordWrap(True)
        region_box.addWidget(hint)
        region_box.addWidget(self.canvas, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.screens, "Screen")
        self.tabs.addTab(self.windows, "Window")
        self.tabs.addTab(region_page, "Region")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.share_button = QPushButton("Share")
        self.share_button.setObjectName("primary")
        self.share_button.setEnabled(False)
        self.share_button.setDefault(True)
        buttons.addButton(self.share_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._share)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.note)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # filling it never resizes it
        self.setMinimumSize(QSize(560, 420))
        self.resize(760, 520)
        for widget in (self.screens, self.windows):
            widget.currentItemChanged.connect(self._refresh)
            widget.itemDoubleClicked.connect(self._share)
        self.canvas.region_changed.connect(self._refresh)
        self.tabs.currentChanged.connect(self._refresh)
        runner.run_blocking(
            "Looking for screens", chooser, on_result=self.show_choices, on_error=self._failed, owner=self
        )

    # --- choices -----------------------------------------------------------------------------------

    def show_choices(self, choices: ScreenChoices) -> None:
        """Fill the three tabs (Qt thread)."""
        self.screens.clear()
        for info, thumb in zip(choices.monitors, choices.thumbnails, strict=True):
            item = QListWidgetItem(QIcon(_pixmap(thumb)), info.label)
            item.setData(Qt.ItemDataRole.UserRole, str(info.number))
            self.screens.addItem(item)
            if str(info.number) == self._preselect:
                self.screens.setCurrentItem(item)
        self.windows.clear()
        for window in choices.windows:
            item = QListWidgetItem(f"{window.title}  ({window.region.width}×{window.region.height})")
            item.setData(Qt.ItemDataRole.UserRole, window.spec)
            self.windows.addItem(item)
        if not choices.windows:
            empty = QListWidgetItem("No other application's window was found.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.windows.addItem(empty)
        desk = choices.desktop_region
        self.canvas.set_picture(choices.desktop, desk.left, desk.top)
        self.status.setText("Choose what Gemini may see. Nothing is shared until you press Share.")
        self.note.setText(choices.note)
        self.note.setVisible(bool(choices.note))
        self._refresh()

    def _failed(self, message: str) -> None:
        self.status.setText(message)

    # --- the choice ----------------------------------------------------------------------------------

    def spec(self) -> str | None:
        """What the current tab has chosen, as ``set_screen`` takes it (None: nothing yet)."""
        page = self.tabs.currentIndex()
        if page == 2:
            region = self.canvas.region()
            return None if region is None else "{},{},{}x{}".format(*region)
        item = (self.screens if page == 0 else self.windows).currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return str(value) if value else None

    def _refresh(self, *_args: object) -> None:
        self.share_button.setEnabled(self.spec() is not None)

    def _share(self, *_args: object) -> None:
        spec = self.spec()
        if spec is None:
            return
        self.chosen.emit(spec)
        self.accept()
