"""Screen readers and keyboard users: every control a user can Tab to has a name in Qt's accessibility
tree and shows a focus ring that stands out, on every surface (window, settings pages, history, sheet)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.ui.theme import COLORS
from tests.ui.conftest import Harness
from tests.ui.ui_walk import fill_window, surfaces, tab_stops, unnamed


def _luminance(hex_color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    color = QColor(hex_color)
    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_stands_out_against_everything_it_sits_on() -> None:
    """WCAG 2.2 non-text contrast (3:1) against every fill and unfocused border of a focusable control."""
    for under in ("bg", "surface", "surface2", "surface3", "border", "accent", "accent_dim", "user_bubble"):
        ratio = contrast(COLORS["focus"], COLORS[under])
        assert ratio >= 3.0, f"the focus ring on {under}: {ratio:.2f}:1"
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48, "WCAG's own example"
    assert COLORS["focus"] != COLORS["accent"], "checked buttons already have an accent border"


def test_every_control_has_a_name_for_screen_readers(harness: Harness) -> None:
    fill_window(harness)
    missing = {name: problems for name, top in surfaces(harness) if (problems := unnamed(top))}
    assert not missing, missing


def _ring_pixels(image: QImage) -> int:
    """Pixels of the focus colour (what no unfocused control paints as widely)."""
    pixels = image.convertToFormat(QImage.Format.Format_RGB32)
    data = np.frombuffer(pixels.constBits(), np.uint8).reshape(pixels.height(), pixels.bytesPerLine() // 4, 4)
    focus = QColor(COLORS["focus"])
    target = np.array([focus.blue(), focus.green(), focus.red()])
    return int((np.abs(data[:, : pixels.width(), :3].astype(int) - target).max(axis=2) < 24).sum())


def _grab(top: QWidget, widget: QWidget) -> QImage:
    QApplication.processEvents()
    rect = QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())
    return top.grab(rect).toImage()


def test_every_focusable_control_shows_a_focus_ring(harness: Harness) -> None:
    fill_window(harness)
    without: dict[str, list[str]] = {}
    checked = 0
    for name, top in surfaces(harness):
        for widget in tab_stops(top):
            if not widget.isVisible():
                continue
            parking = top.focusWidget()
            widget.clearFocus()
            before = _ring_pixels(_grab(top, widget))
            widget.setFocus(Qt.FocusReason.TabFocusReason)
            harness.wait(widget.hasFocus)
            after = _ring_pixels(_grab(top, widget))
            checked += 1
            ring = 2 * (widget.width() + widget.height()) // 8  # a ring a quarter of the way round at least
            if after - before < min(ring, 40):
                label = widget.accessibleName() or widget.objectName() or type(widget).__name__
                without.setdefault(name, []).append(f"{label} ({before} → {after} ring pixels)")
            if parking is not None:
                parking.setFocus()
    assert checked >= 20, f"only {checked} controls were walked"
    assert not without, without
