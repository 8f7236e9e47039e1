"""Tab order that follows the layout: left to right along a row, top to bottom down a column.

Qt's default Tab order is the order the widgets were created in, which drifts from what the user sees as
soon as a widget is created out of place (a notice's close button, a control another part adds later).
:func:`reading_order` lists a window's Tab stops in the order its layouts show them (each box layout in its
direction, a form row by row, a grid by row then column, children outside any layout by position), and
:func:`follow_reading_order` chains Qt's focus order to it. A window calls the latter before each Tab
press (the main window's application-wide key filter does, for itself and its dialogs), so controls
added at any time are in their place; it also frees Tab from the widgets that would keep it.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QGridLayout,
    QLayout,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

__all__ = ["follow_reading_order", "reading_order"]


def _is_stop(widget: QWidget) -> bool:
    return widget.focusProxy() is None and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)


def _layout_items(layout: QLayout) -> list[QWidget | QLayout]:
    """The layout's widgets and sub-layouts in the order the layout shows them."""
    items: list[tuple[tuple[int, int, int], QWidget | QLayout]] = []
    for index in range(layout.count()):
        item = layout.itemAt(index)
        thing: QWidget | QLayout | None = (item.widget() or item.layout()) if item is not None else None
        if thing is None:
            continue
        key = (0, 0, index)
        if isinstance(layout, QGridLayout):
            position: tuple[int, int, int, int] = layout.getItemPosition(index)  # type: ignore[assignment]
            key = (position[0], position[1], index)
        items.append((key, thing))
    items.sort(key=lambda pair: pair[0])
    ordered = [thing for _key, thing in items]
    if isinstance(layout, QBoxLayout) and layout.direction() in (
        QBoxLayout.Direction.RightToLeft,
        QBoxLayout.Direction.BottomToTop,
    ):
        ordered.reverse()
    return ordered


def reading_order(root: QWidget) -> list[QWidget]:
    """``root``'s Tab stops (hidden ones too, so they are in place when shown) in layout order."""
    out: list[QWidget] = []
    seen: set[int] = set()

    def visit_layout(layout: QLayout) -> None:
        for thing in _layout_items(layout):
            if isinstance(thing, QWidget):
                visit(thing)
            else:
                visit_layout(thing)

    def visit(widget: QWidget) -> None:
        if id(widget) in seen or (widget.isWindow() and widget is not root):
            return
        seen.add(id(widget))
        if _is_stop(widget):
            out.append(widget)
        layout = widget.layout()
        if layout is not None:
            visit_layout(layout)
        loose = [c for c in widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                 if id(c) not in seen]  # fmt: skip
        loose.sort(key=lambda c: (c.geometry().y(), c.geometry().x()))
        for child in loose:
            visit(child)

    visit(root)
    return out


def follow_reading_order(root: QWidget) -> None:
    """Chain Qt's Tab order through ``root``'s stops in :func:`reading_order`, and let no stop keep Tab
    to itself (a text box would type it, a table would move cell to cell: a trap for keyboard users;
    Ctrl+Tab still types a tab). Call on the Qt thread."""
    stops = reading_order(root)
    for stop in stops:
        if isinstance(stop, QPlainTextEdit | QTextEdit):
            stop.setTabChangesFocus(True)
        elif isinstance(stop, QAbstractItemView):
            stop.setTabKeyNavigation(False)
    for before, after in itertools.pairwise(stops):
        QWidget.setTabOrder(before, after)
