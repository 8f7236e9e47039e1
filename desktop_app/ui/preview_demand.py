"""How many preview frames a second the window needs, from whether it is seen and has the focus.

The camera decodes no more frames than someone looks at (``Controller.set_preview_fps``): the preview pane
gets :data:`FOCUSED_FPS` while the window is the active one, :data:`UNFOCUSED_FPS` while it is visible
behind another, and none while it is hidden or minimised (frames still go to the model at its own pace).

Install :class:`PreviewDemand` on the main window with a callback that forwards the rate to the controller
and says whether it could (False before there is a controller). It calls back on the Qt thread when the
window's rate differs from the last one delivered, which starts as :data:`FOCUSED_FPS` (the rate the vision
service starts with); call :meth:`PreviewDemand.check` once the controller is there.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

__all__ = ["FOCUSED_FPS", "HIDDEN_FPS", "UNFOCUSED_FPS", "PreviewDemand", "preview_fps"]

FOCUSED_FPS = 15.0
UNFOCUSED_FPS = 5.0
HIDDEN_FPS = 0.0

_WATCHED = frozenset(
    {
        QEvent.Type.ActivationChange,
        QEvent.Type.WindowStateChange,
        QEvent.Type.Show,
        QEvent.Type.Hide,
    }
)


def preview_fps(visible: bool, minimized: bool, active: bool) -> float:
    """The preview rate a window in this state needs."""
    if not visible or minimized:
        return HIDDEN_FPS
    return FOCUSED_FPS if active else UNFOCUSED_FPS


class PreviewDemand(QObject):
    """Watches ``window`` (an event filter) and calls ``on_change(fps)`` when its preview rate changed."""

    def __init__(self, window: QWidget, on_change: Callable[[float], bool]) -> None:
        super().__init__(window)
        self._window = window
        self._on_change = on_change
        self._delivered = FOCUSED_FPS
        window.installEventFilter(self)

    def fps(self) -> float:
        """The rate the window's state asks for now."""
        w = self._window
        return preview_fps(w.isVisible(), w.isMinimized(), w.isActiveWindow())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() in _WATCHED:
            QTimer.singleShot(0, self.check)  # after Qt has applied the change the event announces
        return False

    def check(self) -> None:
        """Deliver the window's rate if it is not the last one delivered."""
        fps = self.fps()
        if fps != self._delivered and self._on_change(fps):
            self._delivered = fps
