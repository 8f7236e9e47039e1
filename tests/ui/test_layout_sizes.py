"""The window from 800×560 to 2560×1440: nothing overlaps, nothing loses text, the minimum fits a
600-pixel-high screen, replies keep a readable measure and the controls stay put when their names change.

Each size is checked in the test process (offscreen) and on a real X server (Xvfb, through
:mod:`tests.ui.layout_shots`); the screenshots go to ``tests/ui/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cv2
import pytest
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QApplication

from desktop_app.bench.window_rig import XvfbDisplay
from desktop_app.core.app_events import BackendInfo, InputState
from desktop_app.core.error_wording import wording_for
from desktop_app.ui.widgets.transcript_view import MEASURE_CHARS
from desktop_app.ui.window_layout import MINIMUM_SIZE
from tests.ui.conftest import Harness
from tests.ui.layout_check import layout_problems
from tests.ui.ui_walk import LONG_REPLY, fill_window

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
SIZES = [(800, 560), (1024, 600), (1280, 800), (2560, 1440)]


def _resize(harness: Harness, width: int, height: int) -> None:
    w = harness.window
    w.resize(width, height)
    harness.wait(lambda: (w.width(), w.height()) == (width, height))
    QApplication.processEvents()


def test_the_minimum_size_fits_a_600_pixel_high_screen(harness: Harness) -> None:
    w = harness.window
    assert MINIMUM_SIZE.height() <= 600 - 40, "a 600-pixel screen keeps room for a panel"
    assert (w.minimumWidth(), w.minimumHeight()) == (MINIMUM_SIZE.width(), MINIMUM_SIZE.height())
    fill_window(harness)
    hint = w.minimumSizeHint()
    assert hint.width() <= MINIMUM_SIZE.width() and hint.height() <= MINIMUM_SIZE.height(), (
        f"the layout needs {hint.width()}×{hint.height()}, more than the window's minimum"
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_nothing_overlaps_or_loses_text(harness: Harness, width: int, height: int) -> None:
    w = harness.window
    fill_window(harness)
    _resize(harness, width, height)
    ARTIFACTS.mkdir(exist_ok=True)
    assert w.grab().save(str(ARTIFACTS / f"window-{width}x{height}.png"))
    assert layout_problems(w) == []
    view = w.transcript_view

    def end_in_sight() -> bool:  # the list lays out again after a resize: scroll once it has
        view.scrollToBottom()
        last = view.visualRect(view.model().index(view.model().rowCount() - 1, 0))
        return last.bottom() <= view.viewport().height()

    harness.wait(end_in_sight)


class _Recorder:
    """Stands in for the QPainter a bubble is painted with, and keeps what text went into which box."""

    def __init__(self) -> None:
        self.font = QFont()
        self.texts: list[tuple[QFont, QRectF, int, str]] = []

    def setFont(self, font: QFont) -> None:
        self.font = font

    def drawText(self, rect: QRectF, flags: int, text: str) -> None:
        self.texts.append((QFont(self.font), QRectF(rect), flags, text))

    def __getattr__(self, _name: str) -> Any:
        return lambda *_args: None  # pens, brushes, the rounded rectangle


def test_a_reply_fits_the_box_it_is_painted_in_at_every_width(harness: Harness) -> None:
    """The bubble is measured and painted with one geometry: the last line is never cut off."""
    fill_window(harness)
    view = harness.window.transcript_view
    row = next(r for r in view.bubbles() if r.text == LONG_REPLY)
    delegate = view.itemDelegate()
    for width in range(200, 1400, 7):
        _bubble_w, bubble_h, _text_h = delegate.bubble_geometry(row, width)
        painter = _Recorder()
        delegate._paint_bubble(painter, QRect(0, 0, width, bubble_h), row, False)
        font, box, flags, text = next(t for t in painter.texts if t[3] == LONG_REPLY)
        needed = QFontMetricsF(font).boundingRect(box, flags, text)
        assert needed.height() <= box.height() + 0.5, f"at {width} px the reply needs {needed} in {box}"
        assert box.bottom() <= bubble_h, f"at {width} px the text box leaves the bubble"


def test_replies_keep_a_readable_measure_on_wide_windows(harness: Harness) -> None:
    fill_window(harness)
    _resize(harness, 2560, 1440)
    view = harness.window.transcript_view
    row = next(r for r in view.bubbles() if r.text == LONG_REPLY)
    bubble_w, _h, _text_h = view.itemDelegate().bubble_geometry(row, view.viewport().width() - 4)
    chars = view.itemDelegate()._fonts.text
    average = QFontMetricsF(chars).averageCharWidth()
    assert view.viewport().width() > 1000, "the window is wide"
    assert 60 * average < bubble_w <= MEASURE_CHARS * average + 40, (
        f"{bubble_w / average:.0f} characters wide"
    )


def test_the_controls_stay_put_when_their_names_change(harness: Harness) -> None:
    w = harness.window
    _resize(harness, 1280, 800)
    c = w.controls
    assert not c.compact, "at 1280 px the buttons show their names"

    def places() -> list[tuple[int, int, int]]:
        QApplication.processEvents()
        return [(b.x(), b.width(), b.height()) for b in c.buttons() if b.isVisible()]

    before = places()
    harness.emit(InputState(mic_muted=True, screen="1", vision_paused=True))
    harness.wait(
        lambda: c.mic.text() == "Muted" and c.share.text() == "Sharing" and c.pause.text() == "Paused"
    )
    assert places() == before
    harness.emit(InputState(camera="0"))
    harness.wait(lambda: c.camera.text() == "Camera on")
    assert places() == before


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_on_a_real_x_server_each_screen_size_is_filled_cleanly(
    width: int, height: int, tmp_path: Path
) -> None:
    """The window filling an Xvfb screen of each size: the same checks, and a screenshot from X."""
    with XvfbDisplay(width, height) as xvfb:
        env = {**os.environ, "DISPLAY": xvfb.display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
        run = subprocess.run(
            [sys.executable, "-m", "tests.ui.layout_shots", str(tmp_path)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["platform"] == "xcb"
    assert report["window"] == [width, height], report
    assert report["problems"] == []
    ARTIFACTS.mkdir(exist_ok=True)
    shot = cv2.imread(str(tmp_path / "window.png"))
    assert shot is not None and shot.shape[:2] == (height, width) and shot.std() > 20
    cv2.imwrite(str(ARTIFACTS / f"xvfb-{width}x{height}.png"), shot)


@pytest.mark.parametrize(("width", "height"), SIZES[:2])
def test_the_connection_problem_banner_fits_too(harness: Harness, width: int, height: int) -> None:
    """With a key (no demo banner) and a failed connection, the problem banner and its Retry fit."""
    w = harness.window
    fill_window(harness)
    harness.emit(BackendInfo("gemini", "gemini-3.8-live"))
    harness.wait(lambda: not w.banner.isVisible())
    wording = wording_for("live_error")
    assert wording is not None
    w.error_banner.show_problem(wording, "1011 internal error")
    _resize(harness, width, height)
    assert w.error_banner.isVisible()
    ARTIFACTS.mkdir(exist_ok=True)
    assert w.grab().save(str(ARTIFACTS / f"window-problem-{width}x{height}.png"))
    assert layout_problems(w) == []
