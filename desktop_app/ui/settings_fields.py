"""What every settings page is made of: a form, notes under fields, and settings bound to their widgets.

A page subclasses :class:`SettingsPage` and adds each widget as the row of the settings field it edits,
``self.field("Silence before replying", "vad_silence_ms", spin_box)``; :meth:`SettingsPage.load` then
fills every bound widget from a :class:`~desktop_app.controller_api.Settings`, :meth:`SettingsPage.values`
reads them back as ``Settings`` keyword arguments (unvalidated: the dialog validates by building the
settings) and :attr:`SettingsPage.edited` fires on any edit. A field is named once, so it cannot be loaded
and forgotten on the way back. A page with a field no widget holds plainly (the camera's typed spec, the
model's free text) overrides both and calls ``super()``.

A page scrolls when the dialog is shorter than its rows (a 600-pixel-high screen): it is a frameless
:class:`~PySide6.QtWidgets.QScrollArea` whose rows sit on :attr:`SettingsPage.body`, never scrolled
sideways (its minimum width is its rows'), and a field that takes the keyboard focus (Tab, a shortcut, a
``setFocus`` from the dialog) is scrolled into view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from desktop_app.controller_api import Settings

__all__ = ["FieldBinder", "SettingsPage", "combo", "select", "spin"]

BoundWidget = QComboBox | QCheckBox | QSpinBox | QDoubleSpinBox | QPlainTextEdit
W = TypeVar("W", QComboBox, QCheckBox, QSpinBox, QDoubleSpinBox, QPlainTextEdit)


def select(combo: QComboBox, value: Any, label: str | None = None) -> None:
    """Select the item holding ``value``, first adding it (shown as ``label``, default the value) when
    the combo lacks it. None selects the item holding None (e.g. "System default") or the first."""
    if value is not None and combo.findData(value) < 0:
        combo.addItem(label or str(value), value)
    combo.setCurrentIndex(max(0, combo.findData(value)))


def combo(*items: tuple[str, Any]) -> QComboBox:
    """A combo box of ``(label, value)`` items."""
    box = QComboBox()
    for label, value in items:
        box.addItem(label, value)
    return box


def spin(low: int, high: int, step: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    return box


def _form(page: QWidget) -> QFormLayout:
    """The form layout every page uses, installed on ``page``."""
    layout = QFormLayout(page)
    layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    layout.setHorizontalSpacing(14)
    layout.setVerticalSpacing(10)
    layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    return layout


def _note(text: str) -> QLabel:
    """A faint, wrapping explanation under a field."""
    label = QLabel(text)
    label.setObjectName("faint")
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(300)
    return label


class FieldBinder:
    """Settings fields bound to the widgets that edit them (see the module docstring). Combo boxes hold
    values as item data; text is stripped; a double spin box's value is rounded to its decimals.
    ``on_edit`` is called whenever a bound widget changes."""

    def __init__(self, on_edit: Callable[[], None]) -> None:
        self._bound: list[tuple[str, BoundWidget]] = []
        self._on_edit = on_edit

    def bind(self, name: str, widget: W) -> W:
        """Bind ``widget`` to the settings field ``name``; returns the widget."""
        self._bound.append((name, widget))
        on_edit = self._on_edit

        def edit(*_new_value: object) -> None:
            on_edit()

        if isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(edit)
            widget.editTextChanged.connect(edit)
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(edit)
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(edit)
        else:
            widget.valueChanged.connect(edit)
        return widget

    def load(self, s: Settings) -> None:
        for name, widget in self._bound:
            value = getattr(s, name)
            if isinstance(widget, QComboBox):
                select(widget, value)
            elif isinstance(widget, QCheckBox):
                widget.setChecked(value)
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(value)
            else:
                widget.setValue(value)

    def values(self) -> dict[str, Any]:
        return {name: _value_of(widget) for name, widget in self._bound}


def _value_of(widget: BoundWidget) -> Any:
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText().strip()
    if isinstance(widget, QDoubleSpinBox):
        return round(widget.value(), widget.decimals())
    return widget.value()


_MIN_VISIBLE_HEIGHT = 160
"""A page asks for at least this much height (a few rows); the rest scrolls."""


class SettingsPage(QScrollArea):
    """A page of the settings dialog, laid out as a form that scrolls (see the module docstring). The
    dialog calls :meth:`load` once, and :meth:`values` on every :attr:`edited` and on Save. Subclasses add
    rows with :meth:`field`, :meth:`row` and :meth:`explain` (or to :attr:`form`), never a layout of
    their own on the page."""

    edited = Signal()
    """A bound field was edited."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body = QWidget()
        """The widget the rows sit on, inside the scroll area."""
        self.form = _form(self.body)
        self.setWidget(self.body)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no blank Tab stop: the fields are the stops
        self.fields = FieldBinder(self.edited.emit)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._follow_focus)  # disconnected when the page is deleted

    def minimumSizeHint(self) -> QSize:
        """As wide as the rows need (nothing is cut at the right), as high as a few rows."""
        rows = self.body.minimumSizeHint()
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        frame = 2 * self.frameWidth()
        return QSize(rows.width() + scroll_bar + frame, min(rows.height(), _MIN_VISIBLE_HEIGHT) + frame)

    def sizeHint(self) -> QSize:
        """The rows' own size, so a dialog with room shows the page whole without scrolling."""
        rows = self.body.sizeHint()
        return QSize(rows.width() + self.verticalScrollBar().sizeHint().width(), rows.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The rows changed what they need (a row shown or hidden): the dialog asks the page again."""
        if watched is self.body and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def _follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self.body.isAncestorOf(new):
            self.ensureWidgetVisible(new)

    def field(self, label: str, name: str, widget: W) -> W:
        """Add ``widget`` as the row ``label``, bound to the settings field ``name``; returns it."""
        self.form.addRow(label, self.fields.bind(name, widget))
        return widget

    def row(self, label: str, item: QWidget | QLayout) -> None:
        """Add an unbound row (a button row, a preview, a second checkbox under an empty label)."""
        self.form.addRow(label, item)
        first = item.itemAt(0) if isinstance(item, QLayout) else None
        widget = first.widget() if first is not None else None
        tag = self.form.labelForField(item)
        if widget is not None and isinstance(tag, QLabel):
            tag.setBuddy(widget)  # a row of several: screen readers name the first after the label

    def explain(self, text: str) -> QLabel:
        """Add a note row under the previous field; returns the label (to change its text later)."""
        label = _note(text)
        self.form.addRow("", label)
        return label

    def load(self, s: Settings) -> None:
        self.fields.load(s)

    def values(self) -> dict[str, Any]:
        return self.fields.values()
