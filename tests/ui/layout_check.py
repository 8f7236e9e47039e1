"""Geometry checks for a laid-out top-level widget: what overlaps, what sticks out, what lost text.

:func:`layout_problems` looks at every visible widget of a window (the caller resizes and shows it
first) and reports, in words, each widget that overlaps a sibling in the same layout, sticks out of its
parent, is squeezed below its minimum size, or shows less text than it holds (a label or button narrower
than its text, a wrapped label shorter than its lines). Widgets inside scroll areas may extend beyond
their viewport (that is what scrolling is for) and are only checked against each other. The parts a
compound widget places itself (an editable combo's line edit, a table's header, scroll bars) are its
style's business, not a layout's: they are not checked for squeezing; nor is a widget wanted taller or
wider than its own maximum (a slim meter, a capped text box), since no layout would give it that.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLayout,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from tests.ui.ui_walk import describe

_SLACK = 1  # px of rounding
_COMPOUND = (QComboBox, QAbstractSpinBox, QAbstractScrollArea)  # place their own parts


def _in_layout(layout: QLayout | None, widget: QWidget) -> bool:
    if layout is None:
        return False
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        if item.widget() is widget:
            return True
        child = item.layout()
        if child is not None and _in_layout(child, widget):
            return True
    return False


def _scrolled(widget: QWidget, top: QWidget) -> bool:
    """True inside a scroll area's viewport (its content may be larger than what shows)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and grand.viewport() is parent:
            return True
        parent = grand
    return False


def _text_problem(widget: QWidget) -> str:
    if isinstance(widget, QLabel) and widget.text() and widget.pixmap().isNull():
        if widget.wordWrap():
            needed = widget.heightForWidth(widget.contentsRect().width() + 2 * widget.margin())
            if needed > widget.height() + _SLACK:
                return f"wrapped text needs {needed} px of height, has {widget.height()}"
        elif widget.sizeHint().width() > widget.width() + _SLACK:
            return f"text needs {widget.sizeHint().width()} px, has {widget.width()}"
    if isinstance(widget, QAbstractButton) and widget.text():
        icon_only = isinstance(widget, QToolButton) and widget.toolButtonStyle().name == "ToolButtonIconOnly"
        if not icon_only and widget.sizeHint().width() > widget.width() + _SLACK:
            return f"label needs {widget.sizeHint().width()} px, has {widget.width()}"
    return ""


def layout_problems(top: QWidget) -> list[str]:
    """Every overlap, overflow, squeeze and cut text in ``top`` (see the module docstring)."""
    problems: list[str] = []
    widgets = [
        w for w in top.findChildren(QWidget) if w.window() is top and w.isVisibleTo(top) and not w.isWindow()
    ]
    for widget in widgets:
        parent = widget.parentWidget()
        assert parent is not None
        name = describe(widget)
        scrolled = _scrolled(widget, top)
        if not scrolled and not parent.rect().adjusted(-_SLACK, -_SLACK, _SLACK, _SLACK).contains(
            widget.geometry()
        ):
            problems.append(
                f"{name} sticks out of its parent: {_box(widget.geometry())} in {_box(parent.rect())}"
            )
        hint = widget.minimumSizeHint()
        minimum, maximum = widget.minimumSize(), widget.maximumSize()
        wants_w = max(minimum.width(), hint.width() if _obeys(widget, horizontal=True) else 0)
        wants_h = max(minimum.height(), hint.height() if _obeys(widget, horizontal=False) else 0)
        wants_w, wants_h = min(wants_w, maximum.width()), min(wants_h, maximum.height())
        placed_by_qt = isinstance(parent, _COMPOUND) and not _in_layout(parent.layout(), widget)
        if not placed_by_qt and (widget.width() + _SLACK < wants_w or widget.height() + _SLACK < wants_h):
            problems.append(f"{name} is squeezed: {widget.width()}×{widget.height()} < {wants_w}×{wants_h}")
        if text := _text_problem(widget):
            problems.append(f"{name}: {text}")
        layout = parent.layout()
        if not _in_layout(layout, widget):
            continue
        for other in widgets:
            if other is widget or other.parentWidget() is not parent or id(other) < id(widget):
                continue
            if _in_layout(layout, other) and widget.geometry().intersects(other.geometry()):
                overlap = widget.geometry().intersected(other.geometry())
                if overlap.width() > _SLACK and overlap.height() > _SLACK:
                    problems.append(f"{name} overlaps {describe(other)} by {_box(overlap)}")
    return problems


def _obeys(widget: QWidget, *, horizontal: bool) -> bool:
    """Whether a layout honours the widget's minimum size hint in this direction (not when Ignored)."""
    policy = widget.sizePolicy()
    chosen = policy.horizontalPolicy() if horizontal else policy.verticalPolicy()
    return chosen is not QSizePolicy.Policy.Ignored


def _box(rect: QRect) -> str:
    return f"{rect.width()}×{rect.height()}+{rect.x()}+{rect.y()}"
