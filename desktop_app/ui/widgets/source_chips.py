"""Google Search sources under a reply: one chip per source, and the queries the model searched for.

Each chip is a flat button (Tab reaches it; Space or Enter opens it, like a click) that opens its link in the
default browser, only when it is an http or https address (:func:`~desktop_app.ui.tool_view.safe_link`);
:attr:`SourceChips.open_failed` says when it could not be opened.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.core.events import GroundingSource
from desktop_app.ui.theme import COLORS
from desktop_app.ui.tool_ports import open_link
from desktop_app.ui.tool_view import SourceList, chip_label

__all__ = ["SourceChips"]

_MAX_CHIPS = 8  # at most eight chips under one reply (the first eight sources the model cited)


class SourceChips(QWidget):
    """See the module docstring. Construct on the Qt thread."""

    open_failed = Signal(str)
    """The uri of a chip whose link was refused (not http/https) or that no browser opened."""

    def __init__(self, grounding: SourceList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grounding = grounding
        self.setAccessibleName("Search sources")
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 0, 4, 4)
        box.setSpacing(4)
        if grounding.queries:
            queries = QLabel("Searched: " + " · ".join(grounding.queries))
            queries.setObjectName("faint")
            queries.setWordWrap(True)
            box.addWidget(queries)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.chips: list[QPushButton] = []
        for source in grounding.sources[:_MAX_CHIPS]:
            chip = QPushButton(chip_label(source))
            chip.setToolTip(source.uri)
            chip.setAccessibleName(f"Source: {chip_label(source)}")
            chip.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setStyleSheet(
                f"QPushButton {{ border: 1px solid {COLORS['border']}; border-radius: 10px;"
                f" padding: 2px 10px; color: {COLORS['accent']}; background: {COLORS['surface']}; }}"
                f" QPushButton:focus {{ border: 2px solid {COLORS['focus']}; padding: 1px 9px; }}"
            )
            chip.clicked.connect(lambda _checked=False, s=source: self.open(s))
            row.addWidget(chip)
            self.chips.append(chip)
        row.addStretch(1)
        box.addLayout(row)

    def open(self, source: GroundingSource) -> bool:
        """Open ``source`` in the browser; False (and :attr:`open_failed`) when refused or it failed."""
        if open_link(source.uri):
            return True
        self.open_failed.emit(source.uri)
        return False
