"""The rounded panel the window and the history dialog are built from (styled as ``#card`` in the theme)."""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QFrame, QVBoxLayout, QWidget

__all__ = ["card"]


def card(*widgets: QWidget, layout: QBoxLayout | None = None, margins: int = 14, spacing: int = 10) -> QFrame:
    """A card holding ``layout`` (a new vertical one when None) with ``widgets`` added to it, in order."""
    frame = QFrame()
    frame.setObjectName("card")
    box = layout if layout is not None else QVBoxLayout()
    box.setContentsMargins(margins, margins, margins, margins)
    box.setSpacing(spacing)
    for widget in widgets:
        box.addWidget(widget)
    frame.setLayout(box)
    return frame
