"""The size a dialog opens at: the size it would like, shrunk to the screen it opens on.

A dialog calls :func:`opening_size` after setting its minimum size and resizes to the answer before it is
shown, so it never opens taller or wider than a small screen (an 800×600 netbook, a panel at the bottom)
and never smaller than its minimum. Qt's own first size (two thirds of the screen, or the layout's whole
wish) is not used.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

__all__ = ["TITLE_BAR", "opening_size"]

TITLE_BAR = 32
"""Pixels left above a dialog for its window frame's title bar, which the screen's area does not leave."""


def opening_size(dialog: QWidget, preferred: QSize) -> QSize:
    """``preferred`` bounded by the available area of the screen ``dialog`` opens on (less a title bar),
    and at least ``dialog``'s minimum size. Call on the Qt thread."""
    screen = dialog.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return preferred.expandedTo(dialog.minimumSize())
    area = screen.availableGeometry().size() - QSize(0, TITLE_BAR)
    return preferred.boundedTo(area).expandedTo(dialog.minimumSize())
